package synth

import (
	"context"
	"fmt"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/regenesis-ai/regenesis/internal/answer"
	"github.com/regenesis-ai/regenesis/internal/guideline"
	"github.com/regenesis-ai/regenesis/internal/llm"
	"github.com/regenesis-ai/regenesis/internal/method"
	"github.com/regenesis-ai/regenesis/internal/simserver"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// BenchmarkSynthesizeSimulated measures the requests per second ReGenesis
// synthesis sustains against the simulated endpoint with a fixed latency,
// as a share of the endpoint's capacity (client concurrency / latency).
// Each iteration synthesizes 16 questions (about 2,300 requests).
func BenchmarkSynthesizeSimulated(b *testing.B) {
	for _, inFlight := range []int{InFlightFor(64, 45), 32} {
		b.Run(fmt.Sprintf("inflight=%d", inFlight), func(b *testing.B) { benchSynthesize(b, inFlight) })
	}
}

func benchSynthesize(b *testing.B, inFlight int) {
	const (
		questions   = 16
		concurrency = 64
		latency     = 100 * time.Millisecond
	)
	exs := toyExamples(questions)
	key := simserver.Key(exs...)
	p := testPrompts(b)
	capacity := float64(concurrency) / latency.Seconds()
	var requests int64
	var elapsed time.Duration
	for i := 0; b.Loop(); i++ {
		sim := simserver.New(simserver.Config{Seed: int64(i), Accuracy: 0.5, Latency: simserver.Latency{Fixed: latency}}, key)
		ts := httptest.NewServer(sim)
		c, err := llm.NewClient(llm.Options{BaseURLs: []string{ts.URL}, Concurrency: concurrency, MaxRetries: llm.DefaultMaxRetries, GiveUpAfter: llm.DefaultGiveUpAfter})
		if err != nil {
			b.Fatal(err)
		}
		cfg := method.DefaultConfig()
		cfg.Seed = int64(i)
		m, err := method.New("regenesis", method.Deps{LLM: c, Model: simserver.DefaultModel, Prompts: p, Guidelines: guideline.Default()}, cfg)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		_, err = Run(context.Background(), Options{
			Method: m, Examples: seq(exs), Prompts: p, OutDir: b.TempDir(),
			InFlight: inFlight,
		})
		elapsed += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		requests += sim.Stats().Requests
		ts.Close()
	}
	rps := float64(requests) / elapsed.Seconds()
	b.ReportMetric(rps, "req/s")
	b.ReportMetric(rps/capacity, "of-capacity")
}

// instantMethod keeps one short path per question at once.
type instantMethod struct{}

func (instantMethod) Name() string { return "instant" }

func (instantMethod) Synthesize(_ context.Context, ex task.Example) (method.Outcome, error) {
	c := method.Candidate{Task: ex.Task, QuestionID: ex.ID, Method: "instant", Path: "1. Add.\n\\boxed{" + ex.Answer + "}", Verdict: answer.Correct, Kept: true}
	return method.Outcome{Example: ex, Candidates: []method.Candidate{c}, Calls: map[string]int{"sample": 1}}, nil
}

// BenchmarkStream100k streams 100,000 generated questions through a method
// that answers at once, and reports the peak live heap, which must stay flat
// with the input size (the reorder window bounds what is held).
func BenchmarkStream100k(b *testing.B) {
	const n = 100_000
	p := testPrompts(b)
	examples := func(yield func(task.Example, error) bool) {
		for i := range n {
			ex := task.Example{ID: fmt.Sprintf("q%06d", i), Task: "toy", Question: fmt.Sprintf("What is %d + 1?", i),
				Spec: answer.Spec{Type: answer.Number}, Answer: fmt.Sprint(i + 1)}
			if !yield(ex, nil) {
				return
			}
		}
	}
	var peak uint64
	for b.Loop() {
		written := 0
		_, err := Run(context.Background(), Options{
			Method: instantMethod{}, Examples: examples, Prompts: p, OutDir: b.TempDir(), InFlight: 16,
			OnWritten: func(method.Outcome, Counts) {
				if written++; written%10_000 == 0 {
					runtime.GC()
					var ms runtime.MemStats
					runtime.ReadMemStats(&ms)
					peak = max(peak, ms.HeapAlloc)
				}
			},
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "questions/s")
}
