package task

import (
	"regexp"
	"strings"

	"github.com/regenesis-ai/regenesis/internal/answer"
)

// bbhSubtasks maps each BIG-Bench Hard subtask to its answer type and its
// test count.
var bbhSubtasks = []struct {
	name  string
	typ   answer.Type
	count int
}{
	{"boolean_expressions", answer.YesNo, 250},
	{"causal_judgement", answer.YesNo, 187},
	{"date_understanding", answer.Choice, 250},
	{"disambiguation_qa", answer.Choice, 250},
	{"dyck_languages", answer.Text, 250},
	{"formal_fallacies", answer.YesNo, 250},
	{"geometric_shapes", answer.Choice, 250},
	{"hyperbaton", answer.Choice, 250},
	{"logical_deduction_five_objects", answer.Choice, 250},
	{"logical_deduction_seven_objects", answer.Choice, 250},
	{"logical_deduction_three_objects", answer.Choice, 250},
	{"movie_recommendation", answer.Choice, 250},
	{"multistep_arithmetic_two", answer.Number, 250},
	{"navigate", answer.YesNo, 250},
	{"object_counting", answer.Number, 250},
	{"penguins_in_a_table", answer.Choice, 146},
	{"reasoning_about_colored_objects", answer.Choice, 250},
	{"ruin_names", answer.Choice, 250},
	{"salient_translation_error_detection", answer.Choice, 250},
	{"snarks", answer.Choice, 178},
	{"sports_understanding", answer.YesNo, 250},
	{"temporal_sequences", answer.Choice, 250},
	{"tracking_shuffled_objects_five_objects", answer.Choice, 250},
	{"tracking_shuffled_objects_seven_objects", answer.Choice, 250},
	{"tracking_shuffled_objects_three_objects", answer.Choice, 250},
	{"web_of_lies", answer.YesNo, 250},
	{"word_sorting", answer.Text, 250},
}

// bbhType returns a subtask's answer type.
func bbhType(subtask string) (answer.Type, bool) {
	for _, s := range bbhSubtasks {
		if s.name == subtask {
			return s.typ, true
		}
	}
	return "", false
}

// bbhOption matches one option line of a multiple-choice BBH input: "(A) text".
var bbhOption = regexp.MustCompile(`(?m)^\(([A-R])\)\s*(.*?)\s*$`)

// normalizeBBH reads a BIG-Bench Hard example (input, target) of the
// subtask p.tag. The input already shows its options, so it is the question
// as is. Multiple-choice targets "(A)" become "A" with the options parsed
// from the input; True/False, Yes/No and valid/invalid become yes/no;
// numbers and text stay. Three records whose target is an option's text
// rather than its label (one in movie_recommendation, two in ruin_names)
// keep that text as a text answer.
func normalizeBBH(rec record, p part) (Example, error) {
	f, err := rec.strs("input", "target")
	if err != nil {
		return Example{}, err
	}
	input, target := f[0], strings.TrimSpace(f[1])
	typ, ok := bbhType(p.tag)
	if !ok {
		return Example{}, rec.errorf("", "unknown BIG-Bench Hard subtask %q", p.tag)
	}
	ex := Example{ID: defaultID(p, rec), Question: input, Spec: answer.Spec{Type: typ}}
	switch typ {
	case answer.Choice:
		_, opts, found := strings.Cut(input, "Options:")
		if !found {
			return Example{}, rec.errorf("input", "no \"Options:\" list in a multiple-choice subtask")
		}
		for _, m := range bbhOption.FindAllStringSubmatch(opts, -1) {
			ex.Spec.Options = append(ex.Spec.Options, answer.Option{Label: m[1], Text: m[2]})
		}
		label := strings.TrimSuffix(strings.TrimPrefix(target, "("), ")")
		if len(target) == 3 && hasLabel(ex.Spec.Options, label) {
			ex.Answer = label
		} else {
			ex.Spec = answer.Spec{Type: answer.Text}
			ex.Answer = target
		}
	case answer.YesNo:
		switch strings.ToLower(target) {
		case "yes", "true", "valid":
			ex.Answer = "yes"
		case "no", "false", "invalid":
			ex.Answer = "no"
		default:
			return Example{}, rec.errorf("target", "%q is not yes/no, true/false or valid/invalid", target)
		}
	case answer.Number:
		n, ok := canonNumber(target)
		if !ok {
			return Example{}, rec.errorf("target", "%q is not a number", target)
		}
		ex.Answer = n
	default:
		ex.Answer = target
	}
	return ex, nil
}
