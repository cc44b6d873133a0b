package batch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/regenesis-ai/regenesis/internal/llm"
	"github.com/regenesis-ai/regenesis/internal/simserver"
)

// memMeta is an in-memory Meta.
type memMeta struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (m *memMeta) PutMeta(_ context.Context, k string, v []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil {
		m.m = map[string][]byte{}
	}
	m.m[k] = append([]byte(nil), v...)
	return nil
}

func (m *memMeta) GetMeta(_ context.Context, k string) ([]byte, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.m[k]
	return v, ok, nil
}

func req(q string, n int) llm.Request {
	seed := int64(1)
	return llm.Request{Model: "sim", Messages: []llm.Message{{Role: "user", Content: q}}, Temperature: 1, TopP: 1, MaxTokens: 100, N: n, Seed: &seed}
}

// TestRoundTrip queues requests, submits them to the simulated Batch API,
// polls until done and serves the outputs; a line the server failed is
// queued again, and one that failed in MaxAttempts batches is an error.
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := simserver.New(simserver.Config{Seed: 1, BatchDuration: 10 * time.Millisecond,
		Faults: simserver.Faults{Script: []simserver.Fault{simserver.FaultServerError}}}, nil)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	api, err := NewAPI(ts.URL, "sk-x", nil)
	if err != nil {
		t.Fatal(err)
	}
	meta := &memMeta{}
	r := &Runner{API: api, Meta: meta, MaxAttempts: 2}
	reqs := []llm.Request{req("What is 1+1?", 1), req("What is 2+2?", 3)}
	ask := func() (*Collector, []error) {
		c, err := r.Collector(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var errs []error
		for _, q := range reqs {
			_, err := c.Complete(ctx, q)
			errs = append(errs, err)
		}
		return c, errs
	}
	wait := func() *Polled {
		for range 100 {
			p, err := r.Poll(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Running) == 0 {
				return p
			}
			time.Sleep(5 * time.Millisecond)
		}
		t.Fatal("batch never finished")
		return nil
	}
	c, errs := ask()
	if !errors.Is(errs[0], ErrQueued) || !errors.Is(errs[1], ErrQueued) || c.Queued() != 2 {
		t.Fatalf("first ask: %v, %d queued", errs, c.Queued())
	}
	made, err := r.Submit(ctx, c, nil)
	if err != nil || len(made) != 1 || made[0].Requests != 2 {
		t.Fatalf("submit: %+v, %v", made, err)
	}
	if p := wait(); p.Failed != 1 {
		t.Errorf("round 1: %d failed lines, want 1 (the scripted 500)", p.Failed)
	}
	c, errs = ask()
	if c.Queued() != 1 {
		t.Fatalf("round 2: %d queued, want the failed one; errors %v", c.Queued(), errs)
	}
	for i, err := range errs {
		if err == nil {
			resp, _ := c.Complete(ctx, reqs[i])
			if len(resp.Choices) != max(reqs[i].N, 1) || resp.Choices[0].Text == "" || resp.Usage.CompletionTokens == 0 {
				t.Errorf("served response %+v", resp)
			}
		}
	}
	if _, err := r.Submit(ctx, c, nil); err != nil {
		t.Fatal(err)
	}
	wait()
	c, errs = ask()
	if c.Queued() != 0 || errs[0] != nil || errs[1] != nil {
		t.Fatalf("round 3: %d queued, errors %v", c.Queued(), errs)
	}
	st, _ := LoadState(ctx, meta)
	if st.Round != 2 || len(st.Pending) != 0 || len(st.Collected) != 2 {
		t.Errorf("state %+v", st)
	}
	if err := r.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	if st, _ := LoadState(ctx, meta); len(st.Collected) != 0 {
		t.Errorf("collected after Finish: %v", st.Collected)
	}

	// A request that failed MaxAttempts times is an error, not queued again.
	body, _ := llm.ChatRequestBody(reqs[0])
	cl := &Collector{results: nil, failures: map[string]int{CustomID(body): 2}, maxAttempts: 2, queued: map[string]queued{}}
	if _, err := cl.Complete(ctx, reqs[0]); err == nil || errors.Is(err, ErrQueued) || !strings.Contains(err.Error(), "without --batch") {
		t.Errorf("after 2 failures: %v", err)
	}
}

// TestPollRejectsForeignLines: an output line for a request the run did
// not ask for is an error naming the batch, file and line.
func TestPollRejectsForeignLines(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/batches/b1", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, `{"id":"b1","status":"completed","output_file_id":"f-out"}`)
	})
	mux.HandleFunc("GET /v1/files/f-out/content", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, `{"custom_id":"rg-mine","response":{"status_code":200,"body":{"choices":[{"index":0,"message":{"role":"assistant","content":"x"},"finish_reason":"stop"}]}}}`)
		fmt.Fprintln(w, `{"custom_id":"rg-other","response":{"status_code":200,"body":{}}}`)
	})
	ts := httptest.NewServer(mux)
	defer ts.Close()
	api, _ := NewAPI(ts.URL+"/v1", "", nil)
	meta := &memMeta{}
	st := &State{Pending: []Pending{{ID: "b1", Samples: map[string]int{"rg-mine": 1}}}}
	raw, _ := json.Marshal(st)
	meta.PutMeta(ctx, stateKey, raw)
	_, err := (&Runner{API: api, Meta: meta}).Poll(ctx)
	if err == nil || !strings.Contains(err.Error(), "batch b1: file f-out line 2") || !strings.Contains(err.Error(), "rg-other") {
		t.Errorf("error %v, want one naming batch b1, file f-out, line 2 and rg-other", err)
	}
}

func TestNewAPIBase(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"http://h:8000":                     "http://h:8000/v1",
		"https://api.openai.com/v1":         "https://api.openai.com/v1",
		"http://h/v1/chat/completions":      "http://h/v1",
		"https://gw.example.com/openai/v1/": "https://gw.example.com/openai/v1",
	} {
		a, err := NewAPI(in, "", nil)
		if err != nil || a.base != want {
			t.Errorf("NewAPI(%q) base %q, %v; want %q", in, a.base, err, want)
		}
	}
	if _, err := NewAPI("ftp://x", "", nil); err == nil {
		t.Error("ftp URL accepted")
	}
}
