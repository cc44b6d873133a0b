package llm

import (
	"context"
	"fmt"
	redact "github.com/regenesis-ai/regenesis/internal/secret"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// nSupport records what an endpoint does with n > 1.
type nSupport = int32

const (
	nUnknown nSupport = iota
	nSupported
	nUnsupported // ignores n or rejects it: fan out instead
)

// endpoint is one server, with its own concurrency cap and health.
type endpoint struct {
	url  string // the chat-completions URL
	name string // url without credentials, for logs and errors

	slots    chan struct{} // one token per request allowed in flight
	inflight atomic.Int64  // requests assigned: waiting for a slot or running
	failures atomic.Int64  // consecutive failed attempts
	restTill atomic.Int64  // unix nanoseconds until which it takes no work
	n        atomic.Int32  // an nSupport

	// failingSince is when the current failure streak began (unix
	// nanoseconds); 0 while the last attempt succeeded.
	failingSince atomic.Int64
	down         atomic.Bool  // resting after a streak; reported once per streak
	rests        atomic.Int32 // rests in the current streak, for the one-server backoff
	dropped      atomic.Bool  // failed the probe: takes no work
	removed      atomic.Bool  // left the fleet (SetServers): takes no work

	// What it served: attempts sent, those answered and failed, and the
	// tokens of the answers.
	attempts, answered, failedN atomic.Int64
	promptTokens, completion    atomic.Int64

	mu      sync.Mutex
	lastErr error // the last failed attempt's error, for the give-up message
}

func newEndpoint(base string, concurrency int) (*endpoint, error) {
	u, err := normalizeBaseURL(base)
	if err != nil {
		return nil, err
	}
	return &endpoint{url: u.String(), name: redact.Shapes(u.Redacted()), slots: make(chan struct{}, concurrency)}, nil
}

// normalizeBaseURL turns a base URL into the chat-completions URL:
// "http://h:8000" and "http://h:8000/v1" both give
// "http://h:8000/v1/chat/completions"; a URL that already ends in
// "/chat/completions" is kept.
func normalizeBaseURL(base string) (*url.URL, error) {
	raw := strings.TrimSpace(base)
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("llm: base URL %q: %w", redactURLString(raw), err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("llm: base URL %q: scheme must be http or https", u.Redacted())
	}
	if u.Host == "" {
		return nil, fmt.Errorf("llm: base URL %q: no host", u.Redacted())
	}
	path := strings.TrimRight(u.Path, "/")
	switch {
	case strings.HasSuffix(path, "/chat/completions"):
	case path == "":
		path = "/v1/chat/completions"
	default:
		path += "/chat/completions"
	}
	u.Path, u.RawPath = path, ""
	u.Fragment = ""
	return u, nil
}

// redactURLString hides anything that looks like userinfo in an
// unparseable URL.
func redactURLString(s string) string {
	if at := strings.LastIndex(s, "@"); at >= 0 {
		if scheme := strings.Index(s, "://"); scheme >= 0 && scheme < at {
			return s[:scheme+3] + "xxxxx@" + s[at+1:]
		}
	}
	return s
}

// count adds an attempt's outcome to the endpoint's tallies.
func (e *endpoint) count(res result) result {
	if res.err != nil && res.kind == "" {
		return res // never sent, or cancelled by the caller
	}
	e.attempts.Add(1)
	if res.err != nil {
		e.failedN.Add(1)
		return res
	}
	e.answered.Add(1)
	e.promptTokens.Add(res.usage.PromptTokens)
	e.completion.Add(res.usage.CompletionTokens)
	return res
}

// resting reports whether the endpoint rests at now.
func (e *endpoint) resting(now time.Time) bool {
	return e.restTill.Load() > now.UnixNano()
}

// restUntil extends the endpoint's rest to t (never shortens it).
func (e *endpoint) restUntil(t time.Time) {
	ns := t.UnixNano()
	for {
		cur := e.restTill.Load()
		if cur >= ns || e.restTill.CompareAndSwap(cur, ns) {
			return
		}
	}
}

// succeeded clears the failure streak and any rest, and reports whether
// the endpoint was down (resting) until now.
//
// A success of an attempt sent before the current failure streak began
// says nothing about the server since (requests in flight when it broke
// still finish): it leaves the streak as it is, and reports false.
func (e *endpoint) succeeded(sent time.Time) (wasDown bool) {
	if since := e.failingSince.Load(); since != 0 && !sent.IsZero() && sent.UnixNano() < since {
		return false
	}
	if e.failures.Load() != 0 {
		e.failures.Store(0)
	}
	if e.failingSince.Load() != 0 {
		e.failingSince.Store(0)
	}
	if e.restTill.Load() != 0 {
		e.restTill.Store(0)
	}
	if e.rests.Load() != 0 {
		e.rests.Store(0)
	}
	return e.down.Load() && e.down.Swap(false)
}

// failed records a failed attempt at now with its error and reports the
// new failure streak.
func (e *endpoint) failed(err error, now time.Time) int64 {
	e.failingSince.CompareAndSwap(0, now.UnixNano())
	e.mu.Lock()
	e.lastErr = err
	e.mu.Unlock()
	return e.failures.Add(1)
}

// lastError returns the error of the endpoint's last failed attempt.
func (e *endpoint) lastError() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.lastErr
}

// acquire waits for a free slot on e; the caller has already counted
// itself in e.inflight.
func (e *endpoint) acquire(ctx context.Context) error {
	select {
	case e.slots <- struct{}{}:
		return nil
	default:
	}
	select {
	case e.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (e *endpoint) release() { <-e.slots }
