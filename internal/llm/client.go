package llm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
)

// Client is a Completer for OpenAI-compatible /v1/chat/completions servers.
// It balances requests over several endpoints, caps the requests in flight
// per endpoint, retries transient failures with backoff, and counts its work.
// A Client is safe for concurrent use.
type Client struct {
	opts Options
	// endpoints is the current fleet, replaced (never changed in place)
	// under epMu by SetServers; retired keeps the servers that left, for
	// Servers.
	epMu      sync.RWMutex
	endpoints []*endpoint
	retired   []*endpoint
	http      *http.Client
	log       *slog.Logger
	key       secret
	auth      string // "Bearer <key>", or "" without a key
	next      atomic.Uint64
	stats     counters
	limits    *rateLimits
	gaveUp    atomic.Pointer[GaveUpError] // set once every endpoint failed for GiveUpAfter
}

var _ Completer = (*Client)(nil)

// NewClient returns a client for the servers in opts.BaseURLs.
func NewClient(opts Options) (*Client, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if len(opts.BaseURLs) == 0 {
		return nil, errors.New("llm: no base URL")
	}
	if err := opts.RateLimits.validate(); err != nil {
		return nil, err
	}
	c := &Client{opts: opts, log: opts.Logger, key: secret(opts.APIKey), http: opts.HTTPClient}
	c.limits = newRateLimits(opts.RateLimits, opts.Logger)
	seen := make(map[string]bool, len(opts.BaseURLs))
	for _, base := range opts.BaseURLs {
		ep, err := newEndpoint(base, opts.Concurrency)
		if err != nil {
			return nil, err
		}
		if seen[ep.url] {
			return nil, fmt.Errorf("llm: base URL %q given twice", ep.name)
		}
		seen[ep.url] = true
		c.endpoints = append(c.endpoints, ep)
	}
	if c.http == nil {
		c.http = newHTTPClient(opts.Concurrency)
	}
	if opts.APIKey != "" {
		c.auth = "Bearer " + opts.APIKey
	}
	c.opts.APIKey = "" // kept only in key and auth
	return c, nil
}

// String describes the client by its endpoints, never its key.
func (c *Client) String() string {
	eps := c.fleet()
	names := make([]string, len(eps))
	for i, ep := range eps {
		names[i] = ep.name
	}
	return fmt.Sprintf("llm.Client%v", names)
}

// GoString is String, so that %#v cannot print the key either.
func (c *Client) GoString() string { return c.String() }

// Stats returns a snapshot of the client's counters.
func (c *Client) Stats() Stats { return c.stats.snapshot() }

// Complete sends req and returns exactly max(req.N, 1) choices in index
// order. A choice cut short by max_tokens has FinishReason "length"; that is
// not an error. Errors after the retries are exhausted wrap the last
// attempt's error, which is an *APIError for HTTP error statuses.
func (c *Client) Complete(ctx context.Context, req Request) (*Response, error) {
	if err := validate(req); err != nil {
		return nil, err
	}
	n := max(req.N, 1)
	resp := &Response{Choices: make([]Choice, 0, n)}
	if n == 1 || !c.anyEndpointTakesN() {
		if err := c.fanOut(ctx, req, resp, 0, n); err != nil {
			return nil, err
		}
	} else {
		choices, usage, err := c.sample(ctx, req, n, req.Seed, 0)
		if err != nil {
			return nil, err
		}
		resp.Choices = append(resp.Choices, choices...)
		resp.Usage = usage
		if len(resp.Choices) < n {
			if err := c.fanOut(ctx, req, resp, len(resp.Choices), n); err != nil {
				return nil, err
			}
		}
	}
	c.stats.completions.Add(1)
	return resp, nil
}

