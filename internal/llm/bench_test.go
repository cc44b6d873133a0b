package llm

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

const (
	benchLatency     = 50 * time.Millisecond
	benchConcurrency = 256
)

// BenchmarkClientThroughput measures the client against an httptest server
// that takes 50 ms per request, with 256 requests in flight: the ideal is
// concurrency/latency = 5120 requests/s, and frac_of_ideal is the share of
// it reached. The rate is measured over a window in which all 256 workers
// are busy (after 2 warm-up rounds, before the last completions), so it
// is the steady-state rate. cpu_ms/1k_req is the process CPU time (the
// server shares the process and the 2 cores) per 1,000 requests.
//
// With start=burst all workers send their first request together, and as
// the server's latency is constant they stay in lockstep: every 50 ms,
// 256 responses arrive at once and queue for the CPU. With start=staggered
// worker i starts i/256 of the latency later, as requests spread over time
// against a real server whose latency varies.
//
// client=net/http is the floor to compare with: the same server and the
// same tuned transport, driven by bare http.Client.Post calls that send
// fixed bytes and read the body without decoding it.
func BenchmarkClientThroughput(b *testing.B) {
	for _, client := range []string{"llm", "net/http"} {
		for _, stagger := range []bool{false, true} {
			start := "burst"
			if stagger {
				start = "staggered"
			}
			b.Run("client="+client+"/start="+start, func(b *testing.B) { benchmarkThroughput(b, client, stagger) })
		}
	}
}

func benchmarkThroughput(b *testing.B, client string, stagger bool) {
	body := []byte(`{"id":"chatcmpl-b","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"The answer is 42."},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":6}}`)
	contentLength := strconv.Itoa(len(body))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		time.Sleep(benchLatency)
		h := w.Header()
		h["Content-Type"] = []string{"application/json"}
		h["Content-Length"] = []string{contentLength}
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	c, err := NewClient(Options{BaseURLs: []string{srv.URL}, Concurrency: benchConcurrency, GiveUpAfter: DefaultGiveUpAfter})
	if err != nil {
		b.Fatal(err)
	}
	req := userRequest("What is six times seven? Think step by step.")
	ctx := b.Context()
	complete := func() error {
		_, err := c.Complete(ctx, req)
		return err
	}
	if client == "net/http" {
		hc := newHTTPClient(benchConcurrency)
		reqBody, err := json.Marshal(newWireRequest(req, 1, nil))
		if err != nil {
			b.Fatal(err)
		}
		url := srv.URL + "/v1/chat/completions"
		complete = func() error {
			resp, err := hc.Post(url, "application/json", bytes.NewReader(reqBody))
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			_, err = io.ReadAll(resp.Body)
			return err
		}
	}

	warm := int64(2 * benchConcurrency)
	target := warm + int64(b.N)
	var (
		done          atomic.Int64
		stop          atomic.Bool
		startT, endT  time.Time
		cpuStart, cpu time.Duration
		wg            sync.WaitGroup
	)
	b.ResetTimer()
	for w := range benchConcurrency {
		wg.Go(func() {
			if stagger {
				time.Sleep(benchLatency * time.Duration(w) / benchConcurrency)
			}
			for !stop.Load() {
				if err := complete(); err != nil {
					b.Error(err)
					return
				}
				switch done.Add(1) {
				case warm:
					startT, cpuStart = time.Now(), cpuTime(b)
				case target:
					endT, cpu = time.Now(), cpuTime(b)
					stop.Store(true)
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	if endT.IsZero() {
		return // a request failed
	}
	elapsed := endT.Sub(startT)
	rate := float64(b.N) / elapsed.Seconds()
	ideal := float64(benchConcurrency) / benchLatency.Seconds()
	b.ReportMetric(rate, "req/s")
	b.ReportMetric(rate/ideal, "frac_of_ideal")
	b.ReportMetric(float64((cpu-cpuStart).Microseconds())/float64(b.N), "cpu_ms/1k_req")
	if st := c.Stats(); st.Retries != 0 {
		b.Errorf("benchmark saw %d retries, want 0", st.Retries)
	}
}

// cpuTime returns the user plus system CPU time the process has used.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Error(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
