package llm

import (
	"bytes"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestFailingEndpointRests(t *testing.T) {
	t.Parallel()
	var badCalls, goodCalls atomic.Int64
	bad := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		drain(r)
		badCalls.Add(1)
		http.Error(w, "down", http.StatusServiceUnavailable)
	})
	good := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		drain(r)
		goodCalls.Add(1)
		writeChoices(w, "stop", "ok")
	})
	opts := fastOptions(bad.URL, good.URL)
	opts.RestAfter = 2
	opts.RestFor = time.Hour
	c := newTestClient(t, opts)
	const requests = 20
	for i := range requests {
		resp, err := c.Complete(t.Context(), userRequest(fmt.Sprint(i)))
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if resp.Choices[0].Text != "ok" {
			t.Fatalf("request %d: text %q", i, resp.Choices[0].Text)
		}
	}
	if got := badCalls.Load(); got != 2 {
		t.Errorf("failing endpoint got %d requests, want 2 (then it rests)", got)
	}
	if got := goodCalls.Load(); got != requests {
		t.Errorf("healthy endpoint got %d requests, want %d", got, requests)
	}
}

func TestOnlyEndpointRestsBriefly(t *testing.T) {
	t.Parallel()
	// With a single endpoint there is nowhere else to go: it rests for a
	// short backoff, not for RestFor, and then serves the request.
	var calls atomic.Int64
	var failedAt atomic.Int64
	var gap atomic.Int64
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		drain(r)
		switch calls.Add(1) {
		case 1, 2:
			failedAt.Store(time.Now().UnixNano())
			http.Error(w, "down", http.StatusInternalServerError)
			return
		case 3:
			gap.Store(time.Now().UnixNano() - failedAt.Load())
		}
		writeChoices(w, "stop", "ok")
	})
	opts := fastOptions(srv.URL)
	opts.RestAfter = 2
	opts.RestFor = time.Hour
	opts.BackoffBase = 50 * time.Millisecond
	opts.BackoffMax = 50 * time.Millisecond
	c := newTestClient(t, opts)
	start := time.Now()
	if _, err := c.Complete(t.Context(), userRequest("q")); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > maxSoloRest+time.Second {
		t.Errorf("Complete took %v; the only server must rest briefly, not for RestFor", took)
	}
	if g := time.Duration(gap.Load()); g < opts.BackoffBase {
		t.Errorf("the retry came %v after the second failure, want a rest of at least %v", g, opts.BackoffBase)
	}
}

func TestLeastInFlightBalancing(t *testing.T) {
	t.Parallel()
	// Endpoint a is slow, b is fast: with requests in flight on a, new work
	// goes to b.
	var aCalls, bCalls atomic.Int64
	release := make(chan struct{})
	parked := make(chan struct{}, 1) // a holds a request
	a := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		drain(r)
		aCalls.Add(1)
		select {
		case parked <- struct{}{}:
		default:
		}
		<-release
		writeChoices(w, "stop", "a")
	})
	b := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		drain(r)
		bCalls.Add(1)
		writeChoices(w, "stop", "b")
	})
	c := newTestClient(t, fastOptions(a.URL, b.URL))
	var wg sync.WaitGroup
	// Park a request on a (idle endpoints take turns, so send until a
	// holds one: a request that went to b returns at once).
	for isParked := false; !isParked; {
		returned := make(chan struct{})
		wg.Go(func() {
			defer close(returned)
			if _, err := c.Complete(t.Context(), userRequest("slow")); err != nil {
				t.Error(err)
			}
		})
		select {
		case <-parked:
			isParked = true
		case <-returned:
		}
	}
	before := bCalls.Load()
	for range 10 {
		if _, err := c.Complete(t.Context(), userRequest("fast")); err != nil {
			t.Fatal(err)
		}
	}
	if got := bCalls.Load() - before; got != 10 {
		t.Errorf("idle endpoint got %d of 10 requests while the other had one in flight", got)
	}
	close(release)
	wg.Wait()
}

