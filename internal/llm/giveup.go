package llm

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrGaveUp is wrapped by the error of every Complete call after every
// server failed continuously for Options.GiveUpAfter.
var ErrGaveUp = errors.New("llm: every server kept failing")

// GaveUpError says that every usable server failed continuously for After,
// with the last error of each: the cause a user needs to fix.
type GaveUpError struct {
	After  time.Duration
	Causes []error
}

// Error implements error.
func (e *GaveUpError) Error() string {
	msgs := make([]string, len(e.Causes))
	for i, err := range e.Causes {
		msgs[i] = err.Error()
	}
	what := "last error"
	if len(msgs) > 1 {
		what = "last errors"
	}
	return fmt.Sprintf("llm: every server failed for %v without answering once; %s: %s",
		e.After.Round(time.Millisecond), what, strings.Join(msgs, "; "))
}

// Unwrap returns ErrGaveUp and the causes.
func (e *GaveUpError) Unwrap() []error { return append([]error{ErrGaveUp}, e.Causes...) }

// giveUpAt reports when the client gives up if no attempt succeeds
// meanwhile: GiveUpAfter after the latest start of the usable endpoints'
// failure streaks. It reports false while some usable endpoint's last
// attempt succeeded, or when giving up is disabled.
func (c *Client) giveUpAt() (time.Time, bool) {
	if c.opts.GiveUpAfter == 0 {
		return time.Time{}, false
	}
	var latest int64
	for _, ep := range c.fleet() {
		if ep.dropped.Load() {
			continue
		}
		since := ep.failingSince.Load()
		if since == 0 {
			return time.Time{}, false
		}
		latest = max(latest, since)
	}
	if latest == 0 {
		return time.Time{}, false
	}
	return time.Unix(0, latest).Add(c.opts.GiveUpAfter), true
}

// checkGiveUp gives up (once, for every caller from then on) when every
// usable endpoint has failed continuously for GiveUpAfter at now.
func (c *Client) checkGiveUp(now time.Time) *GaveUpError {
	if g := c.gaveUp.Load(); g != nil {
		return g
	}
	at, ok := c.giveUpAt()
	if !ok || now.Before(at) {
		return nil
	}
	g := &GaveUpError{After: c.opts.GiveUpAfter}
	for _, ep := range c.fleet() {
		if ep.dropped.Load() {
			continue
		}
		if err := ep.lastError(); err != nil {
			g.Causes = append(g.Causes, err)
		}
	}
	c.gaveUp.CompareAndSwap(nil, g)
	return c.gaveUp.Load()
}

// sleepUnlessGivenUp waits for d, waking early to give up when every
// endpoint has failed for GiveUpAfter meanwhile. It returns the
// *GaveUpError then, and ctx's error when ctx ends first.
func (c *Client) sleepUnlessGivenUp(ctx context.Context, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		if g := c.checkGiveUp(time.Now()); g != nil {
			return g
		}
		left := time.Until(deadline)
		if left <= 0 {
			return ctx.Err()
		}
		step := left
		if at, ok := c.giveUpAt(); ok {
			step = min(step, max(time.Until(at), time.Millisecond))
		}
		if err := sleep(ctx, step); err != nil {
			return err
		}
	}
}
