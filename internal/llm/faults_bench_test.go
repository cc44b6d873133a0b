package llm_test

import (
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/regenesis-ai/regenesis/internal/llm"
	"github.com/regenesis-ai/regenesis/internal/simserver"
)

// Transient-fault benchmark settings: 16 requests in flight on one
// simulated server that takes 20 ms per request, 256 callers (a synthesis
// run keeps more requests ready than the server takes: at
// --server-concurrency 16 it runs 8 questions of about 45 reasoning chains
// each), 4,000 distinct requests.
const (
	faultServerConcurrency = 16
	faultCallers           = 256
	faultRequests          = 4000
	faultLatency           = 20 * time.Millisecond
)

// BenchmarkTransientFaults runs the same 4,000 requests twice per
// iteration, side by side: against a clean simulated server and against
// one where 10% of attempts get a 429 with Retry-After: 1, 10% a 500 and
// 10% a dropped connection. It reports both wall times and their ratio;
// the goal is a ratio of at most 1.5: the server kept busy, no rest for a
// few faults among many successes, no long backoff while it answers.
// ratio_95 compares the times until 95% of the requests were answered:
// the steady state, without the tail of the last requests waiting out
// their Retry-After once or twice more.
//
// With faults=instant the faults come at once, as a rate limiter or proxy
// in front of a model sends them. With faults=after-latency (the simulated
// server's own fault injection) each fault first takes the 20 ms of a
// request, so 30% of the server's time goes to faults and the floor of the
// ratio is 1/0.7 = 1.43.
func BenchmarkTransientFaults(b *testing.B) {
	for _, mode := range []string{"instant", "after-latency"} {
		b.Run("faults="+mode, func(b *testing.B) {
			var cleanTotal, faultyTotal, clean95, faulty95 time.Duration
			var retries int64
			for range b.N {
				c, c95, _ := faultRun(b, "none")
				f, f95, st := faultRun(b, mode)
				cleanTotal += c
				faultyTotal += f
				clean95 += c95
				faulty95 += f95
				retries += st.Retries
			}
			b.ReportMetric(cleanTotal.Seconds()/float64(b.N), "clean_s")
			b.ReportMetric(faultyTotal.Seconds()/float64(b.N), "faulty_s")
			b.ReportMetric(faultyTotal.Seconds()/cleanTotal.Seconds(), "ratio")
			b.ReportMetric(faulty95.Seconds()/clean95.Seconds(), "ratio_95")
			b.ReportMetric(float64(retries)/float64(b.N), "retries")
		})
	}
}

// instantFaults answers 10% of attempts each with a 429 (Retry-After: 1),
// a 500 and a dropped connection at once, chosen by a hash of the attempt
// number, and passes the others to next.
func instantFaults(next http.Handler) http.Handler {
	var attempt atomic.Uint64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := fnv.New64a()
		fmt.Fprint(h, attempt.Add(1))
		switch h.Sum64() % 10 {
		case 0:
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Retry-After", "1")
			http.Error(w, `{"error":{"message":"rate limited","type":"rate_limit_error"}}`, http.StatusTooManyRequests)
		case 1:
			_, _ = io.Copy(io.Discard, r.Body)
			http.Error(w, `{"error":{"message":"internal error","type":"server_error"}}`, http.StatusInternalServerError)
		case 2:
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				_ = conn.Close()
			}
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// faultRun sends faultRequests distinct requests through a fresh client
// to a fresh simulated server with the given faults ("none", "instant" or
// "after-latency") and returns the wall time, the time until 95% of them
// were answered, and the client's counters.
func faultRun(b *testing.B, mode string) (time.Duration, time.Duration, llm.Stats) {
	b.Helper()
	cfg := simserver.Config{Seed: 9, Latency: simserver.Latency{Fixed: faultLatency}}
	if mode == "after-latency" {
		cfg.Faults = simserver.Faults{RateLimit: 0.1, ServerError: 0.1, Drop: 0.1, RetryAfter: time.Second}
	}
	sim := simserver.New(cfg, nil)
	var h http.Handler = sim
	if mode == "instant" {
		h = instantFaults(sim)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	c, err := llm.NewClient(llm.Options{
		BaseURLs:    []string{srv.URL + "/v1"},
		Concurrency: faultServerConcurrency,
		// 30% faults: allow more retries than the default, so that no
		// request fails by bad luck (0.3^9 per request otherwise).
		MaxRetries:  30,
		GiveUpAfter: llm.DefaultGiveUpAfter,
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var next, done atomic.Int64
	var at95 atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range faultCallers {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > faultRequests {
					return
				}
				req := llm.Request{Model: sim.Model(), Messages: []llm.Message{{Role: "user", Content: fmt.Sprintf("Question %d: what is %d plus 1?", i, i)}},
					Temperature: 0.7, TopP: 1, MaxTokens: 64}
				if _, err := c.Complete(ctx, req); err != nil {
					b.Error(err)
					return
				}
				if done.Add(1) == faultRequests*95/100 {
					at95.Store(int64(time.Since(start)))
				}
			}
		})
	}
	wg.Wait()
	return time.Since(start), time.Duration(at95.Load()), c.Stats()
}
