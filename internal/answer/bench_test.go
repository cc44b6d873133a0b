package answer

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// calcRE is GSM8K's calculator annotation, "<<16-3-4=9>>", which a model
// would not write.
var calcRE = regexp.MustCompile(`<<[^>]*>>`)

type scoredItem struct{ prediction, gold string }

// gsm8kItems builds one model-like prediction per GSM8K test item: the
// reference reasoning without calculator annotations, ending the way models
// end (a boxed answer, an answer phrase with currency, or a bare last line),
// with every fourth answer wrong.
func gsm8kItems(tb testing.TB) []scoredItem {
	var items []scoredItem
	jsonlRecords(tb, "gsm8k/test.jsonl", func(line int, rec map[string]any) {
		sol, _ := rec["answer"].(string)
		steps, gold, ok := strings.Cut(sol, "####")
		if !ok {
			tb.Fatalf("gsm8k/test.jsonl:%d: no ####", line)
		}
		gold = strings.ReplaceAll(strings.TrimSpace(gold), ",", "")
		ans := gold
		if line%4 == 0 {
			ans += "1"
		}
		var b strings.Builder
		b.WriteString("Let's solve this step by step.\n\n")
		for i, s := range strings.Split(strings.TrimSpace(calcRE.ReplaceAllString(steps, "")), "\n") {
			fmt.Fprintf(&b, "%d. %s\n", i+1, s)
		}
		switch line % 3 {
		case 0:
			fmt.Fprintf(&b, "\nTherefore, the final answer is $\\boxed{%s}$.", ans)
		case 1:
			fmt.Fprintf(&b, "\nSo the answer is: **$%s**.", ans)
		default:
			fmt.Fprintf(&b, "\nIn total: %s", ans)
		}
		items = append(items, scoredItem{b.String(), gold})
	})
	return items
}

// BenchmarkScoreGSM8K measures extraction plus comparison over the whole
// GSM8K test set (1,319 items) and reports items/s.
func BenchmarkScoreGSM8K(b *testing.B) {
	items := gsm8kItems(b)
	spec := Spec{Type: Number}
	for _, m := range []struct {
		name string
		mode Mode
	}{{"lenient", Lenient}, {"strict", Strict}} {
		b.Run(m.name, func(b *testing.B) {
			correct := 0
			for b.Loop() {
				correct = 0
				for _, it := range items {
					if a, ok := Extract(it.prediction, spec, m.mode); ok && Equal(a, it.gold, spec) {
						correct++
					}
				}
			}
			b.ReportMetric(float64(b.N*len(items))/b.Elapsed().Seconds(), "items/s")
			b.ReportMetric(float64(correct)/float64(len(items)), "accuracy")
		})
	}
}

// TestGSM8KPredictionsScore pins the accuracy of the benchmark's
// predictions, so the benchmark measures the path it claims to.
func TestGSM8KPredictionsScore(t *testing.T) {
	t.Parallel()
	items := gsm8kItems(t)
	spec := Spec{Type: Number}
	for _, mode := range []Mode{Lenient, Strict} {
		correct, wantCorrect := 0, 0
		for i, it := range items {
			line := i + 1
			right := line%4 != 0
			boxed := line%3 == 0
			if right && (mode == Lenient || boxed) {
				wantCorrect++
			}
			if a, ok := Extract(it.prediction, spec, mode); ok && Equal(a, it.gold, spec) {
				correct++
			}
		}
		if correct != wantCorrect {
			t.Errorf("mode %d: %d correct, want %d", mode, correct, wantCorrect)
		}
	}
}
