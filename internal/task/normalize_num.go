package task

import (
	"regexp"
	"strings"

	"github.com/regenesis-ai/regenesis/internal/answer"
)

// normalizeGSM8K reads GSM8K (question, answer ending in "#### <number>"):
// the rationale is the text before "####", calculator annotations kept.
func normalizeGSM8K(rec record, p part) (Example, error) {
	f, err := rec.strs("question", "answer")
	if err != nil {
		return Example{}, err
	}
	q, a := f[0], f[1]
	i := strings.LastIndex(a, "####")
	if i < 0 {
		return Example{}, rec.errorf("answer", "no final \"#### <answer>\" line")
	}
	gold, ok := canonNumber(a[i+4:])
	if !ok {
		return Example{}, rec.errorf("answer", "final answer %q is not a number", strings.TrimSpace(a[i+4:]))
	}
	return Example{
		ID:        defaultID(p, rec),
		Question:  q,
		Spec:      answer.Spec{Type: answer.Number},
		Answer:    gold,
		Rationale: strings.TrimSpace(a[:i]),
	}, nil
}

// normalizeSVAMP reads SVAMP (ID, Body, Question, Answer): the question is
// Body + " " + Question.
func normalizeSVAMP(rec record, p part) (Example, error) {
	f, err := rec.strs("Body", "Question", "Answer")
	if err != nil {
		return Example{}, err
	}
	body, q, a := f[0], f[1], f[2]
	gold, ok := canonNumber(a)
	if !ok {
		return Example{}, rec.errorf("Answer", "%q is not a number", a)
	}
	id, err := rec.strOr("ID", defaultID(p, rec))
	if err != nil {
		return Example{}, err
	}
	return Example{
		ID:       id,
		Question: strings.TrimSpace(body) + " " + strings.TrimSpace(q),
		Spec:     answer.Spec{Type: answer.Number},
		Answer:   gold,
	}, nil
}

// asdivUnit matches a unit in parentheses after an answer: "9 (apples)".
var asdivUnit = regexp.MustCompile(`\s*\([^()]*\)`)

// normalizeASDiv reads ASDiv (Body, Question, Answer like "9 (apples)"),
// from the XML release or the Hub Parquet copy (lower-case field names).
// The unit is stripped; answers that are not numbers ("3:4", "Yes", names,
// several numbers joined by ";") are kept as text.
func normalizeASDiv(rec record, p part) (Example, error) {
	body, err := rec.firstStr("Body", "body")
	if err != nil {
		return Example{}, err
	}
	q, err := rec.firstStr("Question", "question")
	if err != nil {
		return Example{}, err
	}
	raw, err := rec.firstStr("Answer", "answer")
	if err != nil {
		return Example{}, err
	}
	stripped := strings.TrimSpace(asdivUnit.ReplaceAllString(raw, ""))
	if stripped == "" {
		stripped = strings.TrimSpace(raw)
	}
	spec, gold := numberOrText(stripped)
	id, err := rec.strOr("ID", defaultID(p, rec))
	if err != nil {
		return Example{}, err
	}
	return Example{
		ID:       id,
		Question: strings.TrimSpace(body) + " " + strings.TrimSpace(q),
		Spec:     spec,
		Answer:   gold,
	}, nil
}

// normalizeMATH reads MATH-style records (problem, solution, and answer
// where the publisher gives it, else the last \boxed{} of the solution).
func normalizeMATH(rec record, p part) (Example, error) {
	q, err := rec.str("problem")
	if err != nil {
		return Example{}, err
	}
	sol, err := rec.optStr("solution")
	if err != nil {
		return Example{}, err
	}
	gold, err := rec.optStr("answer")
	if err != nil {
		return Example{}, err
	}
	if gold == "" {
		if gold = lastBoxed(sol); gold == "" {
			return Example{}, rec.errorf("solution", "no answer field and no \\boxed{} answer in the solution")
		}
	}
	id, err := rec.strOr("unique_id", p.split+"/"+defaultID(p, rec))
	if err != nil {
		return Example{}, err
	}
	return Example{
		ID:        id,
		Question:  q,
		Spec:      answer.Spec{Type: answer.Math},
		Answer:    strings.TrimSpace(gold),
		Rationale: strings.TrimSpace(sol),
	}, nil
}

// normalizeStrategyQA reads StrategyQA (qid, question, answer true/false,
// facts): the answer becomes "yes"/"no" and the facts the rationale.
func normalizeStrategyQA(rec record, p part) (Example, error) {
	f, err := rec.strs("qid", "question", "answer")
	if err != nil {
		return Example{}, err
	}
	id, q, a := f[0], f[1], f[2]
	var gold string
	switch strings.ToLower(a) {
	case "true", "yes":
		gold = "yes"
	case "false", "no":
		gold = "no"
	default:
		return Example{}, rec.errorf("answer", "%q is not true or false", a)
	}
	var facts []string
	if l, ok := rec.lookup("facts"); ok {
		list, ok := l.([]any)
		if !ok {
			return Example{}, rec.errorf("facts", "want a list, got %s", kindOf(l))
		}
		for _, f := range list {
			if s, ok := scalarText(f); ok {
				facts = append(facts, strings.TrimSpace(s))
			}
		}
	}
	return Example{
		ID:        id,
		Question:  q,
		Spec:      answer.Spec{Type: answer.YesNo},
		Answer:    gold,
		Rationale: strings.Join(facts, " "),
	}, nil
}
