package task

import (
	"strings"

	"github.com/regenesis-ai/regenesis/internal/answer"
)

// normalizeNumGLUE reads NumGLUE records of all eight task types. The type
// comes from the record's "type" field, else from the file (the per-type
// sample folders). Types 1, 2, 4 and 8 are numbers (a few are text such as
// months); type 3 is a two-way choice (Option1 -> A, Option2 -> B); type 7
// an entailment choice over the options its "options" field lists, in that
// order; types 5 and 6 carry a DROP-style answer object whose number, date
// ("24 April 1922") or spans (joined by ", ") become the answer.
func normalizeNumGLUE(rec record, p part) (Example, error) {
	typ, err := rec.optStr("type")
	if err != nil {
		return Example{}, err
	}
	if typ == "" {
		typ = p.tag
	}
	ex := Example{ID: defaultID(p, rec)}
	switch typ {
	case "Type_3":
		f, err := rec.strs("question", "Option1", "Option2", "answer")
		if err != nil {
			return Example{}, err
		}
		q, o1, o2, a := f[0], f[1], f[2], f[3]
		switch strings.ReplaceAll(strings.ToLower(a), " ", "") {
		case "option1":
			ex.Answer = "A"
		case "option2":
			ex.Answer = "B"
		default:
			return Example{}, rec.errorf("answer", "%q is not \"Option 1\" or \"Option 2\"", a)
		}
		opts := []answer.Option{{Label: "A", Text: o1}, {Label: "B", Text: o2}}
		ex.Question = renderChoices(q, opts)
		ex.Spec = answer.Spec{Type: answer.Choice, Options: opts}
	case "Type_7":
		f, err := rec.strs("statement1", "statement2", "options", "answer")
		if err != nil {
			return Example{}, err
		}
		s1, s2, optText, a := f[0], f[1], f[2], f[3]
		var opts []answer.Option
		for i, o := range strings.Split(strings.TrimSuffix(strings.TrimSpace(optText), "?"), " or ") {
			o = strings.ToLower(strings.TrimSpace(o))
			opts = append(opts, answer.Option{Label: letter(i), Text: o})
			if o == strings.ToLower(strings.TrimSpace(a)) {
				ex.Answer = letter(i)
			}
		}
		if ex.Answer == "" {
			return Example{}, rec.errorf("answer", "%q is not one of the options %q", a, optText)
		}
		q := "Statement 1: " + strings.TrimSpace(s1) + "\nStatement 2: " + strings.TrimSpace(s2) +
			"\nDo the statements show entailment, contradiction or neutral?"
		ex.Question = renderChoices(q, opts)
		ex.Spec = answer.Spec{Type: answer.Choice, Options: opts}
	case "Type_5", "Type_6":
		f, err := rec.strs("passage", "question")
		if err != nil {
			return Example{}, err
		}
		passage, q := f[0], f[1]
		gold, err := dropAnswer(rec)
		if err != nil {
			return Example{}, err
		}
		ex.Question = strings.TrimSpace(passage) + "\n" + strings.TrimSpace(q)
		ex.Spec, ex.Answer = numberOrText(gold)
	case "Type_1", "Type_2", "Type_4", "Type_8":
		f, err := rec.strs("question", "answer")
		if err != nil {
			return Example{}, err
		}
		q, a := f[0], f[1]
		ex.Question = q
		ex.Spec, ex.Answer = numberOrText(a)
	default:
		return Example{}, rec.errorf("type", "%q is not a NumGLUE type Type_1 .. Type_8", typ)
	}
	return ex, nil
}

// dropAnswer renders a DROP-style answer object {number, date {day, month,
// year}, spans}: the number if there is one, else the date, else the spans.
func dropAnswer(rec record) (string, error) {
	if n, _ := rec.optStr("answer.number"); strings.TrimSpace(n) != "" {
		return n, nil
	}
	var date []string
	for _, k := range []string{"day", "month", "year"} {
		if s, _ := rec.optStr("answer.date." + k); strings.TrimSpace(s) != "" {
			date = append(date, strings.TrimSpace(s))
		}
	}
	if len(date) > 0 {
		return strings.Join(date, " "), nil
	}
	if v, ok := rec.lookup("answer.spans"); ok {
		if l, ok := v.([]any); ok && len(l) > 0 {
			spans := make([]string, 0, len(l))
			for _, s := range l {
				if t, ok := scalarText(s); ok {
					spans = append(spans, strings.TrimSpace(t))
				}
			}
			return strings.Join(spans, ", "), nil
		}
	}
	return "", rec.errorf("answer", "the answer object has no number, date or spans")
}
