package cli

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/regenesis-ai/regenesis/internal/batch"
	"github.com/regenesis-ai/regenesis/internal/llm"
	"github.com/regenesis-ai/regenesis/internal/simserver"
	"github.com/regenesis-ai/regenesis/internal/store"
)

// TestSynthesizeBatch runs ReGenesis through the simulated Batch API: each
// run submits one stage's requests (select, adapt, structure, path: four
// rounds without hints), "batches" lists what is pending, and the run that
// finds nothing left to ask writes the same sft.jsonl as a live run.
func TestSynthesizeBatch(t *testing.T) {
	t.Setenv("HF_HUB_OFFLINE", "1")
	data := sharedDataDir(t)
	key := gsm8kKey(t, data, 2)
	var liveChats atomic.Int64
	newServer := func() (*simserver.Server, *httptest.Server) {
		srv := simserver.New(simserver.Config{Seed: 5, Accuracy: 0.6, BatchDuration: 30 * time.Millisecond}, key)
		return srv, httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/chat/completions") {
				liveChats.Add(1)
			}
			srv.ServeHTTP(w, r)
		}))
	}
	common := []string{"synthesize", "--data-dir", data, "--no-download", "--task", "gsm8k", "--limit", "2",
		"--hint=false", "--select-samples", "3", "--keep", "2", "--api-key", "sk-test"}

	srv, ts := newServer()
	defer ts.Close()
	out := t.TempDir()
	args := append(append([]string{}, common...), "--model", srv.Model(), "--base-url", ts.URL, "--out", out, "--batch")
	rounds := 0
	for run := 0; ; run++ {
		if run > 8 {
			t.Fatalf("not complete after %d runs", run)
		}
		var stdout, stderr bytes.Buffer
		if code := Main(args, &stdout, &stderr); code != 0 {
			t.Fatalf("run %d: exit %d\n%s%s", run, code, stdout.String(), stderr.String())
		}
		if strings.Contains(stdout.String(), "submitted batch") {
			rounds++
			// The pending batch is listed from the store.
			var ls bytes.Buffer
			if code := Main([]string{"batches", out, "--base-url", ts.URL, "--api-key", "sk-test"}, &ls, &ls); code != 0 || !strings.Contains(ls.String(), "batch_") {
				t.Fatalf("batches: exit %d\n%s", code, ls.String())
			}
			if _, err := os.Stat(filepath.Join(out, "sft.jsonl")); err == nil {
				t.Fatal("sft.jsonl written before the run was complete")
			}
			time.Sleep(40 * time.Millisecond)
			continue
		}
		if !strings.Contains(stdout.String(), "kept") {
			t.Fatalf("run %d neither submitted nor finished:\n%s%s", run, stdout.String(), stderr.String())
		}
		break
	}
	if rounds != 4 || srv.BatchesCreated() != 4 {
		t.Errorf("%d rounds, %d batches; want 4 (select, adapt, structure, path)", rounds, srv.BatchesCreated())
	}
	if n := liveChats.Load(); n != 0 {
		t.Errorf("%d live chat requests besides the batches, want 0", n)
	}
	var ls bytes.Buffer
	Main([]string{"batches", out}, &ls, &ls)
	if !strings.Contains(ls.String(), "no pending batch (4 round(s)") {
		t.Errorf("batches after the run: %s", ls.String())
	}

	// The same run, live.
	srv2, ts2 := newServer()
	defer ts2.Close()
	live := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := Main(append(append([]string{}, common...), "--model", srv2.Model(), "--base-url", ts2.URL, "--out", live), &stdout, &stderr); code != 0 {
		t.Fatalf("live run: exit %d\n%s", code, stderr.String())
	}
	a, _ := os.ReadFile(filepath.Join(out, "sft.jsonl"))
	b, _ := os.ReadFile(filepath.Join(live, "sft.jsonl"))
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("batch sft.jsonl (%d bytes) differs from the live one (%d bytes)", len(a), len(b))
	}
}

