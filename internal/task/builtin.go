package task

import (
	"fmt"

	"github.com/regenesis-ai/regenesis/internal/answer"
)

// local is a file in the task's folder of the data directory.
func local(path string, f format) part { return part{path: path, format: f} }

// hubPinTable gives the revisions the built-in tasks' Hub files are read at: a
// commit for every repository where one whose files match the layout below
// could be found (see docs/TASKS.md for where each came from), so that a
// run reads the same bytes a year later. The repositories pinned to "main"
// are unpinned: no commit of theirs could be checked from here.
func hubPinTable(repo string) string {
	switch repo {
	case "openai/gsm8k":
		return "740312add88f781978c0658806c59bc2815b9866"
	case "allenai/ai2_arc":
		return "210d026faf9955653af8916fad021475a3f00453"
	case "EleutherAI/asdiv":
		return "8f95807222d87b4c688c3c22a6ba2801e1fa03e2"
	case "ChilleD/SVAMP":
		return "5e0bf1e5e7c0e9c4bc39180d224f41f3f801b7ef"
	case "EleutherAI/hendrycks_math":
		return "21a5633873b6a120296cce3e2df9d5550074f4a3"
	case "HuggingFaceH4/MATH-500":
		return "6e4ed1a2a79af7d8630a6b768ec859cb5af4d3be"
	case "SaylorTwift/bbh":
		return "b5306be6f827cfafbb545ff5a51f96916029b0fd"
	case "facebook/anli":
		return "8e4813d81f46d313dac7892e1c28076917cfcdf9"
	case "allenai/openbookqa":
		return "388097ea7776314e93a529163e0fea805b8a6454"
	case "tau/commonsense_qa":
		return "94630fe30dad47192a8546eb75f094926d47e155"
	// Unpinned.
	case "metaeval/num-glue":
		return "main"
	case "metaeval/reclor":
		return "main"
	case "voidful/StrategyQA":
		return "main"
	case "deepmind/aqua_rat":
		return "main"
	}
	return ""
}

// HubPin returns the revision a built-in task source is read at, and
// whether it is a commit (false: the branch "main", unpinned).
func HubPin(repo string) (revision string, pinned bool) {
	rev := hubPinTable(repo)
	if rev == "" {
		return "main", false
	}
	return rev, commitHash.MatchString(rev)
}

// hubPart is a file of a Hub dataset repository at the repository's pinned
// revision; its format comes from its extension unless given.
func hubPart(repo, path string) part {
	rev, _ := HubPin(repo)
	return part{repo: repo, revision: rev, path: path}
}

// hubShards returns the Hub file of a split that the Hub keeps in one
// Parquet shard: dir/<split>-00000-of-00001.parquet.
func hubShards(repo, dir string) func(split string) []part {
	return func(split string) []part {
		return []part{hubPart(repo, dir+"/"+split+"-00000-of-00001.parquet")}
	}
}

// split names a split and sets the split of its parts.
func split(name string, count int, localParts, hubParts []part) splitDef {
	for i := range localParts {
		localParts[i].split = name
	}
	for i := range hubParts {
		hubParts[i].split = name
	}
	return splitDef{name: name, count: count, local: localParts, hub: hubParts}
}

// concat is a split made of other splits' files, in order.
func concat(name string, splits ...splitDef) splitDef {
	s := splitDef{name: name}
	for _, x := range splits {
		s.count += x.count
		s.local = append(s.local, x.local...)
		s.hub = append(s.hub, x.hub...)
	}
	return s
}

// builtinDefs returns the paper's tasks and the extra ones the shared data
// holds, with their local file layout (as the publishers distribute the
// files) and their Hugging Face Hub sources. Each call builds new values.
func builtinDefs() []*taskDef {
	defs := []*taskDef{
		gsm8kDef(), numglueDef(), arcDef(), reclorDef(), strategyqaDef(),
		asdivDef(), svampDef(), aquaDef(), mathDef(), math500Def(), bbhDef(), anliDef(), openbookqaDef(),
		commonsenseqaDef(),
	}
	for _, s := range bbhSubtasks {
		defs = append(defs, bbhSubtaskDef(s.name, s.count))
	}
	return append(defs, variantDefs()...)
}

