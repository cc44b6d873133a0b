package eval

import (
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/regenesis-ai/regenesis/internal/answer"
	"github.com/regenesis-ai/regenesis/internal/cost"
	"github.com/regenesis-ai/regenesis/internal/fileio"
	"github.com/regenesis-ai/regenesis/internal/llm"
	"github.com/regenesis-ai/regenesis/internal/shard"
)

// File names written into Options.OutDir.
const (
	ResultsFile     = "results.json"
	PredictionsFile = "predictions.jsonl"
	// IndexFile has one IndexRecord per line of predictions.jsonl: the
	// question's position in the whole input, which regenesis merge uses to
	// put shards back in input order.
	IndexFile = "eval-index.jsonl"
)

// IndexRecord is one line of eval-index.jsonl.
type IndexRecord struct {
	Index int    `json:"index"`
	Task  string `json:"task"`
	ID    string `json:"id"`
}

// TaskResult is the score of one task.
type TaskResult struct {
	Group string `json:"group"`
	Split string `json:"split,omitempty"`
	// N is the number of scored questions (those with a gold answer).
	N        int     `json:"n"`
	Correct  int     `json:"correct"`
	NoAnswer int     `json:"no_answer"`
	Accuracy float64 `json:"accuracy"`
	Mode     string  `json:"mode"`
	CILow    float64 `json:"ci_low"`
	CIHigh   float64 `json:"ci_high"`
	// Unlabeled counts questions without a gold answer, which are written
	// to predictions.jsonl but not scored.
	Unlabeled int `json:"unlabeled,omitempty"`
}

// GroupResult is the unweighted mean accuracy over a group's tasks, the
// average the paper reports.
type GroupResult struct {
	Tasks    []string `json:"tasks"`
	N        int      `json:"n"`
	Accuracy float64  `json:"accuracy"`
	// MicroAccuracy is the share of the group's questions answered right,
	// over all its tasks together (Accuracy is the mean of the tasks'
	// accuracies, the macro average).
	MicroAccuracy float64 `json:"micro_accuracy"`
}

// Usage counts the tokens of the run, served from the store or not.
type Usage struct {
	PromptTokens     int64 `json:"prompt_tokens"`
	CompletionTokens int64 `json:"completion_tokens"`
	// CachedQuestions counts questions answered entirely from the store.
	CachedQuestions int `json:"cached_questions"`
}

// Results is the content of results.json.
type Results struct {
	Model       string  `json:"model"`
	Split       string  `json:"split"`
	Limit       int     `json:"limit,omitempty"`
	Mode        string  `json:"mode"`
	Samples     int     `json:"samples"`
	Temperature float64 `json:"temperature"`
	TopP        float64 `json:"top_p"`
	MaxTokens   int     `json:"max_tokens"`
	Seed        int64   `json:"seed"`
	// Protocol is how the questions were asked (ProtocolZeroShot,
	// ProtocolBBH).
	Protocol string                  `json:"protocol"`
	Tasks    map[string]*TaskResult  `json:"tasks"`
	Groups   map[string]*GroupResult `json:"groups"`
	Usage    Usage                   `json:"usage"`
	// Money prices Usage (nil when the run was given no pricing).
	Money       *cost.Money    `json:"money,omitempty"`
	WallSeconds float64        `json:"wall_seconds"`
	Config      map[string]any `json:"config,omitempty"`
	// Servers is what each model server did for this invocation (merged:
	// the shards' sums per server), URLs without credentials.
	Servers []llm.ServerStats `json:"servers,omitempty"`
	// Shard is set on a shard's results (--shard I/N); merged or unsharded
	// results have none.
	Shard *shard.Info `json:"shard,omitempty"`
}

// Recount returns r with every count zeroed (tasks, groups, usage), its
// settings kept, ready for Add; merging shards recounts their predictions.
func (r *Results) Recount() *Results {
	c := *r
	c.Tasks = make(map[string]*TaskResult, len(r.Tasks))
	for name, t := range r.Tasks {
		c.Tasks[name] = &TaskResult{Group: t.Group, Split: t.Split, Mode: t.Mode}
	}
	c.Groups = map[string]*GroupResult{}
	c.Usage = Usage{}
	c.Shard = nil
	return &c
}

// Add counts one prediction, as Run does; call Finish after the last one.
// The prediction's task must be one of r's.
func (r *Results) Add(p *Prediction) error {
	if r.Tasks[p.Task] == nil {
		return fmt.Errorf("eval: prediction of task %q, which the results do not have", p.Task)
	}
	r.add(p)
	return nil
}

