package llm

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestGracefulStop checks that a request already sent finishes when its
// context is cancelled under WithAbort, that no new request starts after,
// and that cancelling the abort context ends a request at once.
// blockingServer answers each request once release is closed; started
// receives a value as each request arrives.
func blockingServer(t *testing.T) (c *Client, started chan struct{}, release chan struct{}) {
	t.Helper()
	started, release = make(chan struct{}, 4), make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Read the body first, as a real server does: only then does
		// net/http notice a client that hangs up.
		_, _ = io.Copy(io.Discard, r.Body)
		started <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"choices":[{"index":0,"message":{"role":"assistant","content":"done"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1}}`))
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(Options{BaseURLs: []string{srv.URL}, Concurrency: 1, GiveUpAfter: DefaultGiveUpAfter})
	if err != nil {
		t.Fatal(err)
	}
	return c, started, release
}

var drainReq = Request{Model: "m", Messages: []Message{{Role: "user", Content: "hi"}}, MaxTokens: 8}

// TestGracefulStop checks that a request already sent finishes when its
// context is cancelled under WithAbort, and that no new request starts after.
func TestGracefulStop(t *testing.T) {
	t.Parallel()
	c, started, release := blockingServer(t)
	soft, cancelSoft := context.WithCancel(context.Background())
	abort, cancelAbort := context.WithCancel(context.Background())
	defer cancelAbort()
	ctx := WithAbort(soft, abort)
	type out struct {
		resp *Response
		err  error
	}
	first, second := make(chan out, 1), make(chan out, 1)
	go func() { r, err := c.Complete(ctx, drainReq); first <- out{r, err} }()
	<-started
	// The second request waits for the only slot.
	go func() { r, err := c.Complete(ctx, drainReq); second <- out{r, err} }()
	time.Sleep(20 * time.Millisecond)
	cancelSoft()
	got2 := <-second
	if !errors.Is(got2.err, context.Canceled) {
		t.Fatalf("queued request after stop: err = %v, want context.Canceled", got2.err)
	}
	close(release)
	got1 := <-first
	if got1.err != nil || got1.resp.Choices[0].Text != "done" {
		t.Fatalf("request in flight at the stop: %+v, %v; want its reply", got1.resp, got1.err)
	}
	select {
	case <-started:
		t.Fatal("a new request was sent after the stop")
	default:
	}
}

// TestAbortEndsRequestInFlight checks that cancelling the abort context
// ends a request that a graceful stop let run on.
func TestAbortEndsRequestInFlight(t *testing.T) {
	t.Parallel()
	c, started, _ := blockingServer(t)
	soft, cancelSoft := context.WithCancel(context.Background())
	abort, cancelAbort := context.WithCancel(context.Background())
	ctx := WithAbort(soft, abort)
	done := make(chan error, 1)
	go func() { _, err := c.Complete(ctx, drainReq); done <- err }()
	<-started
	cancelSoft()
	select {
	case err := <-done:
		t.Fatalf("request ended on the graceful stop (err = %v); it should run on", err)
	case <-time.After(50 * time.Millisecond):
	}
	cancelAbort()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("abort did not end the request")
	}
}