func gsm8kDef() *taskDef {
	const repo = "openai/gsm8k"
	h := hubShards(repo, "main")
	return &taskDef{
		info: Info{Name: "gsm8k", Group: InDomain, AnswerType: answer.Number, Dir: "gsm8k", Hub: repo,
			TestSplit: "test", TrainSplit: "train",
			Description: "GSM8K grade-school math word problems"},
		splits: []splitDef{
			split("train", 7473, []part{local("train.jsonl", formatJSONL)}, h("train")),
			split("test", 1319, []part{local("test.jsonl", formatJSONL)}, h("test")),
		},
		normalize: normalizeGSM8K,
	}
}

func numglueDef() *taskDef {
	const repo = "metaeval/num-glue"
	official := func(name, file string) splitDef {
		h := hubPart(repo, file)
		h.format = formatJSONL // JSON Lines despite the .json name
		return split(name, 0, []part{local(file, formatJSONL)}, []part{h})
	}
	var sample []part
	count := 0
	for i, n := range []int{323, 500, 500, 499, 499, 500, 500, 500} {
		p := local(fmt.Sprintf("Type_%d/type%d.json", i+1, i+1), formatJSON)
		p.tag = fmt.Sprintf("Type_%d", i+1)
		sample = append(sample, p)
		count += n
	}
	return &taskDef{
		info: Info{Name: "numglue", Group: InDomain, AnswerType: answer.Number, Dir: "numglue", Hub: repo,
			TestSplit: "test", TrainSplit: "train",
			Description: "NumGLUE, eight numerical reasoning task types; 'sample' is an unofficial per-type sample (tests only)"},
		splits: []splitDef{
			official("train", "NumGLUE_train.json"),
			official("dev", "NumGLUE_dev.json"),
			official("test", "NumGLUE_test.json"),
			split("sample", count, sample, nil),
		},
		normalize: normalizeNumGLUE,
	}
}

func arcDef() *taskDef {
	const repo = "allenai/ai2_arc"
	h := hubShards(repo, "ARC-Challenge")
	return &taskDef{
		info: Info{Name: "arc_challenge", Group: InDomain, AnswerType: answer.Choice, Dir: "arc_challenge", Hub: repo,
			TestSplit: "test", TrainSplit: "train",
			Description: "AI2 Reasoning Challenge, Challenge Set (ARC-V1-Feb2018)"},
		splits: []splitDef{
			split("train", 1119, []part{local("ARC-Challenge-Train.jsonl", formatJSONL)}, h("train")),
			split("dev", 299, []part{local("ARC-Challenge-Dev.jsonl", formatJSONL)}, h("validation")),
			split("test", 1172, []part{local("ARC-Challenge-Test.jsonl", formatJSONL)}, h("test")),
		},
		normalize: normalizeARC,
	}
}

func reclorDef() *taskDef {
	const repo = "metaeval/reclor"
	return &taskDef{
		info: Info{Name: "reclor", Group: InDomain, AnswerType: answer.Choice, Dir: "reclor", Hub: repo,
			TestSplit: "val", TrainSplit: "train",
			Description: "ReClor logical reasoning (LSAT/GMAT); research use only; the official test has no labels"},
		splits: []splitDef{
			split("train", 4638, []part{local("train.json", formatJSON)}, []part{hubPart(repo, "train.json")}),
			split("val", 500, []part{local("val.json", formatJSON)}, []part{hubPart(repo, "val.json")}),
		},
		normalize: normalizeReClor,
	}
}

func strategyqaDef() *taskDef {
	const repo = "voidful/StrategyQA"
	return &taskDef{
		info: Info{Name: "strategyqa", Group: InDomain, AnswerType: answer.YesNo, Dir: "strategyqa", Hub: repo,
			TestSplit: "dev", TrainSplit: "train",
			Description: "StrategyQA implicit multi-step yes/no questions; train/dev as split by eladsegal/strategyqa, 'all' is the original train file"},
		splits: []splitDef{
			split("train", 2061, []part{local("train.json", formatJSON)}, nil),
			split("dev", 229, []part{local("dev.json", formatJSON)}, nil),
			split("all", 2290, []part{local("strategyqa_train.json", formatJSON)}, []part{hubPart(repo, "strategyqa_train.json")}),
		},
		normalize: normalizeStrategyQA,
	}
}