// Finish computes accuracies, intervals and group averages from the
// counts, and prices the usage again when r has a price.
func (r *Results) Finish() {
	r.finish()
	if r.Money != nil {
		r.Money = r.Money.Pricing.MoneyFor(r.Usage.PromptTokens, r.Usage.CompletionTokens, r.questions(), 0)
	}
}

// WriteResults writes r to dir/results.json atomically.
func WriteResults(dir string, r *Results) error {
	f, err := resultsFile(dir, r)
	if err != nil {
		return err
	}
	defer f.Abort()
	if err := f.Commit(); err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	return nil
}

// newResults returns empty results for o, with every task present even if
// it turns out to have no questions.
func newResults(o *Options) *Results {
	r := &Results{
		Model:       o.Model,
		Split:       o.Split,
		Limit:       o.Limit,
		Mode:        o.ModeLabel(),
		Samples:     o.Samples,
		Temperature: o.Temperature,
		TopP:        o.TopP,
		MaxTokens:   o.MaxTokens,
		Seed:        o.Seed,
		Protocol:    o.Protocol,
		Tasks:       make(map[string]*TaskResult, len(o.Sources)),
		Groups:      map[string]*GroupResult{},
		Config:      o.Meta,
	}
	for _, s := range o.Sources {
		r.Tasks[s.Name] = &TaskResult{Group: string(s.Group), Split: s.Split, Mode: r.Mode}
	}
	return r
}

// questions counts the predictions of every task.
func (r *Results) questions() int {
	n := 0
	for _, t := range r.Tasks {
		n += t.N
	}
	return n
}

// add counts one prediction.
func (r *Results) add(p *Prediction) {
	t := r.Tasks[p.Task]
	r.Usage.PromptTokens += p.PromptTokens
	r.Usage.CompletionTokens += p.CompletionTokens
	if p.Cached {
		r.Usage.CachedQuestions++
	}
	switch p.Verdict {
	case answer.Unchecked:
		t.Unlabeled++
		return
	case answer.Correct:
		t.Correct++
	case answer.NoAnswer:
		t.NoAnswer++
	}
	t.N++
}

// finish computes accuracies, intervals and group averages.
func (r *Results) finish() {
	byGroup := map[string][]string{}
	for name, t := range r.Tasks {
		if t.N > 0 {
			t.Accuracy = float64(t.Correct) / float64(t.N)
		}
		t.CILow, t.CIHigh = Wilson(t.Correct, t.N)
		if t.Group != "" && t.N > 0 {
			byGroup[t.Group] = append(byGroup[t.Group], name)
		}
	}
	r.Groups = make(map[string]*GroupResult, len(byGroup))
	for g, names := range byGroup {
		slices.Sort(names)
		gr := &GroupResult{Tasks: names}
		correct := 0
		for _, name := range names {
			gr.N += r.Tasks[name].N
			gr.Accuracy += r.Tasks[name].Accuracy
			correct += r.Tasks[name].Correct
		}
		gr.Accuracy /= float64(len(names))
		gr.MicroAccuracy = float64(correct) / float64(gr.N)
		r.Groups[g] = gr
	}
}

// TaskNames returns the task names ordered by group (in-domain, ood, then
// others alphabetically) and by name within a group.
func (r *Results) TaskNames() []string {
	names := make([]string, 0, len(r.Tasks))
	for name := range r.Tasks {
		names = append(names, name)
	}
	slices.SortFunc(names, func(a, b string) int {
		return cmp.Or(CompareGroups(r.Tasks[a].Group, r.Tasks[b].Group), cmp.Compare(a, b))
	})
	return names
}

// CompareGroups orders group names: in-domain, ood, then the others by name.
func CompareGroups(a, b string) int {
	rank := func(g string) int {
		switch g {
		case "in-domain":
			return 0
		case "ood":
			return 1
		}
		return 2
	}
	return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(a, b))
}

// ReadResults reads a results.json file.
func ReadResults(path string) (*Results, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	var r Results
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("eval: %s: %w", path, err)
	}
	if r.Model == "" {
		return nil, fmt.Errorf("eval: %s: field \"model\" is missing", path)
	}
	for name, t := range r.Tasks {
		if t == nil {
			return nil, fmt.Errorf("eval: %s: tasks.%s is null", path, name)
		}
	}
	return &r, nil
}

// resultsFile writes r as dir/results.json into a temporary file; Commit
// puts it in place.
func resultsFile(dir string, r *Results) (*fileio.File, error) {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("eval: encode results: %w", err)
	}
	f, err := fileio.Create(filepath.Join(dir, ResultsFile))
	if err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Abort()
		return nil, fmt.Errorf("eval: %w", err)
	}
	return f, nil
}
