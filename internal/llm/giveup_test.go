package llm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// lockedBuffer is a log sink safe for concurrent writers.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestGiveUpWhenEveryServerFails(t *testing.T) {
	t.Parallel()
	failing := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		drain(r)
		http.Error(w, `{"error":{"message":"out of memory"}}`, http.StatusInternalServerError)
	}).URL
	tests := []struct {
		name string
		urls []string
		want []string
	}{
		{"closed port", []string{closedURL(t)}, []string{"connection refused"}},
		{"500 to everything", []string{failing}, []string{"HTTP 500: out of memory"}},
		{"both", []string{closedURL(t), failing}, []string{"connection refused", "HTTP 500: out of memory"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs lockedBuffer
			opts := fastOptions(tt.urls...)
			opts.MaxRetries = 1 << 20 // only giving up ends a request
			opts.RestAfter = 4
			opts.RestFor = 20 * time.Millisecond
			opts.GiveUpAfter = 150 * time.Millisecond
			opts.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			c := newTestClient(t, opts)
			var wg sync.WaitGroup
			errs := make([]error, 8)
			for i := range errs {
				wg.Go(func() {
					_, errs[i] = c.Complete(t.Context(), userRequest(fmt.Sprint(i)))
				})
			}
			wg.Wait()
			for i, err := range errs {
				if !errors.Is(err, ErrGaveUp) {
					t.Fatalf("request %d: error %v, want one wrapping ErrGaveUp", i, err)
				}
				for _, w := range tt.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("request %d: error %q lacks the cause %q", i, err, w)
					}
				}
			}
			// Given up: later calls fail at once, without a request.
			before := c.Stats().Requests
			if _, err := c.Complete(t.Context(), userRequest("late")); !errors.Is(err, ErrGaveUp) {
				t.Errorf("call after giving up: %v", err)
			}
			if n := c.Stats().Requests - before; n != 0 {
				t.Errorf("call after giving up sent %d requests", n)
			}
			// The cause is logged once per server, not on every rest.
			if n, want := strings.Count(logs.String(), "server failing"), len(tt.urls); n != want {
				t.Errorf("logged %d 'server failing' lines, want %d:\n%s", n, want, logs.String())
			}
			if !strings.Contains(logs.String(), "cause=") {
				t.Errorf("log lacks the cause:\n%s", logs.String())
			}
		})
	}
}

func TestNoGiveUpWhileOneServerWorks(t *testing.T) {
	t.Parallel()
	failing := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		drain(r)
		http.Error(w, "down", http.StatusBadGateway)
	}).URL
	var calls atomic.Int64
	slow := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		drain(r)
		calls.Add(1)
		time.Sleep(5 * time.Millisecond)
		writeChoices(w, "stop", "ok")
	}).URL
	opts := fastOptions(failing, slow)
	opts.GiveUpAfter = 20 * time.Millisecond
	opts.RestAfter = 2
	opts.RestFor = 10 * time.Millisecond
	opts.MaxRetries = 1 << 20
	c := newTestClient(t, opts)
	deadline := time.Now().Add(200 * time.Millisecond)
	for i := 0; time.Now().Before(deadline); i++ {
		if _, err := c.Complete(t.Context(), userRequest(fmt.Sprint(i))); err != nil {
			t.Fatalf("request %d with one working server: %v", i, err)
		}
	}
}

func TestTransientFaultsDoNotRest(t *testing.T) {
	t.Parallel()
	// One server, 16 in flight, faults in bursts of 4 in every 16 attempts
	// (25%): the faults come among many successes, so the server never
	// rests (it used to rest after 4 failures in a row).
	var n atomic.Int64
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		drain(r)
		if n.Add(1)%16 < 4 {
			http.Error(w, "overloaded", http.StatusServiceUnavailable)
			return
		}
		writeChoices(w, "stop", "ok")
	})
	var logs lockedBuffer
	opts := fastOptions(srv.URL)
	opts.RestAfter = 0 // the default: Concurrency
	opts.RestFor = 200 * time.Millisecond
	opts.MaxRetries = 100
	opts.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	c := newTestClient(t, opts)
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Go(func() {
			for i := range 20 {
				if _, err := c.Complete(t.Context(), userRequest(fmt.Sprint(w, i))); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if strings.Contains(logs.String(), "server failing") || c.endpoints[0].rests.Load() != 0 {
		t.Errorf("a server with transient faults was rested:\n%s", logs.String())
	}
}

func TestPersistBeforeSlotRelease(t *testing.T) {
	t.Parallel()
	// With one slot, the second request is not sent while the first
	// response is being persisted.
	var calls atomic.Int64
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		drain(r)
		calls.Add(1)
		writeChoices(w, "stop", "ok")
	})
	opts := fastOptions(srv.URL)
	opts.Concurrency = 1
	c := newTestClient(t, opts)
	entered := make(chan struct{})
	release := make(chan struct{})
	var persisted atomic.Int64
	req := userRequest("first")
	req.Persist = func(_ context.Context, first int, choices []Choice, _ Usage) error {
		if first != 0 || len(choices) != 1 || choices[0].Text != "ok" {
			t.Errorf("Persist(%d, %+v)", first, choices)
		}
		persisted.Add(1)
		close(entered)
		<-release
		return nil
	}
	done := make(chan error, 2)
	go func() { _, err := c.Complete(t.Context(), req); done <- err }()
	<-entered
	go func() { _, err := c.Complete(t.Context(), userRequest("second")); done <- err }()
	time.Sleep(50 * time.Millisecond)
	if n := calls.Load(); n != 1 {
		t.Errorf("%d requests sent while the first response was being persisted, want 1", n)
	}
	close(release)
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if persisted.Load() != 1 || calls.Load() != 2 {
		t.Errorf("persisted %d, sent %d", persisted.Load(), calls.Load())
	}
}

func TestPersistFanOutIndices(t *testing.T) {
	t.Parallel()
	// A server that ignores n: the client fans out, and Persist sees each
	// sample with its own index.
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		req := decodeTestRequest(t, r)
		writeChoices(w, "stop", fmt.Sprint("seed ", *req.Seed))
	})
	c := newTestClient(t, fastOptions(srv.URL))
	var mu sync.Mutex
	got := map[int]string{}
	req := userRequest("q")
	req.N, req.Seed = 4, seed(10)
	req.Persist = func(_ context.Context, first int, choices []Choice, _ Usage) error {
		mu.Lock()
		defer mu.Unlock()
		for j, ch := range choices {
			got[first+j] = ch.Text
		}
		return nil
	}
	resp, err := c.Complete(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	for i, ch := range resp.Choices {
		if got[i] != ch.Text {
			t.Errorf("sample %d: persisted %q, returned %q", i, got[i], ch.Text)
		}
	}
	if len(got) != 4 {
		t.Errorf("persisted %d samples, want 4", len(got))
	}
}

func TestPersistErrorFailsRequest(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		drain(r)
		writeChoices(w, "stop", "ok")
	})
	c := newTestClient(t, fastOptions(srv.URL))
	req := userRequest("q")
	req.Persist = func(context.Context, int, []Choice, Usage) error { return errors.New("disk full") }
	_, err := c.Complete(t.Context(), req)
	if err == nil || !strings.Contains(err.Error(), "save response: disk full") {
		t.Errorf("error = %v", err)
	}
	if st := c.Stats(); st.Retries != 0 {
		t.Errorf("a failed save was retried %d times", st.Retries)
	}
}