func asdivDef() *taskDef {
	const repo = "EleutherAI/asdiv"
	return &taskDef{
		info: Info{Name: "asdiv", Group: OOD, AnswerType: answer.Number, Dir: "asdiv", Hub: repo,
			TestSplit:   "test",
			Description: "ASDiv diverse math word problems (whole corpus as test set), units stripped from answers"},
		splits: []splitDef{
			split("test", 2305, []part{local("ASDiv.xml", formatASDiv)}, []part{hubPart(repo, "asdiv/validation-00000-of-00001.parquet")}),
		},
		normalize: normalizeASDiv,
	}
}

func svampDef() *taskDef {
	const repo = "ChilleD/SVAMP"
	return &taskDef{
		info: Info{Name: "svamp", Group: OOD, AnswerType: answer.Number, Dir: "svamp", Hub: repo,
			TestSplit:   "test",
			Description: "SVAMP varied arithmetic word problems (the 1,000-problem challenge set as test set)"},
		splits: []splitDef{
			split("test", 1000, []part{local("SVAMP.json", formatJSON)}, []part{
				hubPart(repo, "train.json"),
				hubPart(repo, "test.json"),
			}),
		},
		normalize: normalizeSVAMP,
	}
}

func aquaDef() *taskDef {
	const repo = "deepmind/aqua_rat"
	h := hubShards(repo, "raw")
	return &taskDef{
		info: Info{Name: "aqua", Group: OOD, AnswerType: answer.Choice, Dir: "aqua", Hub: repo,
			TestSplit: "test", TrainSplit: "train",
			Description: "AQuA-RAT algebra word problems with five options and rationales"},
		splits: []splitDef{
			split("train", 97467, []part{local("train.json", formatJSONL)}, h("train")),
			split("dev", 254, []part{local("dev.json", formatJSONL)}, h("validation")),
			split("test", 254, []part{local("test.json", formatJSONL)}, h("test")),
		},
		normalize: normalizeAQuA,
	}
}

// mathSubjects are MATH's seven subjects, the folders of its Hub copy.
var mathSubjects = [...]string{"algebra", "counting_and_probability", "geometry", "intermediate_algebra", "number_theory", "prealgebra", "precalculus"}

func mathDef() *taskDef {
	const repo = "EleutherAI/hendrycks_math"
	parts := func(s string) []part {
		var ps []part
		for _, subj := range mathSubjects {
			p := part{tag: subj, path: subj + "/" + s + "-00000-of-00001.parquet", format: formatParquet}
			ps = append(ps, p)
		}
		return ps
	}
	hubParts := func(s string) []part {
		ps := parts(s)
		for i := range ps {
			ps[i].repo, ps[i].revision = repo, hubPart(repo, "").revision
		}
		return ps
	}
	return &taskDef{
		info: Info{Name: "math", Group: OOD, AnswerType: answer.Math, Dir: "math", Hub: repo,
			TestSplit: "test", TrainSplit: "train",
			Description: "MATH competition problems, all seven subjects; the answer is the solution's last \\boxed{}"},
		splits: []splitDef{
			split("train", 7500, parts("train"), hubParts("train")),
			split("test", 5000, parts("test"), hubParts("test")),
		},
		normalize: normalizeMATH,
	}
}

func math500Def() *taskDef {
	const repo = "HuggingFaceH4/MATH-500"
	return &taskDef{
		info: Info{Name: "math500", Group: OOD, AnswerType: answer.Math, Dir: "math500", Hub: repo,
			TestSplit:   "test",
			Description: "MATH-500, the 500-problem MATH test subset of \"Let's Verify Step by Step\""},
		splits: []splitDef{
			split("test", 500, []part{local("test.jsonl", formatJSONL)}, []part{hubPart(repo, "test.jsonl")}),
		},
		normalize: normalizeMATH,
	}
}

// bbhRepo is BIG-Bench Hard's Hub copy, the one lm-evaluation-harness
// reads (lukaemon/bbh, the older one, was a loading-script dataset).
const bbhRepo = "SaylorTwift/bbh"

// bbhParts returns the local and Hub files of the named subtasks.
func bbhParts(names ...string) (localParts, hubParts []part) {
	for _, n := range names {
		l := local(n+".json", formatJSON)
		l.key, l.tag = "examples", n
		h := hubPart(bbhRepo, n+"/test-00000-of-00001.parquet")
		h.tag = n
		localParts = append(localParts, l)
		hubParts = append(hubParts, h)
	}
	return localParts, hubParts
}

