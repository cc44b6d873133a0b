package eval

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/regenesis-ai/regenesis/internal/simserver"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// BenchmarkEvalSimulated measures evaluation throughput end to end over
// HTTP against the simulated model: prompt rendering, the LLM client, the
// server, lenient extraction, voting and the ordered predictions writer.
// The store is not involved (see docs/PERFORMANCE.md).
func BenchmarkEvalSimulated(b *testing.B) {
	exs := gsm8k(b, 500)
	for _, bc := range []struct {
		mode        string
		samples     int
		concurrency int
		latency     time.Duration
	}{
		{Greedy, 1, 64, 0},
		{Majority, 8, 64, 0},
		{Greedy, 1, 64, 20 * time.Millisecond},
		{Greedy, 1, 256, 20 * time.Millisecond},
	} {
		name := fmt.Sprintf("%s@%d/conc=%d/latency=%s", bc.mode, bc.samples, bc.concurrency, bc.latency)
		b.Run(name, func(b *testing.B) {
			srv, client := simulatedConc(b, simserver.Config{Seed: 3, Latency: simserver.Latency{Fixed: bc.latency}}, bc.concurrency, exs)
			prompt := embeddedPrompts(b)
			dir := b.TempDir()
			questions := 0
			for b.Loop() {
				_, err := Run(context.Background(), Options{
					Model: srv.Model(), Completer: client, Prompt: prompt, OutDir: dir,
					Mode: bc.mode, Samples: bc.samples, Concurrency: bc.concurrency,
					Sources: []Source{{Name: "gsm8k", Group: task.InDomain, Examples: examples(exs...)}},
				})
				if err != nil {
					b.Fatal(err)
				}
				questions += len(exs)
			}
			b.ReportMetric(float64(questions)/b.Elapsed().Seconds(), "questions/s")
			b.ReportMetric(float64(questions*bc.samples)/b.Elapsed().Seconds(), "samples/s")
		})
	}
}
