package simserver

import (
	"strconv"
	"strings"

	"github.com/regenesis-ai/regenesis/internal/answer"
)

// mistake returns a question's one plausible wrong answer, a pure function
// of the entry and h.
func mistake(e *Entry, h uint64) string {
	switch e.Spec.Type {
	case answer.Choice:
		return otherLabel(choiceLabels(e), e.Answer, h)
	case answer.YesNo:
		return flipYesNo(e.Answer)
	case answer.Text:
		return otherText(e.Question, e.Answer, h)
	case answer.Math:
		if _, err := strconv.ParseFloat(e.Answer, 64); err == nil {
			return otherNumber(e.Answer, h)
		}
		return otherExpression(e.Answer)
	}
	return otherNumber(e.Answer, h)
}

// otherNumber changes a number the way arithmetic slips do.
func otherNumber(gold string, h uint64) string {
	if num, den, ok := strings.Cut(gold, "/"); ok {
		a, errA := strconv.Atoi(num)
		b, errB := strconv.Atoi(den)
		if errA == nil && errB == nil && b != 0 {
			if h%2 == 0 && a != 0 && a != b {
				return strconv.Itoa(b) + "/" + strconv.Itoa(a)
			}
			return strconv.Itoa(a+1) + "/" + strconv.Itoa(b)
		}
	}
	v, err := strconv.ParseFloat(strings.ReplaceAll(gold, ",", ""), 64)
	if err != nil {
		return otherExpression(gold)
	}
	integer := !strings.ContainsAny(gold, ".eE")
	var slips []float64
	if integer {
		slips = []float64{v + 1, v - 1, v + 2, v * 2, v + 10, v - 10}
		if int64(v)%2 == 0 && v != 0 {
			slips = append(slips, v/2)
		}
	} else {
		slips = []float64{v + 1, v * 2, v / 2, v + 0.5}
	}
	if v >= 0 {
		kept := slips[:0]
		for _, x := range slips {
			if x >= 0 {
				kept = append(kept, x)
			}
		}
		slips = kept
	}
	for i := range slips {
		x := slips[(int(h%uint64(len(slips)))+i)%len(slips)]
		if x != v {
			return strconv.FormatFloat(x, 'f', -1, 64)
		}
	}
	return strconv.FormatFloat(v+1, 'f', -1, 64)
}

// otherExpression changes the first digit of a LaTeX expression, or its sign.
func otherExpression(gold string) string {
	for i := 0; i < len(gold); i++ {
		if isDigit(gold[i]) {
			d := byte('0' + (gold[i]-'0'+1)%10)
			if d == '0' && (i == 0 || !isDigit(gold[i-1])) && (i+1 == len(gold) || !isDigit(gold[i+1])) {
				d = '2' // avoid turning "9" into "0"
			}
			return gold[:i] + string(d) + gold[i+1:]
		}
	}
	if strings.HasPrefix(gold, "-") {
		return strings.TrimPrefix(gold, "-")
	}
	if gold == "" {
		return "0"
	}
	return "-" + gold
}

// choiceLabels returns the labels of a question's options: from the spec,
// else "(X)" marks in the question, else A-D.
func choiceLabels(e *Entry) []string {
	if len(e.Spec.Options) > 0 {
		labels := make([]string, len(e.Spec.Options))
		for i, o := range e.Spec.Options {
			labels[i] = o.Label
		}
		return labels
	}
	var labels []string
	q := e.Question
	for i := 0; i+2 < len(q); i++ {
		if q[i] == '(' && 'A' <= q[i+1] && q[i+1] <= 'R' && q[i+2] == ')' {
			labels = append(labels, q[i+1:i+2])
		}
	}
	if len(labels) < 2 {
		return []string{"A", "B", "C", "D"}
	}
	return labels
}

func otherLabel(labels []string, gold string, h uint64) string {
	start := int(h % uint64(len(labels)))
	for i := range labels {
		if l := labels[(start+i)%len(labels)]; !strings.EqualFold(l, gold) {
			return l
		}
	}
	if gold == "A" {
		return "B"
	}
	return "A"
}

func flipYesNo(gold string) string {
	switch strings.ToLower(gold) {
	case "no", "false", "invalid":
		return "yes"
	}
	return "no"
}

// otherText swaps two words of a multi-word answer, or picks another word
// of the question.
func otherText(question, gold string, h uint64) string {
	if f := strings.Fields(gold); len(f) > 1 {
		i := int(h % uint64(len(f)-1))
		f[i], f[i+1] = f[i+1], f[i]
		if s := strings.Join(f, " "); s != gold {
			return s
		}
		return strings.Join(f[1:], " ")
	}
	words := strings.FieldsFunc(question, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z')
	})
	var long []string
	for _, w := range words {
		if len(w) >= 4 && !strings.EqualFold(w, gold) {
			long = append(long, w)
		}
	}
	if len(long) == 0 {
		return gold + "s"
	}
	return long[h%uint64(len(long))]
}

// unverifiable returns an answer for a question the key cannot check: of
// the entry's type when there is an entry without a gold answer, a number
// otherwise.
func unverifiable(e *Entry, h uint64) string {
	if e != nil {
		switch e.Spec.Type {
		case answer.Choice:
			labels := choiceLabels(e)
			return labels[h%uint64(len(labels))]
		case answer.YesNo:
			return [2]string{"yes", "no"}[h%2]
		case answer.Text:
			return otherText(e.Question, "", h)
		}
	}
	return strconv.FormatUint(2+h%97, 10)
}
