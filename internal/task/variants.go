package task

import (
	"errors"
	"slices"
	"strings"

	"github.com/regenesis-ai/regenesis/internal/answer"
)

// errSkip, returned by a normalizer, leaves the record out of the stream:
// a task variant that takes only some of its files' records.
var errSkip = errors.New("record not part of this task")

// The reference variants: the training data the paper's authors used, as
// tasks of their own (docs/TASKS.md, docs/METHOD.md).
const (
	// StrategyQAFacts is StrategyQA with each question's facts shown before
	// it, as the authors trained on it.
	StrategyQAFacts = "strategyqa.facts"
	// ARCTrainDev is ARC-Challenge whose train split is train plus dev.
	ARCTrainDev = "arc_challenge.traindev"
	// NumGLUEReference is NumGLUE's types 1, 2 and 8, and type 5 where the
	// answer is a number: the four types the authors trained on.
	NumGLUEReference = "numglue.types1258"
)

// ReferenceVariant returns the task the reference profile synthesizes from
// when asked for name: the authors' training data where it differs from the
// task as published (StrategyQA with facts, ARC train+dev, four NumGLUE
// types), else name itself.
func ReferenceVariant(name string) string {
	switch name {
	case "strategyqa":
		return StrategyQAFacts
	case "arc_challenge":
		return ARCTrainDev
	case "numglue":
		return NumGLUEReference
	}
	return name
}

// variantDefs returns the reference variants of the built-in tasks.
func variantDefs() []*taskDef {
	sqa := strategyqaDef()
	sqa.info.Name = StrategyQAFacts
	sqa.info.Group = Extra
	sqa.info.Description = "StrategyQA with the question's facts shown before it (the paper's training data); splits as strategyqa"
	sqa.normalize = normalizeStrategyQAFacts

	arc := arcDef()
	arc.info.Name = ARCTrainDev
	arc.info.Group = Extra
	arc.info.Description = "ARC-Challenge whose train split is train+dev (the paper's training data); test as arc_challenge"
	train := arc.splits[slices.IndexFunc(arc.splits, func(s splitDef) bool { return s.name == "train" })]
	dev := arc.splits[slices.IndexFunc(arc.splits, func(s splitDef) bool { return s.name == "dev" })]
	arc.splits = []splitDef{
		concat("train", train, dev),
		arc.splits[slices.IndexFunc(arc.splits, func(s splitDef) bool { return s.name == "test" })],
	}

	ng := numglueDef()
	ng.info.Name = NumGLUEReference
	ng.info.Group = Extra
	ng.info.Description = "NumGLUE types 1, 2, 8 and type 5 with a numeric answer (the paper's training data); splits as numglue"
	// The sample split's per-type files: only the four types' files, with
	// counts unknown until read (type 5 drops its non-numeric answers).
	for i := range ng.splits {
		if ng.splits[i].name != "sample" {
			continue
		}
		var keep []part
		for _, p := range ng.splits[i].local {
			if slices.Contains([]string{"Type_1", "Type_2", "Type_5", "Type_8"}, p.tag) {
				keep = append(keep, p)
			}
		}
		ng.splits[i].local, ng.splits[i].count = keep, 0
	}
	ng.normalize = normalizeNumGLUEReference
	return []*taskDef{sqa, arc, ng}
}

// normalizeStrategyQAFacts is normalizeStrategyQA with the facts, one per
// line, before the question.
func normalizeStrategyQAFacts(rec record, p part) (Example, error) {
	ex, err := normalizeStrategyQA(rec, p)
	if err != nil {
		return ex, err
	}
	facts, err := strategyQAFacts(rec)
	if err != nil {
		return Example{}, err
	}
	if len(facts) > 0 {
		ex.Question = "Facts:\n- " + strings.Join(facts, "\n- ") + "\n\nQuestion: " + ex.Question
	}
	return ex, nil
}

// strategyQAFacts reads a StrategyQA record's facts.
func strategyQAFacts(rec record) ([]string, error) {
	l, ok := rec.lookup("facts")
	if !ok {
		return nil, nil
	}
	list, ok := l.([]any)
	if !ok {
		return nil, rec.errorf("facts", "want a list, got %s", kindOf(l))
	}
	var facts []string
	for _, f := range list {
		if s, ok := scalarText(f); ok && strings.TrimSpace(s) != "" {
			facts = append(facts, strings.Join(strings.Fields(s), " "))
		}
	}
	return facts, nil
}

// normalizeNumGLUEReference keeps the records of types 1, 2 and 8, and
// those of type 5 whose answer is a number.
func normalizeNumGLUEReference(rec record, p part) (Example, error) {
	typ, err := rec.optStr("type")
	if err != nil {
		return Example{}, err
	}
	if typ == "" {
		typ = p.tag
	}
	if !slices.Contains([]string{"Type_1", "Type_2", "Type_5", "Type_8"}, typ) {
		return Example{}, errSkip
	}
	ex, err := normalizeNumGLUE(rec, p)
	if err != nil {
		return ex, err
	}
	if typ == "Type_5" && ex.Spec.Type != answer.Number {
		return Example{}, errSkip
	}
	return ex, nil
}
