package simserver

import (
	"strconv"
	"strings"
)

// selectReply names 2-3 items of the prompt's longest numbered list.
func selectReply(r *rng, prompt string) string {
	items := longestRun(prompt)
	n := len(items)
	if n < 2 {
		return "1, 2"
	}
	k := 2 + r.intn(2)
	if k > n {
		k = n
	}
	chosen := make([]int, 0, 3)
	for len(chosen) < k {
		x := 1 + r.intn(n)
		dup := false
		for _, c := range chosen {
			dup = dup || c == x
		}
		if !dup {
			chosen = append(chosen, x)
		}
	}
	nums := make([]string, k)
	for i, c := range chosen {
		nums[i] = strconv.Itoa(c)
	}
	andList := strings.Join(nums[:k-1], ", ") + " and " + nums[k-1]
	switch r.intn(5) {
	case 0:
		return "Selected: " + andList
	case 1:
		return "[" + strings.Join(nums, ", ") + "]"
	case 2:
		return "Guidelines " + andList + "."
	}
	return strings.Join(nums, ", ")
}

var adaptSentences = []string{
	"Here this means looking closely at %q and separating what is given from what is asked.",
	"For this problem, apply it to %q before doing anything else.",
	"In this problem it points at %q: each fact there should be used once and checked.",
	"Applied here, the question %q is the thing to keep in view at every step.",
}

var adaptFollowUps = []string{
	" It also helps to note which details are irrelevant.",
	" Doing so avoids the most likely slip.",
	"",
	" Keep the units and conditions of the problem in mind.",
}

// adaptReply writes one or two sentences for each guideline of the
// prompt's last numbered list.
func adaptReply(r *rng, prompt string, f facts) string {
	items := lastRun(prompt)
	if len(items) == 0 {
		items = []item{{1, "Step by step"}}
	}
	var b strings.Builder
	for i, it := range items {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(strconv.Itoa(i + 1))
		b.WriteString(". ")
		b.WriteString(itemName(it.text))
		b.WriteString(": ")
		b.WriteString(strings.Replace(pick(r, adaptSentences), "%q", `"`+f.asks+`"`, 1))
		b.WriteString(pick(r, adaptFollowUps))
	}
	return b.String()
}

var planSteps = [][]string{
	{"Restate what the problem asks: %q", "Write down exactly what must be found: %q"},
	{"List the given information%s.", "Collect the facts the problem states%s."},
	{"Decide how the given facts relate to what is asked.", "Work out which relation connects the facts to the unknown."},
	{"Carry out the computation or reasoning one part at a time.", "Apply that relation step by step, keeping intermediate results."},
	{"Check the result against every condition of the problem.", "Verify the result with a quick estimate or a second method."},
}

// structureReply writes a numbered plan with no answer.
func structureReply(r *rng, f facts) string {
	given := ""
	if len(f.numbers) > 0 {
		given = ", including " + strings.Join(f.numbers, ", ")
	}
	var b strings.Builder
	step := 0
	for i, alts := range planSteps {
		if i == 2 && r.intn(3) == 0 {
			continue // plans vary in length
		}
		step++
		if step > 1 {
			b.WriteByte('\n')
		}
		b.WriteString(strconv.Itoa(step))
		b.WriteString(". ")
		s := pick(r, alts)
		s = strings.Replace(s, "%q", f.asks, 1)
		s = strings.Replace(s, "%s", given, 1)
		b.WriteString(s)
		if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "?") && !strings.HasSuffix(s, "!") {
			b.WriteByte('.')
		}
	}
	return b.String()
}

var solveOpenings = []string{
	"Let's solve this step by step.",
	"We work through the problem carefully.",
	"",
	"I will go through this one step at a time.",
}

// solveReply writes a few reasoning steps and ends with final.
func solveReply(r *rng, f facts, final string) string {
	var steps []string
	steps = append(steps, "The question asks: "+f.asks)
	switch len(f.numbers) {
	case 0:
		steps = append(steps, "The relevant facts are the ones stated in the question; the rest is background.")
	case 1:
		steps = append(steps, "The key quantity given is "+f.numbers[0]+".")
	default:
		steps = append(steps, "The quantities given are "+strings.Join(f.numbers, ", ")+".")
		if a, errA := strconv.ParseFloat(f.numbers[0], 64); errA == nil {
			if c, errC := strconv.ParseFloat(f.numbers[1], 64); errC == nil {
				steps = append(steps, "Combining the first two: "+f.numbers[0]+" + "+f.numbers[1]+" = "+
					strconv.FormatFloat(a+c, 'f', -1, 64)+", which feeds into the next step.")
			}
		}
	}
	if r.intn(2) == 0 {
		steps = append(steps, "Each remaining condition of the problem is checked in turn.")
	}
	steps = append(steps, "Putting these together gives the result.")

	var b strings.Builder
	if open := pick(r, solveOpenings); open != "" {
		b.WriteString(open)
		b.WriteString("\n\n")
	}
	style := r.intn(3)
	for i, s := range steps {
		switch style {
		case 0:
			b.WriteString(strconv.Itoa(i + 1))
			b.WriteString(". ")
		case 1:
			b.WriteString("Step ")
			b.WriteString(strconv.Itoa(i + 1))
			b.WriteString(": ")
		}
		b.WriteString(s)
		b.WriteString("\n")
	}
	b.WriteString("\n")
	b.WriteString(final)
	return b.String()
}

// judgeReply words a verdict.
func judgeReply(r *rng, same bool) string {
	word := "No"
	if same {
		word = "Yes"
	}
	switch r.intn(4) {
	case 0:
		return word + "."
	case 1:
		return strings.ToLower(word)
	}
	return word
}
