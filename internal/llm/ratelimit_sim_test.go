package llm_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/regenesis-ai/regenesis/internal/llm"
	"github.com/regenesis-ai/regenesis/internal/simserver"
)

// TestRateLimitsAgainstSimulatedAPI: the simulated server limited to 1200
// requests a minute (20 a second, at most 20 at once)
// answers 429 often to a client that ignores its x-ratelimit-* headers and
// rarely to one that follows them; every request succeeds either way.
func TestRateLimitsAgainstSimulatedAPI(t *testing.T) {
	// Not parallel: it counts 429s, which depend on how fast the client
	// can send; other tests of the package would slow it.
	key := []simserver.Entry{{Question: "What is 2 + 2?", Answer: "4"}}
	run := func(ignore bool) int64 {
		srv := simserver.New(simserver.Config{Seed: 1, RateLimit: simserver.RateLimit{RequestsPerMinute: 1200}}, key)
		ts := httptest.NewServer(srv)
		defer ts.Close()
		c, err := llm.NewClient(llm.Options{BaseURLs: []string{ts.URL}, Concurrency: 8, MaxRetries: 1_000_000,
			BackoffBase: 20 * time.Millisecond, BackoffMax: 100 * time.Millisecond, RestAfter: 10000,
			RateLimits: llm.RateLimits{IgnoreHeaders: ignore}, GiveUpAfter: llm.DefaultGiveUpAfter})
		if err != nil {
			t.Fatal(err)
		}
		g, ctx := errgroup.WithContext(context.Background())
		for i := range 60 {
			g.Go(func() error {
				_, err := c.Complete(ctx, llm.Request{Model: srv.Model(), MaxTokens: 50,
					Messages: []llm.Message{{Role: "user", Content: fmt.Sprintf("What is 2 + 2? (%d)", i)}}})
				return err
			})
		}
		if err := g.Wait(); err != nil {
			t.Fatal(err)
		}
		return srv.RateLimited()
	}
	blind, following := run(true), run(false)
	t.Logf("429s: %d ignoring the headers, %d following them", blind, following)
	if blind < 10 || following > 3 {
		t.Errorf("429s: %d ignoring the headers (want 10 or more), %d following them (want at most 3)", blind, following)
	}
}
