package llm

import (
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// sampleServer answers every choice with "seed=<s>" for the seed of that
// sample, so tests can check which seed produced which choice. mode selects
// what it does with n > 1.
type sampleServer struct {
	mode string // "supports", "ignores" or "rejects"
	mu   sync.Mutex
	seen []int // n of every request that got an answer
}

func (s *sampleServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req testRequest
	if err := decodeJSON(r, &req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	n := max(req.N, 1)
	if n > 1 && s.mode == "rejects" {
		http.Error(w, `{"error":{"message":"n > 1 is not supported","type":"invalid_request_error"}}`, http.StatusBadRequest)
		return
	}
	if s.mode == "ignores" {
		n = 1
	}
	s.mu.Lock()
	s.seen = append(s.seen, req.N)
	s.mu.Unlock()
	out := make([]string, n)
	for i := range out {
		if req.Seed == nil {
			out[i] = "unseeded"
			continue
		}
		out[i] = fmt.Sprintf("seed=%d", *req.Seed+int64(i))
	}
	writeChoices(w, "stop", out...)
}

func (s *sampleServer) requests() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Clone(s.seen)
	slices.Sort(out)
	return out
}

func TestNSamples(t *testing.T) {
	t.Parallel()
	tests := []struct {
		mode string
		// requests are the n values the server answered (sorted), over two
		// identical Complete calls with N = 4.
		requests []int
	}{
		{"supports", []int{4, 4}},
		// First call: n=4 answered with one choice, then 3 single requests;
		// second call: the endpoint is known not to honour n.
		{"ignores", []int{1, 1, 1, 1, 1, 1, 1, 4}},
		// A rejected n=4 is retried at once with n=1 on the same endpoint.
		{"rejects", []int{1, 1, 1, 1, 1, 1, 1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			srv := &sampleServer{mode: tt.mode}
			c := newTestClient(t, fastOptions(newTestServer(t, srv.ServeHTTP).URL))
			req := userRequest("q")
			req.N = 4
			req.Seed = seed(100)
			want := []string{"seed=100", "seed=101", "seed=102", "seed=103"}
			for call := range 2 {
				resp, err := c.Complete(t.Context(), req)
				if err != nil {
					t.Fatalf("call %d: %v", call, err)
				}
				if diff := cmp.Diff(want, texts(resp)); diff != "" {
					t.Errorf("call %d texts (-want +got):\n%s", call, diff)
				}
				if got := resp.Usage.CompletionTokens; got != 20 {
					t.Errorf("call %d completion tokens = %d, want 20", call, got)
				}
			}
			if diff := cmp.Diff(tt.requests, srv.requests()); diff != "" {
				t.Errorf("n per answered request (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNSamplesUnseeded(t *testing.T) {
	t.Parallel()
	srv := &sampleServer{mode: "ignores"}
	c := newTestClient(t, fastOptions(newTestServer(t, srv.ServeHTTP).URL))
	req := userRequest("q")
	req.N = 3
	resp, err := c.Complete(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"unseeded", "unseeded", "unseeded"}, texts(resp)); diff != "" {
		t.Errorf("texts (-want +got):\n%s", diff)
	}
}

func TestRejectedNThatIsReallyAnotherError(t *testing.T) {
	t.Parallel()
	// A 400 that also fails with n=1 is returned as is, and the endpoint is
	// not marked as rejecting n.
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		drain(r)
		http.Error(w, `{"error":{"message":"prompt too long"}}`, http.StatusBadRequest)
	})
	c := newTestClient(t, fastOptions(srv.URL))
	req := userRequest("q")
	req.N = 2
	_, err := c.Complete(t.Context(), req)
	if err == nil {
		t.Fatal("Complete succeeded, want HTTP 400")
	}
	if got := c.endpoints[0].n.Load(); got != nUnknown {
		t.Errorf("endpoint n support = %d, want unknown (%d)", got, nUnknown)
	}
	if got := c.Stats().Requests; got != 2 {
		t.Errorf("requests = %d, want 2 (n=2 then n=1)", got)
	}
}