func TestAPIKeyNeverLeaks(t *testing.T) {
	t.Parallel()
	const key = "sk-SECRET-do-not-leak-123"
	// The server echoes the Authorization header into its errors, as some
	// proxies do.
	var calls atomic.Int64
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		drain(r)
		auth := r.Header.Get("Authorization")
		if auth != "Bearer "+key {
			t.Errorf("server: Authorization = %q", auth)
		}
		switch calls.Add(1) {
		case 1:
			http.Error(w, `{"error":{"message":"upstream rejected `+auth+`","type":"`+key+`"}}`, http.StatusInternalServerError)
		case 2:
			_, _ = io.WriteString(w, `not json `+auth)
		default:
			http.Error(w, `{"error":{"message":"invalid key `+auth+`"}}`, http.StatusUnauthorized)
		}
	})
	var logs bytes.Buffer
	opts := fastOptions(srv.URL)
	opts.APIKey = key
	opts.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := newTestClient(t, opts)
	_, err := c.Complete(t.Context(), userRequest("q"))
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnauthorized {
		t.Fatalf("error = %v, want HTTP 401", err)
	}
	if !strings.Contains(logs.String(), "llm: retrying") {
		t.Fatalf("expected retry logs, got %q", logs.String())
	}
	for what, text := range map[string]string{
		"error":       err.Error(),
		"logs":        logs.String(),
		"api message": apiErr.Message,
		"stats":       fmt.Sprintf("%+v", c.Stats()),
		"client":      fmt.Sprintf("%v %+v %#v %s", c, c, c, c),
	} {
		if strings.Contains(text, key) {
			t.Errorf("API key appears in %s: %s", what, text)
		}
	}
	if !strings.Contains(err.Error(), redacted) {
		t.Errorf("error = %q, want the key replaced by %s", err, redacted)
	}
}

// TestMixedFaultsUnderLoad sends many concurrent requests to a server that
// fails attempts in every way it can and checks that each request gets
// exactly its own answer, once.
func TestMixedFaultsUnderLoad(t *testing.T) {
	t.Parallel()
	const requests = 300
	faults := []string{"ok", "ok", "ok", "429", "500", "drop", "slow", "malformed", "truncated-body"}
	var (
		mu        sync.Mutex
		attempts  = map[string]int{}
		successes = map[string]int{}
		total     atomic.Int64
	)
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		var req testRequest
		if err := decodeJSON(r, &req); err != nil {
			t.Errorf("server: %v", err)
			return
		}
		total.Add(1)
		id := req.Messages[0].Content
		mu.Lock()
		attempts[id]++
		attempt := attempts[id]
		mu.Unlock()
		// Deterministic per (id, attempt); attempts beyond the third succeed.
		h := fnv.New32a()
		fmt.Fprintf(h, "%s/%d", id, attempt)
		fault := faults[h.Sum32()%uint32(len(faults))]
		if attempt > 3 {
			fault = "ok"
		}
		switch fault {
		case "429":
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
		case "500":
			w.WriteHeader(http.StatusInternalServerError)
		case "drop":
			dropConnection(t, w)
		case "slow":
			<-r.Context().Done()
		case "malformed":
			_, _ = io.WriteString(w, `{"choices":[{"index":0,"message":{"content":"answer-`)
		case "truncated-body":
			w.Header().Set("Content-Length", "1000")
			_, _ = io.WriteString(w, `{"choices":[`)
			w.(http.Flusher).Flush()
			dropConnection(t, w)
		default:
			mu.Lock()
			successes[id]++
			mu.Unlock()
			writeChoices(w, "stop", "answer-"+id)
		}
	})
	opts := fastOptions(srv.URL)
	opts.Concurrency = 64
	// Long enough that a good answer is never late (even under -race), so
	// the server's count of answers it gave is exact.
	opts.Timeout = time.Second
	opts.MaxRetries = 5
	c := newTestClient(t, opts)

	got := make([]string, requests)
	var wg sync.WaitGroup
	for i := range requests {
		wg.Go(func() {
			resp, err := c.Complete(t.Context(), userRequest(fmt.Sprintf("req-%d", i)))
			if err != nil {
				t.Errorf("request %d: %v", i, err)
				return
			}
			got[i] = resp.Choices[0].Text
		})
	}
	wg.Wait()

	for i := range requests {
		id := fmt.Sprintf("req-%d", i)
		if want := "answer-" + id; got[i] != want {
			t.Errorf("request %d got %q, want %q", i, got[i], want)
		}
		if successes[id] != 1 {
			t.Errorf("server answered %s successfully %d times, want exactly 1", id, successes[id])
		}
	}
	st := c.Stats()
	var failed int64
	for _, n := range st.Errors {
		failed += n
	}
	// An attempt can fail before the server reads it (a kept-alive
	// connection the server just closed), never the other way round.
	if total.Load() > st.Requests {
		t.Errorf("client sent %d attempts, server saw more: %d", st.Requests, total.Load())
	}
	if st.Requests != requests+failed || st.Retries != failed {
		t.Errorf("stats = %+v: want requests = %d + failed attempts (%d) and retries = failed attempts", st, requests, failed)
	}
	if failed == 0 {
		t.Error("no faults were injected; the test proves nothing")
	}
	t.Logf("attempts %d, faults by kind %v", st.Requests, st.Errors)
}