// fanOut fills resp.Choices[from:n] with one single-sample request each,
// sample i seeded with Seed+i when the request has a seed.
func (c *Client) fanOut(ctx context.Context, req Request, resp *Response, from, n int) error {
	resp.Choices = resp.Choices[:n]
	if n-from == 1 {
		choices, usage, err := c.sample(ctx, req, 1, seedAt(req.Seed, from), from)
		if err != nil {
			return err
		}
		resp.Choices[from] = Choice{Index: from, Text: choices[0].Text, FinishReason: choices[0].FinishReason}
		resp.Usage = addUsage(resp.Usage, usage)
		return nil
	}
	usages := make([]Usage, n)
	g, gctx := errgroup.WithContext(ctx)
	for i := from; i < n; i++ {
		g.Go(func() error {
			choices, usage, err := c.sample(gctx, req, 1, seedAt(req.Seed, i), i)
			if err != nil {
				return fmt.Errorf("sample %d of %d: %w", i, n, err)
			}
			resp.Choices[i] = Choice{Index: i, Text: choices[0].Text, FinishReason: choices[0].FinishReason}
			usages[i] = usage
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	for _, u := range usages[from:] {
		resp.Usage = addUsage(resp.Usage, u)
	}
	return nil
}

func seedAt(seed *int64, i int) *int64 {
	if seed == nil {
		return nil
	}
	s := *seed + int64(i)
	return &s
}

func addUsage(a, b Usage) Usage {
	return Usage{PromptTokens: a.PromptTokens + b.PromptTokens, CompletionTokens: a.CompletionTokens + b.CompletionTokens}
}

func validate(req Request) error {
	switch {
	case req.Model == "":
		return errors.New("llm: request has no model")
	case len(req.Messages) == 0:
		return errors.New("llm: request has no messages")
	case req.N < 0:
		return fmt.Errorf("llm: request n = %d, want >= 0", req.N)
	case req.MaxTokens < 0:
		return fmt.Errorf("llm: request max_tokens = %d, want >= 0", req.MaxTokens)
	}
	return nil
}

// anyEndpointTakesN reports whether some endpoint may honour n > 1.
func (c *Client) anyEndpointTakesN() bool {
	for _, ep := range c.fleet() {
		if !ep.dropped.Load() && ep.n.Load() != nUnsupported {
			return true
		}
	}
	return false
}

// sample asks for n samples in one request, retrying failed attempts. It
// returns between 1 and n choices: fewer when the endpoint ignores n or
// rejects it, which is then remembered for that endpoint. first is the
// index of the first sample within req, for req.Persist.
func (c *Client) sample(ctx context.Context, req Request, n int, seed *int64, first int) ([]Choice, Usage, error) {
	free := 0 // attempts that failed on a server that left the fleet meanwhile
	for attempt := 0; ; attempt++ {
		if g := c.gaveUp.Load(); g != nil {
			return nil, Usage{}, g
		}
		if attempt > 0 {
			c.stats.retries.Add(1)
		}
		ep, err := c.pick(ctx)
		if err != nil {
			return nil, Usage{}, err
		}
		res := c.attemptOn(ctx, ep, req, n, seed, first)
		if res.err == nil {
			return res.choices, res.usage, nil
		}
		if err := ctx.Err(); err != nil {
			if errors.Is(res.err, err) {
				return nil, Usage{}, fmt.Errorf("llm: %w", err)
			}
			return nil, Usage{}, fmt.Errorf("llm: %w (last attempt: %w)", err, res.err)
		}
		if ep.removed.Load() {
			// The server left the fleet (SetServers) while the attempt
			// ran: the work moves to the others, using up no retry.
			free++
			c.log.LogAttrs(ctx, slog.LevelDebug, "llm: moving a request off a server that left",
				slog.String("endpoint", ep.name), slog.String("error", res.err.Error()))
			continue
		}
		if !res.retryable {
			return nil, Usage{}, res.err
		}
		if g := c.checkGiveUp(time.Now()); g != nil {
			return nil, Usage{}, g
		}
		if attempt-free >= c.opts.MaxRetries {
			return nil, Usage{}, fmt.Errorf("llm: giving up after %d attempts: %w", attempt+1-free, res.err)
		}
		// The backoff grows with the attempts only while the server is
		// down; a fault among successes (the server answers everyone else)
		// is retried after a short jitter of at most a tenth of
		// BackoffBase, so that no request sits out seconds for nothing.
		delay := backoff(0, c.opts.BackoffBase/10, c.opts.BackoffBase/10)
		if ep.down.Load() {
			delay = backoff(attempt-free, c.opts.BackoffBase, c.opts.BackoffMax)
		}
		if res.retryAfter > 0 {
			delay = res.retryAfter
		}
		c.log.LogAttrs(ctx, slog.LevelDebug, "llm: retrying",
			slog.String("endpoint", ep.name), slog.String("kind", string(res.kind)),
			slog.Int("attempt", attempt+1), slog.Duration("delay", delay),
			slog.String("error", res.err.Error()))
		if err := c.sleepUnlessGivenUp(ctx, delay); err != nil {
			if g := c.gaveUp.Load(); g != nil {
				return nil, Usage{}, g
			}
			return nil, Usage{}, fmt.Errorf("llm: %w (last attempt: %w)", err, res.err)
		}
	}
}

// attemptOn runs one attempt on ep (releasing it after) and, when ep
// rejects n > 1 with HTTP 400, one more attempt with n = 1 on the same slot.
//
// A successful attempt's choices go to req.Persist before the slot is
// released, so that a response is durable before another request is sent
// in its place.
func (c *Client) attemptOn(ctx context.Context, ep *endpoint, req Request, n int, seed *int64, first int) result {
	defer ep.inflight.Add(-1)
	if err := ep.acquire(ctx); err != nil {
		return result{err: err}
	}
	defer ep.release()
	if ep.removed.Load() {
		// It left the fleet while this request waited for it.
		return result{err: fmt.Errorf("llm: %s left the fleet", ep.name)}
	}
	sendN := n
	if ep.n.Load() == nUnsupported {
		sendN = 1
	}
	res := ep.count(c.do(ctx, ep, req, sendN, seed))
	var apiErr *APIError
	if sendN > 1 && errors.As(res.err, &apiErr) && apiErr.StatusCode == http.StatusBadRequest {
		res = ep.count(c.do(ctx, ep, req, 1, seed))
		if res.err == nil {
			c.markN(ep, nUnsupported, "rejects n > 1: "+apiErr.Message)
		}
		c.health(ep, res)
		return c.persist(ctx, req, first, res)
	}
	if res.err == nil && sendN > 1 {
		if len(res.choices) < sendN {
			c.markN(ep, nUnsupported, fmt.Sprintf("returned %d choices for n = %d", len(res.choices), sendN))
		} else {
			c.markN(ep, nSupported, "")
		}
	}
	c.health(ep, res)
	return c.persist(ctx, req, first, res)
}

// persist hands a successful attempt's choices to req.Persist; a failure
// to save fails the request (it is not the server's fault: no retry).
func (c *Client) persist(ctx context.Context, req Request, first int, res result) result {
	if res.err != nil || req.Persist == nil {
		return res
	}
	if err := req.Persist(ctx, first, res.choices, res.usage); err != nil {
		return result{err: fmt.Errorf("llm: save response: %w", err)}
	}
	return res
}

func (c *Client) markN(ep *endpoint, v nSupport, why string) {
	if old := ep.n.Swap(v); old != v && v == nUnsupported {
		c.log.Info("llm: endpoint does not honour n; sending one request per sample",
			slog.String("endpoint", ep.name), slog.String("why", why))
	}
}

// health updates ep's failure streak and rest after an attempt. A server
// rests only when it is down: RestAfter attempts in a row failed, with no
// success between them. The cause (the last error) is logged once when it
// goes down, and once more when it answers again.
func (c *Client) health(ep *endpoint, res result) {
	switch {
	case res.err != nil && res.kind == "":
		// Canceled by the caller: says nothing about the endpoint.
	case res.err == nil || !res.retryable:
		if ep.succeeded(res.sent) {
			c.log.Warn("llm: server answers again", slog.String("endpoint", ep.name))
		}
	default:
		// A Retry-After delays the retry of its own request (see sample);
		// the endpoint keeps serving the others unless it keeps failing.
		now := time.Now()
		streak := ep.failed(res.err, now)
		if streak < int64(c.opts.RestAfter) || ep.resting(now) {
			return
		}
		rest := c.opts.RestFor
		if c.usable() == 1 {
			// Nowhere else to send the work: back off briefly, never stall.
			k := min(int(ep.rests.Add(1))-1, 30)
			rest = min(rest, maxSoloRest, c.opts.BackoffBase<<k)
		}
		if ep.down.CompareAndSwap(false, true) {
			c.log.Warn("llm: server failing; retrying it (the run stops if every server keeps failing)",
				slog.String("endpoint", ep.name), slog.String("cause", res.err.Error()),
				slog.Int64("consecutive_failures", streak), slog.Duration("rest", rest),
				slog.Duration("give_up_after", c.opts.GiveUpAfter))
		}
		ep.restUntil(now.Add(rest))
	}
}

// UsableServers is the number of servers the client sends work to: those
// that passed Probe (all of them without a probe).
func (c *Client) UsableServers() int { return c.usable() }

// usable is the number of endpoints that passed the probe (all of them
// without a probe).
func (c *Client) usable() int {
	n := 0
	for _, ep := range c.fleet() {
		if !ep.dropped.Load() {
			n++
		}
	}
	return n
}

// pick chooses the endpoint with the fewest requests in flight among those
// not resting, and counts the caller in its in-flight number. When every
// endpoint rests it waits for the first one to wake, or for the client to
// give up.
func (c *Client) pick(ctx context.Context) (*endpoint, error) {
	for {
		if g := c.gaveUp.Load(); g != nil {
			return nil, g
		}
		now := time.Now()
		var best, wake *endpoint
		eps := c.fleet()
		start := int(c.next.Add(1) % uint64(max(len(eps), 1)))
		for i := range eps {
			ep := eps[(start+i)%len(eps)]
			if ep.dropped.Load() {
				continue
			}
			if ep.resting(now) {
				if wake == nil || ep.restTill.Load() < wake.restTill.Load() {
					wake = ep
				}
				continue
			}
			if best == nil || ep.inflight.Load() < best.inflight.Load() {
				best = ep
			}
		}
		if best != nil {
			best.inflight.Add(1)
			return best, nil
		}
		if wake == nil {
			return nil, errors.New("llm: no usable server")
		}
		if g := c.checkGiveUp(now); g != nil {
			return nil, g
		}
		// Jitter the wake-up so that the requests queued behind a rest do
		// not all arrive in the same instant.
		wait := time.Until(time.Unix(0, wake.restTill.Load())) + rand.N(c.opts.BackoffBase)
		if err := c.sleepUnlessGivenUp(ctx, wait); err != nil {
			if g := c.gaveUp.Load(); g != nil {
				return nil, g
			}
			return nil, err
		}
	}
}
