package task

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/regenesis-ai/regenesis/internal/answer"
)

// normalizeARC reads the ARC / OpenBookQA / CommonsenseQA layout, both as AI2
// distributes it ({"question": {"stem", "choices": [{"text", "label"}]}})
// and as the Hub Parquet copies hold it ("question" or "question_stem" text,
// "choices": {"text": [...], "label": [...]}). Digit labels "1".."9" become
// letters ("1" -> "A").
func normalizeARC(rec record, p part) (Example, error) {
	id, err := rec.str("id")
	if err != nil {
		return Example{}, err
	}
	var stem string
	var opts []answer.Option
	if _, ok := rec.lookup("question.stem"); ok {
		if stem, err = rec.str("question.stem"); err != nil {
			return Example{}, err
		}
		choices, err := rec.list("question.choices")
		if err != nil {
			return Example{}, err
		}
		for i, c := range choices {
			m, ok := c.(map[string]any)
			if !ok {
				return Example{}, rec.errorf(fmt.Sprintf("question.choices[%d]", i), "want an object, got %s", kindOf(c))
			}
			label, _ := scalarText(m["label"])
			text, _ := scalarText(m["text"])
			opts = append(opts, answer.Option{Label: label, Text: text})
		}
	} else {
		if stem, err = rec.firstStr("question", "question_stem"); err != nil {
			return Example{}, err
		}
		labels, err := rec.list("choices.label")
		if err != nil {
			return Example{}, err
		}
		texts, err := rec.list("choices.text")
		if err != nil {
			return Example{}, err
		}
		if len(labels) != len(texts) {
			return Example{}, rec.errorf("choices", "%d labels but %d texts", len(labels), len(texts))
		}
		for i := range labels {
			label, _ := scalarText(labels[i])
			text, _ := scalarText(texts[i])
			opts = append(opts, answer.Option{Label: label, Text: text})
		}
	}
	if len(opts) == 0 {
		return Example{}, rec.missing("choices")
	}
	for i := range opts {
		l, ok := letterLabel(opts[i].Label)
		if !ok {
			return Example{}, rec.errorf("choices", "option %d has label %q, want a letter A-Z or a digit 1-9", i, opts[i].Label)
		}
		opts[i].Label = l
	}
	key, err := rec.str("answerKey")
	if err != nil {
		return Example{}, err
	}
	gold, ok := letterLabel(key)
	if !ok || !hasLabel(opts, gold) {
		return Example{}, rec.errorf("answerKey", "%q is not one of the choice labels", key)
	}
	return Example{
		ID:       id,
		Question: renderChoices(stem, opts),
		Spec:     answer.Spec{Type: answer.Choice, Options: opts},
		Answer:   gold,
	}, nil
}

// letterLabel maps a choice label to a letter: letters stay (upper-cased),
// digits 1-9 become A-I.
func letterLabel(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) != 1 {
		return "", false
	}
	c := s[0]
	switch {
	case c >= 'A' && c <= 'Z':
		return s, true
	case c >= 'a' && c <= 'z':
		return strings.ToUpper(s), true
	case c >= '1' && c <= '9':
		return letter(int(c - '1')), true
	}
	return "", false
}

func hasLabel(opts []answer.Option, label string) bool {
	for _, o := range opts {
		if o.Label == label {
			return true
		}
	}
	return false
}

// optionsFromList labels a list of option texts A, B, C, ...
func optionsFromList(rec record, field string) ([]answer.Option, error) {
	l, err := rec.list(field)
	if err != nil {
		return nil, err
	}
	opts := make([]answer.Option, len(l))
	for i, v := range l {
		s, ok := scalarText(v)
		if !ok {
			return nil, rec.errorf(fmt.Sprintf("%s[%d]", field, i), "want a string, got %s", kindOf(v))
		}
		opts[i] = answer.Option{Label: letter(i), Text: s}
	}
	if len(opts) == 0 {
		return nil, rec.missing(field)
	}
	return opts, nil
}

// indexLabel maps a 0-based option index, given as a number or numeric
// string, to its letter.
func indexLabel(rec record, field string, n int) (string, error) {
	s, err := rec.str(field)
	if err != nil {
		return "", err
	}
	i, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || i < 0 || i >= n {
		return "", rec.errorf(field, "%q is not an option index 0-%d", s, n-1)
	}
	return letter(i), nil
}

