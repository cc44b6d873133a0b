package synth

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/regenesis-ai/regenesis/internal/llm"
	"github.com/regenesis-ai/regenesis/internal/method"
	"github.com/regenesis-ai/regenesis/internal/simserver"
	"github.com/regenesis-ai/regenesis/internal/store"
)

// cancelAfter cancels a context once it has passed n requests on.
type cancelAfter struct {
	inner  llm.Completer
	n      int64
	seen   atomic.Int64
	cancel context.CancelFunc
}

func (c *cancelAfter) Complete(ctx context.Context, req llm.Request) (*llm.Response, error) {
	if c.seen.Add(1) == c.n {
		c.cancel()
	}
	return c.inner.Complete(ctx, req)
}

// TestResumeFromStore cancels a run midway, runs it again over the same
// store, and expects the outputs of an uninterrupted run, with the first
// run's samples replayed rather than asked again.
func TestResumeFromStore(t *testing.T) {
	for _, tc := range []struct {
		budget string
		killAt int64
	}{{method.BudgetPaper, 300}, {method.BudgetAdaptive, 120}} {
		t.Run(tc.budget, func(t *testing.T) {
			cfg := method.DefaultConfig()
			cfg.Budget = tc.budget
			testResume(t, cfg, tc.killAt)
		})
	}
}

func testResume(t *testing.T, cfg method.Config, killAt int64) {
	exs := toyExamples(6)
	sim := simserver.Config{Seed: 11, Accuracy: 0.6}

	// Reference: one uninterrupted run.
	refClient, _ := simClient(t, sim, exs)
	refDir := t.TempDir()
	if _, err := runReGenesis(t, context.Background(), refClient, exs, cfg, refDir); err != nil {
		t.Fatal(err)
	}
	want := readOutputs(t, refDir)

	client, server := simClient(t, sim, exs)
	dbPath := filepath.Join(t.TempDir(), "run.db")
	dir := t.TempDir()

	st, err := store.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	killer := &cancelAfter{inner: client, n: killAt, cancel: cancel}
	if _, err := runReGenesis(t, ctx, store.NewCachedCompleter(st, killer), exs, cfg, dir); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: %v, want context.Canceled", err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	sentBefore := server.Stats().Succeeded

	st, err = store.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	meter := NewUsageMeter(store.NewCachedCompleter(st, client))
	man, err := runReGenesis(t, context.Background(), meter, exs, cfg, dir)
	if err != nil {
		t.Fatal(err)
	}
	got := readOutputs(t, dir)
	for name, w := range want {
		if !bytes.Equal(w, got[name]) {
			t.Errorf("%s of the resumed run differs from an uninterrupted run", name)
		}
	}
	u := meter.Usage()
	if u.CachedSamples == 0 || sentBefore == 0 {
		t.Errorf("nothing replayed: %+v, %d requests before the kill", u, sentBefore)
	}
	if r := server.Stats().RepeatedBodies; r > 64 {
		t.Errorf("%d request bodies sent again after resuming; only those in flight at the kill may be", r)
	}
	if man.Counts.Questions != len(exs) {
		t.Errorf("resumed manifest counts %d questions", man.Counts.Questions)
	}
	if cfg.Budget == method.BudgetAdaptive && man.Cost.StoppedEarly == 0 {
		t.Error("no question stopped early under the adaptive budget: the test needs some")
	}
}
