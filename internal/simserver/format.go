package simserver

import (
	"strconv"
	"strings"

	"github.com/regenesis-ai/regenesis/internal/answer"
)

// finalLine writes ans, a canonical answer, the way a model ends a
// solution: mostly "\boxed{X}" in a sentence, and with probability variety
// one of the other forms real models use.
func finalLine(r *rng, ans string, e *Entry, variety float64) string {
	spec := answer.Spec{Type: answer.Number}
	question := ""
	if e != nil {
		spec, question = e.Spec, e.Question
	}
	plain := r.float() < variety
	switch spec.Type {
	case answer.Choice:
		return choiceLine(r, ans, spec, plain)
	case answer.YesNo:
		return yesNoLine(r, ans, question, plain)
	case answer.Text:
		return textLine(r, ans, plain)
	case answer.Math:
		return mathLine(r, ans, plain)
	}
	return numberLine(r, ans, question, plain)
}

var boxedSentences = []string{
	"The final answer is %s.",
	"Therefore, the answer is %s.",
	"%s",
	"So the answer is %s.",
}

func boxed(r *rng, inner string) string {
	return strings.Replace(pick(r, boxedSentences), "%s", `\boxed{`+inner+`}`, 1)
}

func numberLine(r *rng, ans, question string, plain bool) string {
	f := factsOf(question)
	money := strings.Contains(question, "$")
	percent := strings.Contains(question, "%") || strings.Contains(question, "percent")
	if !plain {
		inner := ans
		switch r.intn(6) {
		case 1:
			inner = thousands(ans)
		case 2:
			if money {
				inner = `\$` + thousands(ans)
			}
		case 3:
			if percent {
				inner = ans + `\%`
			}
		case 4:
			if num, den, ok := fraction(ans); ok {
				inner = `\frac{` + num + `}{` + den + `}`
			}
		case 5:
			if num, den, ok := fraction(ans); ok {
				inner = num + "/" + den
			}
		}
		return boxed(r, inner)
	}
	text := thousands(ans)
	switch {
	case money && r.intn(2) == 0:
		text = "$" + text
	case percent && r.intn(2) == 0:
		text += "%"
	case f.unit != "" && r.intn(3) == 0:
		text += " " + f.unit
	}
	switch r.intn(4) {
	case 0:
		return "The answer is " + text + "."
	case 1:
		return "#### " + text
	case 2:
		return "**Final answer:** " + text
	}
	return "Answer: " + text
}

// thousands writes an integer of four or more digits with comma
// separators; other answers are returned as they are.
func thousands(ans string) string {
	digits := strings.TrimPrefix(ans, "-")
	if len(digits) < 4 || strings.IndexFunc(digits, func(c rune) bool { return c < '0' || c > '9' }) >= 0 {
		return ans
	}
	var b strings.Builder
	if len(digits) < len(ans) {
		b.WriteByte('-')
	}
	for i := 0; i < len(digits); i++ {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteByte(digits[i])
	}
	return b.String()
}

// fraction returns ans as a fraction num/den: "1/2" as it is, a decimal
// such as "0.75" when a denominator up to 12 makes it whole.
func fraction(ans string) (num, den string, ok bool) {
	if n, d, found := strings.Cut(ans, "/"); found {
		if _, err := strconv.Atoi(n); err != nil {
			return "", "", false
		}
		if _, err := strconv.Atoi(d); err != nil {
			return "", "", false
		}
		return n, d, true
	}
	if !strings.Contains(ans, ".") {
		return "", "", false
	}
	v, err := strconv.ParseFloat(ans, 64)
	if err != nil {
		return "", "", false
	}
	for d := 2; d <= 12; d++ {
		x := v * float64(d)
		if n := int64(x + 0.5*sign(x)); float64(n) == x {
			return strconv.FormatInt(n, 10), strconv.Itoa(d), true
		}
	}
	return "", "", false
}

func sign(x float64) float64 {
	if x < 0 {
		return -1
	}
	return 1
}

func choiceLine(r *rng, label string, spec answer.Spec, plain bool) string {
	optText := ""
	for _, o := range spec.Options {
		if o.Label == label {
			optText = o.Text
		}
	}
	if !plain {
		if r.intn(3) == 0 {
			return boxed(r, "("+label+")")
		}
		return boxed(r, label)
	}
	switch r.intn(4) {
	case 0:
		return "The answer is (" + label + ")."
	case 1:
		return "Answer: (" + label + ")"
	case 2:
		if optText != "" {
			return "The correct option is (" + label + ") " + optText
		}
	}
	return "**Final answer:** " + label
}

func yesNoLine(r *rng, ans, question string, plain bool) string {
	word := strings.ToLower(ans)
	switch {
	case strings.Contains(question, "True") && strings.Contains(question, "False") && r.intn(2) == 0:
		word = map[string]string{"yes": "True", "no": "False"}[word]
	case strings.Contains(question, "invalid") && r.intn(2) == 0:
		word = map[string]string{"yes": "valid", "no": "invalid"}[word]
	case r.intn(2) == 0:
		word = strings.ToUpper(word[:1]) + word[1:]
	}
	if word == "" {
		word = ans
	}
	return wordLine(r, word, "#### "+word, plain)
}

func textLine(r *rng, ans string, plain bool) string {
	return wordLine(r, ans, "Answer: "+ans, plain)
}

// wordLine boxes ans in a sentence, or when plain writes one of "The answer
// is ans.", alt and "**Final answer:** ans".
func wordLine(r *rng, ans, alt string, plain bool) string {
	if !plain {
		return boxed(r, ans)
	}
	switch r.intn(3) {
	case 0:
		return "The answer is " + ans + "."
	case 1:
		return alt
	}
	return "**Final answer:** " + ans
}

func mathLine(r *rng, ans string, plain bool) string {
	if !plain {
		if strings.Contains(ans, `\frac`) && r.intn(3) == 0 {
			return boxed(r, strings.ReplaceAll(ans, `\frac`, `\dfrac`))
		}
		if num, den, ok := fraction(ans); ok && r.intn(2) == 0 {
			return boxed(r, `\frac{`+num+`}{`+den+`}`)
		}
		return boxed(r, ans)
	}
	if r.intn(2) == 0 {
		return "The final answer is $" + ans + "$."
	}
	return "**Final answer:** $" + ans + "$"
}
