package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// maxResponseBytes bounds a response body.
const maxResponseBytes = 64 << 20

// result is the outcome of one HTTP attempt.
type result struct {
	choices    []Choice
	usage      Usage
	err        error
	kind       ErrorKind // set when err is a failed attempt
	retryable  bool
	retryAfter time.Duration
	header     http.Header // the response's headers, when one came
	// sent is when the attempt was sent: a success tells about the
	// server only from then on (see Client.health).
	sent time.Time
}

// do sends one HTTP request for n samples to ep, bounded by Options.Timeout.
func (c *Client) do(ctx context.Context, ep *endpoint, req Request, n int, seed *int64) (res result) {
	sent := time.Now()
	defer func() { res.sent = sent }()
	body, err := json.Marshal(newWireRequest(req, n, seed))
	if err != nil {
		return result{err: fmt.Errorf("llm: encode request: %w", err)}
	}
	lim, charged, err := c.admit(ctx, ep, req, n)
	if err != nil {
		return result{err: err}
	}
	sent = time.Now() // after any wait for the rate limits
	// A request that is sent runs to its end when ctx is cancelled under
	// WithAbort, so that its result can be saved (a graceful stop).
	dctx, stop := Draining(ctx)
	defer stop()
	actx, cancel := context.WithTimeout(dctx, c.opts.Timeout)
	defer cancel()
	hreq, err := http.NewRequestWithContext(actx, http.MethodPost, ep.url, bytes.NewReader(body))
	if err != nil {
		return result{err: c.key.redactErr(fmt.Errorf("llm: %s: %w", ep.name, err))}
	}
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set("Accept", "application/json")
	if c.auth != "" {
		hreq.Header.Set("Authorization", c.auth)
	}

	c.stats.requests.Add(1)
	c.stats.inFlight.Add(1)
	res = c.roundTrip(ctx, actx, ep, hreq, n)
	c.stats.inFlight.Add(-1)
	c.settle(lim, charged, res, n)
	if res.err == nil {
		c.stats.addUsage(res.usage)
	} else if res.kind != "" {
		c.stats.addError(res.kind)
	}
	return res
}

func (c *Client) roundTrip(ctx, actx context.Context, ep *endpoint, hreq *http.Request, n int) result {
	hresp, err := c.http.Do(hreq)
	if err != nil {
		return c.transportFailure(ctx, actx, ep, err)
	}
	defer hresp.Body.Close()
	raw, err := readBody(hresp)
	if err != nil {
		return c.transportFailure(ctx, actx, ep, err)
	}
	if hresp.StatusCode != http.StatusOK {
		apiErr := newAPIError(ep.name, hresp.StatusCode, raw, c.key.redact)
		res := result{err: apiErr, retryable: apiErr.Retryable(), kind: ErrClient, header: hresp.Header}
		switch {
		case hresp.StatusCode == http.StatusTooManyRequests:
			res.kind = ErrRateLimited
		case res.retryable:
			res.kind = ErrServer
		}
		if res.retryable {
			res.retryAfter, _ = retryAfter(hresp.Header, time.Now())
		}
		return res
	}
	choices, usage, err := decodeResponse(raw, n)
	if err != nil {
		return result{
			err:       c.key.redactErr(fmt.Errorf("llm: %s: HTTP 200 with unusable body: %w", ep.name, err)),
			kind:      ErrMalformed,
			retryable: true,
		}
	}
	return result{choices: choices, usage: usage, header: hresp.Header}
}

// transportFailure classifies an error from sending or reading: the
// caller's cancellation ends the request; the attempt's own deadline and
// broken connections are retried.
func (c *Client) transportFailure(ctx, actx context.Context, ep *endpoint, err error) result {
	if ctx.Err() != nil {
		return result{err: ctx.Err()}
	}
	kind := ErrNetwork
	if errors.Is(actx.Err(), context.DeadlineExceeded) {
		kind = ErrTimeout
		err = fmt.Errorf("no response within %v: %w", c.opts.Timeout, err)
	}
	return result{
		err:       c.key.redactErr(fmt.Errorf("llm: %s: %w", ep.name, err)),
		kind:      kind,
		retryable: true,
	}
}

// readBody reads a response body of at most maxResponseBytes, in one
// allocation when the server sent its length.
func readBody(hresp *http.Response) ([]byte, error) {
	if n := hresp.ContentLength; n >= 0 && n <= maxResponseBytes {
		buf := make([]byte, n)
		if _, err := io.ReadFull(hresp.Body, buf); err != nil {
			return nil, err
		}
		return buf, nil
	}
	return io.ReadAll(io.LimitReader(hresp.Body, maxResponseBytes))
}
