package llm

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestGracefulStop checks that a request already sent finishes when its
// context is cancelled under WithAbort, that no new request starts after,
// and that cancelling the abort context ends a request at once.
func TestGracefulStop(t *testing.T) {
	started := make(chan struct{}, 4)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"choices":[{"index":0,"message":{"role":"assistant","content":"done"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1}}`))
	}))
	defer srv.Close()
	c, err := NewClient(Options{BaseURLs: []string{srv.URL}, Concurrency: 1, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	req := Request{Model: "m", Messages: []Message{{Role: "user", Content: "hi"}}, MaxTokens: 8}

	t.Run("in flight request finishes", func(t *testing.T) {
		soft, cancelSoft := context.WithCancel(context.Background())
		abort, cancelAbort := context.WithCancel(context.Background())
		defer cancelAbort()
		ctx := WithAbort(soft, abort)
		type out struct {
			resp *Response
			err  error
		}
		first, second := make(chan out, 1), make(chan out, 1)
		go func() { r, err := c.Complete(ctx, req); first <- out{r, err} }()
		<-started
		// The second request waits for the only slot.
		go func() { r, err := c.Complete(ctx, req); second <- out{r, err} }()
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
	})

	t.Run("abort ends it", func(t *testing.T) {
		soft, cancelSoft := context.WithCancel(context.Background())
		abort, cancelAbort := context.WithCancel(context.Background())
		ctx := WithAbort(soft, abort)
		done := make(chan error, 1)
		go func() { _, err := c.Complete(ctx, req); done <- err }()
		<-started
		cancelSoft()
		cancelAbort()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v, want context.Canceled", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("abort did not end the request")
		}
	})
}