func bbhDef() *taskDef {
	names := make([]string, len(bbhSubtasks))
	count := 0
	for i, s := range bbhSubtasks {
		names[i] = s.name
		count += s.count
	}
	l, h := bbhParts(names...)
	return &taskDef{
		info: Info{Name: "bbh", Group: OOD, AnswerType: answer.Choice, Dir: "bbh", Hub: bbhRepo,
			TestSplit:   "test",
			Description: "BIG-Bench Hard, all 27 subtasks (answer type per subtask; see bbh.<subtask>)"},
		splits:    []splitDef{split("test", count, l, h)},
		normalize: normalizeBBH,
	}
}

func bbhSubtaskDef(name string, count int) *taskDef {
	typ, _ := bbhType(name)
	l, h := bbhParts(name)
	return &taskDef{
		info: Info{Name: "bbh." + name, Group: OOD, AnswerType: typ, Dir: "bbh", Hub: bbhRepo,
			TestSplit:   "test",
			Description: "BIG-Bench Hard subtask " + name},
		splits:    []splitDef{split("test", count, l, h)},
		normalize: normalizeBBH,
	}
}

func anliDef() *taskDef {
	const repo = "facebook/anli"
	counts := map[string][3]int{"train": {16946, 45460, 100459}, "dev": {1000, 1000, 1200}, "test": {1000, 1000, 1200}}
	var splits []splitDef
	for _, kind := range []string{"train", "dev", "test"} {
		var rounds []splitDef
		for r := 1; r <= 3; r++ {
			name := fmt.Sprintf("%s_r%d", kind, r)
			member := fmt.Sprintf("anli_v1.0/R%d/%s.jsonl", r, kind)
			l := local(member, formatJSONL)
			l.zipArchive, l.zipMember, l.tag = "anli_v1.0.zip", member, fmt.Sprintf("R%d", r)
			h := hubPart(repo, "plain_text/"+name+"-00000-of-00001.parquet")
			h.tag = l.tag
			rounds = append(rounds, split(name, counts[kind][r-1], []part{l}, []part{h}))
		}
		splits = append(splits, rounds...)
		splits = append(splits, concat(kind, rounds...))
	}
	return &taskDef{
		info: Info{Name: "anli", Group: OOD, AnswerType: answer.Choice, Dir: "anli", Hub: repo,
			TestSplit: "test", TrainSplit: "train",
			Description: "Adversarial NLI rounds 1-3 as a choice: (A) entailment (B) neutral (C) contradiction; 'test' is all three rounds"},
		splits:    splits,
		normalize: normalizeANLI,
	}
}

func openbookqaDef() *taskDef {
	const repo = "allenai/openbookqa"
	h := hubShards(repo, "main")
	return &taskDef{
		info: Info{Name: "openbookqa", Group: OOD, AnswerType: answer.Choice, Dir: "openbookqa", Hub: repo,
			TestSplit: "test", TrainSplit: "train",
			Description: "OpenBookQA elementary science questions (Main)"},
		splits: []splitDef{
			split("train", 4957, []part{local("train.jsonl", formatJSONL)}, h("train")),
			split("dev", 500, []part{local("dev.jsonl", formatJSONL)}, h("validation")),
			split("test", 500, []part{local("test.jsonl", formatJSONL)}, h("test")),
		},
		normalize: normalizeARC,
	}
}

func commonsenseqaDef() *taskDef {
	const repo = "tau/commonsense_qa"
	h := hubShards(repo, "data")
	return &taskDef{
		info: Info{Name: "commonsenseqa", Group: Extra, AnswerType: answer.Choice, Dir: "commonsenseqa", Hub: repo,
			TestSplit: "dev", TrainSplit: "train",
			Description: "CommonsenseQA (random split); the official test has no answers, so dev is the test split"},
		splits: []splitDef{
			split("train", 9741, []part{local("train_rand_split.jsonl", formatJSONL)}, h("train")),
			split("dev", 1221, []part{local("dev_rand_split.jsonl", formatJSONL)}, h("validation")),
		},
		normalize: normalizeARC,
	}
}