// normalizeReClor reads ReClor (context, question, answers[4], label 0-3,
// id_string): the gold answer is answers[label], labelled A-D.
func normalizeReClor(rec record, p part) (Example, error) {
	f, err := rec.strs("id_string", "context", "question")
	if err != nil {
		return Example{}, err
	}
	id, context, q := f[0], f[1], f[2]
	opts, err := optionsFromList(rec, "answers")
	if err != nil {
		return Example{}, err
	}
	gold, err := indexLabel(rec, "label", len(opts))
	if err != nil {
		return Example{}, err
	}
	return Example{
		ID:       id,
		Question: renderChoices(strings.TrimSpace(context)+"\n"+strings.TrimSpace(q), opts),
		Spec:     answer.Spec{Type: answer.Choice, Options: opts},
		Answer:   gold,
	}, nil
}

// normalizeAQuA reads AQuA-RAT (question, options ["A)5", ...], rationale,
// correct).
func normalizeAQuA(rec record, p part) (Example, error) {
	q, err := rec.str("question")
	if err != nil {
		return Example{}, err
	}
	raw, err := rec.list("options")
	if err != nil {
		return Example{}, err
	}
	opts := make([]answer.Option, 0, len(raw))
	for i, v := range raw {
		s, _ := scalarText(v)
		label, text, ok := strings.Cut(strings.TrimSpace(s), ")")
		l, okLabel := letterLabel(label)
		if !ok || !okLabel {
			return Example{}, rec.errorf(fmt.Sprintf("options[%d]", i), "%q does not start with a label like \"A)\"", s)
		}
		opts = append(opts, answer.Option{Label: l, Text: strings.TrimSpace(text)})
	}
	correct, err := rec.str("correct")
	if err != nil {
		return Example{}, err
	}
	gold, ok := letterLabel(correct)
	if !ok || !hasLabel(opts, gold) {
		return Example{}, rec.errorf("correct", "%q is not one of the option labels", correct)
	}
	rationale, err := rec.optStr("rationale")
	if err != nil {
		return Example{}, err
	}
	return Example{
		ID:        defaultID(p, rec),
		Question:  renderChoices(q, opts),
		Spec:      answer.Spec{Type: answer.Choice, Options: opts},
		Answer:    gold,
		Rationale: strings.TrimSpace(rationale),
	}, nil
}

// anliLabels is the documented ANLI mapping: e -> A, n -> B, c -> C.
var anliLabels = [3]string{"entailment", "neutral", "contradiction"}

// normalizeANLI reads ANLI, as distributed (context, hypothesis, label
// "e"/"n"/"c", uid) or from the Hub (premise, hypothesis, label 0/1/2). The
// question is a three-way choice: (A) entailment (B) neutral
// (C) contradiction. The annotators' "reason" (mostly about why the model
// they attacked failed) is not used as a rationale.
func normalizeANLI(rec record, p part) (Example, error) {
	id, err := rec.str("uid")
	if err != nil {
		return Example{}, err
	}
	premise, err := rec.firstStr("context", "premise")
	if err != nil {
		return Example{}, err
	}
	hyp, err := rec.str("hypothesis")
	if err != nil {
		return Example{}, err
	}
	label, err := rec.str("label")
	if err != nil {
		return Example{}, err
	}
	var gold string
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "e", "0", "entailment":
		gold = "A"
	case "n", "1", "neutral":
		gold = "B"
	case "c", "2", "contradiction":
		gold = "C"
	default:
		return Example{}, rec.errorf("label", "%q is not e, n or c (or 0, 1, 2)", label)
	}
	opts := make([]answer.Option, len(anliLabels))
	for i, l := range anliLabels {
		opts[i] = answer.Option{Label: letter(i), Text: l}
	}
	q := "Premise: " + strings.TrimSpace(premise) + "\nHypothesis: " + strings.TrimSpace(hyp) +
		"\nDoes the premise entail the hypothesis, contradict it, or neither?"
	return Example{
		ID:       id,
		Question: renderChoices(q, opts),
		Spec:     answer.Spec{Type: answer.Choice, Options: opts},
		Answer:   gold,
	}, nil
}