// TestEvalBatch evaluates through the simulated Batch API while the
// server fails the first two lines (a 500 and a malformed 200): those are
// validated out, submitted again in a second round, and the results match
// a live run's.
func TestEvalBatch(t *testing.T) {
	t.Setenv("HF_HUB_OFFLINE", "1")
	data := sharedDataDir(t)
	key := gsm8kTestKey(t, data, 4)
	cfg := simserver.Config{Seed: 9, Accuracy: 0.5, BatchDuration: 20 * time.Millisecond,
		Faults: simserver.Faults{Script: []simserver.Fault{simserver.FaultServerError, simserver.FaultMalformed}}}
	srv := simserver.New(cfg, key)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	out := t.TempDir()
	args := []string{"eval", "--data-dir", data, "--no-download", "--task", "gsm8k", "--limit", "4",
		"--model", srv.Model(), "--base-url", ts.URL, "--api-key", "sk-test", "--out", out, "--batch"}
	var submitted []string
	for run := 0; ; run++ {
		if run > 5 {
			t.Fatalf("not complete after %d runs", run)
		}
		var stdout, stderr bytes.Buffer
		if code := Main(args, &stdout, &stderr); code != 0 {
			t.Fatalf("run %d: exit %d\n%s%s", run, code, stdout.String(), stderr.String())
		}
		if i := strings.Index(stdout.String(), "submitted batch"); i >= 0 {
			line := stdout.String()[i:]
			submitted = append(submitted, line[strings.LastIndex(line[:strings.Index(line, "\n")], ": ")+2:strings.Index(line, "\n")])
			time.Sleep(30 * time.Millisecond)
			continue
		}
		break
	}
	if want := []string{"4 requests", "2 requests"}; strings.Join(submitted, "|") != strings.Join(want, "|") {
		t.Errorf("rounds submitted %q, want %q", submitted, want)
	}
	cfg.Faults = simserver.Faults{}
	srv2 := simserver.New(cfg, key)
	ts2 := httptest.NewServer(srv2)
	defer ts2.Close()
	live := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := Main([]string{"eval", "--data-dir", data, "--no-download", "--task", "gsm8k", "--limit", "4",
		"--model", srv2.Model(), "--base-url", ts2.URL, "--out", live}, &stdout, &stderr); code != 0 {
		t.Fatalf("live: exit %d\n%s", code, stderr.String())
	}
	a, _ := os.ReadFile(filepath.Join(out, "predictions.jsonl"))
	b, _ := os.ReadFile(filepath.Join(live, "predictions.jsonl"))
	// The batch run's last pass replays every sample from the store.
	a = bytes.ReplaceAll(a, []byte(`"cached":true`), []byte(`"cached":false`))
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("batch predictions differ from live ones:\n%s\n---\n%s", a, b)
	}
}

// TestOfferCancel: an interrupt while batches run never leaves them
// silently: without a terminal it says how to cancel them, and
// "batches --cancel" cancels them on the server.
func TestOfferCancel(t *testing.T) {
	srv := simserver.New(simserver.Config{Seed: 1, BatchDuration: time.Hour}, nil)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	dir := t.TempDir()
	st, err := store.Open(t.Context(), filepath.Join(dir, "store.db"))
	if err != nil {
		t.Fatal(err)
	}
	api, _ := batch.NewAPI(ts.URL, "sk-x", nil)
	r := &batch.Runner{API: api, Meta: st}
	coll, _ := r.Collector(t.Context())
	seed := int64(1)
	if _, err := coll.Complete(t.Context(), llm.Request{Model: "m", Messages: []llm.Message{{Role: "user", Content: "What is 1+1?"}}, Seed: &seed}); !errors.Is(err, batch.ErrQueued) {
		t.Fatal(err)
	}
	if _, err := r.Submit(t.Context(), coll, nil); err != nil {
		t.Fatal(err)
	}
	cmd := &cobra.Command{}
	var errw bytes.Buffer
	cmd.SetErr(&errw)
	cmd.SetIn(strings.NewReader("y\n")) // not a terminal: no question is asked
	offerCancel(cmd, r, dir)
	if !strings.Contains(errw.String(), "regenesis batches "+dir+" --cancel") {
		t.Errorf("interrupt message %q does not say how to cancel", errw.String())
	}
	st.Close()
	var out bytes.Buffer
	if code := Main([]string{"batches", dir, "--base-url", ts.URL, "--api-key", "sk-x", "--cancel"}, &out, &out); code != 0 || !strings.Contains(out.String(), "cancelling") {
		t.Errorf("batches --cancel: exit %d, %q", code, out.String())
	}
}
