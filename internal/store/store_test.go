package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regenesis-ai/regenesis/internal/llm"
)

// fakeModel answers sample i of a seeded request with "s<seed+i>" (and
// "u<k>" for the k-th unseeded sample it makes), counting what it is asked.
type fakeModel struct {
	mu       sync.Mutex
	calls    []llm.Request
	unseeded int
	// gate, when set, is received from before answering.
	gate chan struct{}
	// entered, when set, is sent to (if it has room) as a call begins.
	entered chan struct{}
	// onCall, when set, runs before answering (inside the call).
	onCall func()
	err    error
}

func (m *fakeModel) Complete(ctx context.Context, req llm.Request) (*llm.Response, error) {
	if m.entered != nil {
		select {
		case m.entered <- struct{}{}:
		default:
		}
	}
	if m.gate != nil {
		select {
		case <-m.gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if m.onCall != nil {
		m.onCall()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls = append(m.calls, req)
	if m.err != nil {
		return nil, m.err
	}
	n := max(req.N, 1)
	resp := &llm.Response{Usage: llm.Usage{PromptTokens: 10, CompletionTokens: int64(3 * n)}}
	for i := range n {
		text := ""
		if req.Seed != nil {
			text = fmt.Sprintf("s%d", *req.Seed+int64(i))
		} else {
			m.unseeded++
			text = fmt.Sprintf("u%d", m.unseeded)
		}
		resp.Choices = append(resp.Choices, llm.Choice{Index: i, Text: text, FinishReason: "stop"})
	}
	return resp, nil
}

// asked returns the (N, seed) of every call, in order.
func (m *fakeModel) asked() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, r := range m.calls {
		s := "none"
		if r.Seed != nil {
			s = fmt.Sprint(*r.Seed)
		}
		out = append(out, fmt.Sprintf("n=%d seed=%s", r.N, s))
	}
	return out
}

func openTestStore(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func request(n int, seed *int64) llm.Request {
	return llm.Request{
		Model:       "m",
		Messages:    []llm.Message{{Role: "user", Content: "What is 6*7?"}},
		Temperature: 0.8,
		TopP:        1,
		MaxTokens:   256,
		N:           n,
		Seed:        seed,
	}
}

func seedOf(v int64) *int64 { return &v }

func choiceTexts(resp *llm.Response) []string {
	var out []string
	for i, c := range resp.Choices {
		if c.Index != i {
			out = append(out, fmt.Sprintf("<index %d at %d>", c.Index, i))
			continue
		}
		out = append(out, c.Text)
	}
	return out
}

func TestSampleKey(t *testing.T) {
	t.Parallel()
	base := request(1, seedOf(1))
	k0, _ := requestSampleKey(base, 0)
	tests := []struct {
		name string
		edit func(*llm.Request)
		i    int
		same bool
	}{
		{"same request", func(*llm.Request) {}, 0, true},
		{"n is not part of the key", func(r *llm.Request) { r.N = 25 }, 0, true},
		{"empty stop equals no stop", func(r *llm.Request) { r.Stop = []string{} }, 0, true},
		{"sample index", func(*llm.Request) {}, 1, false},
		{"model", func(r *llm.Request) { r.Model = "m2" }, 0, false},
		{"message", func(r *llm.Request) { r.Messages[0].Content += " " }, 0, false},
		{"role", func(r *llm.Request) { r.Messages[0].Role = "system" }, 0, false},
		{"temperature", func(r *llm.Request) { r.Temperature = 0.7 }, 0, false},
		{"top_p", func(r *llm.Request) { r.TopP = 0.9 }, 0, false},
		{"max_tokens", func(r *llm.Request) { r.MaxTokens = 255 }, 0, false},
		{"seed", func(r *llm.Request) { r.Seed = seedOf(2) }, 0, false},
		{"no seed", func(r *llm.Request) { r.Seed = nil }, 0, false},
		{"stop", func(r *llm.Request) { r.Stop = []string{"\n"} }, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := request(1, seedOf(1))
			r.Messages = slices.Clone(r.Messages)
			tt.edit(&r)
			k, err := requestSampleKey(r, tt.i)
			if err != nil {
				t.Fatal(err)
			}
			if (k == k0) != tt.same {
				t.Errorf("key equal to base = %v, want %v", k == k0, tt.same)
			}
		})
	}
	// The documented formula, spelled out.
	want := sha256Hex(`{"model":"m","messages":[{"role":"user","content":"What is 6*7?"}],"temperature":0.8,"top_p":1,"max_tokens":256,"seed":1,"stop":null}` + "\n0")
	if got := fmt.Sprintf("%x", k0); got != want {
		t.Errorf("requestSampleKey = %s, want %s", got, want)
	}
}

func TestPersistedBeforeReturn(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "store.db")
	s := openTestStore(t, path)
	model := &fakeModel{}
	c := NewCachedCompleter(s, model)
	resp, err := c.Complete(t.Context(), request(3, seedOf(10)))
	if err != nil {
		t.Fatal(err)
	}
	// Read the rows through a separate connection, as another process would.
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT s.sample_index, s.text, s.finish_reason, s.prompt_tokens, s.completion_tokens, r.body
		FROM samples s JOIN requests r ON r.hash = s.request_hash ORDER BY s.sample_index`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var i, pt, ct int
		var text, fin, body string
		if err := rows.Scan(&i, &text, &fin, &pt, &ct, &body); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(body, `"seed":10`) || strings.Contains(body, `"n"`) {
			t.Errorf("stored request body %s: want the seed and no n", body)
		}
		got = append(got, fmt.Sprintf("%d %s %s %d %d", i, text, fin, pt, ct))
	}
	want := []string{"0 s10 stop 4 3", "1 s11 stop 3 3", "2 s12 stop 3 3"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stored rows (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"s10", "s11", "s12"}, choiceTexts(resp)); diff != "" {
		t.Errorf("texts (-want +got):\n%s", diff)
	}
	if resp.Cached {
		t.Error("first response marked Cached")
	}
	if resp.Usage != (llm.Usage{PromptTokens: 10, CompletionTokens: 9}) {
		t.Errorf("usage = %+v, want the model's {10 9}", resp.Usage)
	}
}

func TestReplayDoesNotCallModel(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "store.db")
	req := request(4, nil)
	var first *llm.Response
	{
		s, err := Open(t.Context(), path)
		if err != nil {
			t.Fatal(err)
		}
		if first, err = NewCachedCompleter(s, &fakeModel{}).Complete(t.Context(), req); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	s := openTestStore(t, path) // reopen after close
	model := &fakeModel{}
	second, err := NewCachedCompleter(s, model).Complete(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	if len(model.calls) != 0 {
		t.Errorf("model called %d times on replay, want 0", len(model.calls))
	}
	if !second.Cached {
		t.Error("replayed response not marked Cached")
	}
	if diff := cmp.Diff(first.Choices, second.Choices); diff != "" {
		t.Errorf("replayed choices differ (-first +second):\n%s", diff)
	}
	if first.Usage != second.Usage {
		t.Errorf("replayed usage %+v, want %+v", second.Usage, first.Usage)
	}
	if st := s.Stats(); st.Hits != 4 || st.Misses != 0 {
		t.Errorf("stats = %+v, want 4 hits, 0 misses", st)
	}
}

func TestTopUp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		seed  *int64
		first int
		then  int
		want  []string // what the model is asked the second time
		texts []string
	}{
		{"seeded", seedOf(100), 2, 5, []string{"n=3 seed=102"}, []string{"s100", "s101", "s102", "s103", "s104"}},
		{"unseeded", nil, 2, 4, []string{"n=2 seed=none"}, []string{"u1", "u2", "u3", "u4"}},
		{"fewer than stored", seedOf(1), 3, 2, nil, []string{"s1", "s2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTestStore(t, filepath.Join(t.TempDir(), "store.db"))
			model := &fakeModel{}
			c := NewCachedCompleter(s, model)
			if _, err := c.Complete(t.Context(), request(tt.first, tt.seed)); err != nil {
				t.Fatal(err)
			}
			model.calls = nil
			resp, err := c.Complete(t.Context(), request(tt.then, tt.seed))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, model.asked()); diff != "" {
				t.Errorf("model asked (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.texts, choiceTexts(resp)); diff != "" {
				t.Errorf("texts (-want +got):\n%s", diff)
			}
			if wantCached := tt.then <= tt.first; resp.Cached != wantCached {
				t.Errorf("Cached = %v, want %v", resp.Cached, wantCached)
			}
		})
	}
}

func TestTopUpOfGaps(t *testing.T) {
	t.Parallel()
	// Samples 0, 1 and 4 are stored (say, from an earlier run that asked
	// for index 4 alone); asking for 7 fetches the runs 2-3 and 5-6, each
	// with the seed of its first index.
	s := openTestStore(t, filepath.Join(t.TempDir(), "store.db"))
	model := &fakeModel{}
	c := NewCachedCompleter(s, model).(*cachedCompleter)
	req := request(7, seedOf(0))
	canon, _ := canonicalRequest(req)
	keys := make([]Key, 7)
	for i := range keys {
		keys[i] = sampleKey(canon, i)
	}
	for _, run := range [][]int{{0, 1}, {4}} {
		if _, err := c.complete(t.Context(), req, canon, keys, run); err != nil {
			t.Fatal(err)
		}
	}
	model.calls = nil
	resp, err := c.Complete(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	asked := model.asked()
	slices.Sort(asked)
	if diff := cmp.Diff([]string{"n=2 seed=2", "n=2 seed=5"}, asked); diff != "" {
		t.Errorf("model asked (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"s0", "s1", "s2", "s3", "s4", "s5", "s6"}, choiceTexts(resp)); diff != "" {
		t.Errorf("texts (-want +got):\n%s", diff)
	}
}

func TestSingleflight(t *testing.T) {
	t.Parallel()
	s := openTestStore(t, filepath.Join(t.TempDir(), "store.db"))
	gate := make(chan struct{})
	var entered atomic.Int64
	model := &fakeModel{gate: gate}
	c := NewCachedCompleter(s, model)
	const callers = 20
	var wg sync.WaitGroup
	results := make([][]string, callers)
	for i := range callers {
		wg.Go(func() {
			entered.Add(1)
			resp, err := c.Complete(t.Context(), request(3, nil))
			if err != nil {
				t.Error(err)
				return
			}
			results[i] = choiceTexts(resp)
		})
	}
	// Let every caller reach the store before the model answers.
	for entered.Load() < callers {
		runtimeGosched()
	}
	close(gate)
	wg.Wait()
	if len(model.calls) != 1 {
		t.Errorf("model called %d times for %d identical concurrent requests, want 1", len(model.calls), callers)
	}
	for i, r := range results {
		if diff := cmp.Diff([]string{"u1", "u2", "u3"}, r); diff != "" {
			t.Errorf("caller %d texts (-want +got):\n%s", i, diff)
		}
	}
	st := s.Stats()
	if st.Misses != 3 || st.Hits+st.Shared != 3*(callers-1) {
		t.Errorf("stats = %+v, want 3 misses and the other callers' %d samples as hits or shared", st, 3*(callers-1))
	}
}

func TestWaiterRetriesWhenFetcherGivesUp(t *testing.T) {
	t.Parallel()
	s := openTestStore(t, filepath.Join(t.TempDir(), "store.db"))
	gate := make(chan struct{})
	model := &fakeModel{gate: gate, entered: make(chan struct{}, 1)}
	c := NewCachedCompleter(s, model)
	ctx1, cancel1 := context.WithCancel(t.Context())
	first := make(chan error, 1)
	go func() {
		_, err := c.Complete(ctx1, request(1, seedOf(5)))
		first <- err
	}()
	<-model.entered // the first caller claimed the sample and asks the model
	second := make(chan *llm.Response, 1)
	go func() {
		resp, err := c.Complete(t.Context(), request(1, seedOf(5)))
		if err != nil {
			t.Error(err)
		}
		second <- resp
	}()
	cancel1()
	if err := <-first; err == nil {
		t.Fatal("canceled caller got no error")
	}
	close(gate) // the second caller's own request may now proceed
	resp := <-second
	if resp == nil || resp.Choices[0].Text != "s5" {
		t.Fatalf("second caller got %+v, want s5", resp)
	}
}

func TestModelErrorIsReturnedAndNothingStored(t *testing.T) {
	t.Parallel()
	s := openTestStore(t, filepath.Join(t.TempDir(), "store.db"))
	model := &fakeModel{err: fmt.Errorf("llm: HTTP 400: bad request")}
	c := NewCachedCompleter(s, model)
	if _, err := c.Complete(t.Context(), request(2, nil)); err == nil || !strings.Contains(err.Error(), "HTTP 400") {
		t.Fatalf("error = %v, want the model's", err)
	}
	if st := s.Stats(); st.Rows != 0 {
		t.Errorf("rows = %d after a failed call, want 0", st.Rows)
	}
	model.err = nil
	resp, err := c.Complete(t.Context(), request(2, nil))
	if err != nil || len(resp.Choices) != 2 {
		t.Fatalf("after the error cleared: %v, %+v", err, resp)
	}
}

func TestGroupCommit(t *testing.T) {
	t.Parallel()
	s := openTestStore(t, filepath.Join(t.TempDir(), "store.db"))
	c := NewCachedCompleter(s, &fakeModel{})
	const callers = 64
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			req := request(1, seedOf(int64(i)))
			if _, err := c.Complete(t.Context(), req); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	st := s.Stats()
	if st.Rows != callers {
		t.Errorf("rows = %d, want %d", st.Rows, callers)
	}
	if st.Commits >= callers {
		t.Logf("commits = %d for %d concurrent callers: no batching happened this time", st.Commits, callers)
	}
}

func TestMeta(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "store.db")
	s := openTestStore(t, path)
	ctx := t.Context()
	if _, ok, err := s.GetMeta(ctx, "run"); err != nil || ok {
		t.Fatalf("GetMeta on empty store = %v, %v; want not found", ok, err)
	}
	for _, v := range []string{`{"v":1}`, `{"v":2}`, ``} {
		if err := s.PutMeta(ctx, "run", []byte(v)); err != nil {
			t.Fatal(err)
		}
		got, ok, err := s.GetMeta(ctx, "run")
		if err != nil || !ok || string(got) != v {
			t.Errorf("GetMeta = %q, %v, %v; want %q", got, ok, err, v)
		}
	}
}

func TestClosedStore(t *testing.T) {
	t.Parallel()
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "sub", "dir", "store.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	_, err = NewCachedCompleter(s, &fakeModel{}).Complete(t.Context(), request(1, nil))
	if err == nil {
		t.Error("Complete on a closed store succeeded")
	}
}

func TestSchemaVersion(t *testing.T) {
	t.Parallel()
	// A directory name that needs escaping in an SQLite URI.
	path := filepath.Join(t.TempDir(), "run 1 #2?", "store.db")
	s := openTestStore(t, path)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("store file not at %s: %v", path, err)
	}
	var v int
	if err := s.db.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
		t.Fatal(err)
	}
	if v != schemaVersion() || v < 1 {
		t.Errorf("user_version = %d, want %d", v, schemaVersion())
	}
	var mode string
	if err := s.db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q (%v), want wal", mode, err)
	}
	var sync int
	if err := s.db.QueryRow("PRAGMA synchronous").Scan(&sync); err != nil || sync != 2 {
		t.Errorf("synchronous = %d (%v), want 2 (FULL)", sync, err)
	}
	if _, err := s.db.Exec(fmt.Sprintf("PRAGMA user_version = %d", v+1)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(t.Context(), path); err == nil || !strings.Contains(err.Error(), "newer than this program") {
		t.Errorf("Open of a newer schema: %v, want a clear error", err)
	}
}

// TestArrivedSamplesSurviveCancellation checks that samples the model
// returned are committed even when the caller's context ends before the
// commit: they were paid for, and a re-run must not ask for them again.
func TestArrivedSamplesSurviveCancellation(t *testing.T) {
	t.Parallel()
	s := openTestStore(t, filepath.Join(t.TempDir(), "store.db"))
	ctx, cancel := context.WithCancel(t.Context())
	model := &fakeModel{onCall: cancel} // the caller gives up while the model answers
	_, _ = NewCachedCompleter(s, model).Complete(ctx, request(3, seedOf(5)))

	again := &fakeModel{}
	resp, err := NewCachedCompleter(s, again).Complete(t.Context(), request(3, seedOf(5)))
	if err != nil {
		t.Fatal(err)
	}
	if len(again.calls) != 0 || !resp.Cached {
		t.Fatalf("samples that arrived after cancellation were not stored: %d new calls", len(again.calls))
	}
	if diff := cmp.Diff([]string{"s5", "s6", "s7"}, choiceTexts(resp)); diff != "" {
		t.Errorf("stored samples (-want +got):\n%s", diff)
	}
}
