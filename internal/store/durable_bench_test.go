package store

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/regenesis-ai/regenesis/internal/llm"
)

// noPersist hides Request.Persist from the client, so that samples are
// committed after the client released the request's server slot (the
// behaviour before responses were made durable inside the slot).
type noPersist struct{ inner llm.Completer }

func (n noPersist) Complete(ctx context.Context, req llm.Request) (*llm.Response, error) {
	req.Persist = nil
	return n.inner.Complete(ctx, req)
}

// BenchmarkDurableBeforeRelease compares, side by side, a real client and
// store against an httptest server taking 5 ms per request, 64 requests in
// flight and 256 callers: commit=in-slot (each response committed through
// the group-commit writer before its server slot is released, the
// default) and commit=after-release. It reports requests/s and samples per
// commit.
func BenchmarkDurableBeforeRelease(b *testing.B) {
	body := `{"choices":[{"index":0,"message":{"role":"assistant","content":"The answer is 42."},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":6}}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		time.Sleep(5 * time.Millisecond)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
	}))
	defer srv.Close()
	for _, mode := range []string{"in-slot", "after-release"} {
		b.Run("commit="+mode, func(b *testing.B) {
			client, err := llm.NewClient(llm.Options{BaseURLs: []string{srv.URL}, Concurrency: 64, GiveUpAfter: llm.DefaultGiveUpAfter})
			if err != nil {
				b.Fatal(err)
			}
			s, err := Open(b.Context(), filepath.Join(b.TempDir(), "store.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			var inner llm.Completer = client
			if mode == "after-release" {
				inner = noPersist{client}
			}
			c := NewCachedCompleter(s, inner)
			var next atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			start := time.Now()
			for range 256 {
				wg.Go(func() {
					for {
						i := next.Add(1)
						if i > int64(b.N) {
							return
						}
						if _, err := c.Complete(b.Context(), request(1, seedOf(i))); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			st := s.Stats()
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
			b.ReportMetric(float64(st.Rows)/float64(max(st.Commits, 1)), "rows/commit")
		})
	}
}
