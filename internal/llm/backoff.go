package llm

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// backoff returns the wait before retry number attempt (0-based): a random
// duration in [0, min(limit, base*2^attempt)) ("full jitter"), so that many
// clients failing together do not retry together.
func backoff(attempt int, base, limit time.Duration) time.Duration {
	ceiling := limit
	if attempt < 62 {
		if d := base << attempt; d > 0 && d < limit {
			ceiling = d
		}
	}
	if ceiling <= 0 {
		return 0
	}
	return rand.N(ceiling)
}

// retryAfter reads how long the server asked us to wait: the
// "retry-after-ms" header (OpenAI), or "Retry-After" as delta-seconds or an
// HTTP date. It reports false when there is no usable value.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	var d time.Duration
	switch {
	case h.Get("Retry-After-Ms") != "":
		ms, err := strconv.ParseFloat(strings.TrimSpace(h.Get("Retry-After-Ms")), 64)
		if err != nil || ms < 0 {
			return 0, false
		}
		d = time.Duration(ms * float64(time.Millisecond))
	case h.Get("Retry-After") != "":
		v := strings.TrimSpace(h.Get("Retry-After"))
		if secs, err := strconv.ParseFloat(v, 64); err == nil {
			if secs < 0 {
				return 0, false
			}
			d = time.Duration(secs * float64(time.Second))
		} else if t, err := http.ParseTime(v); err == nil {
			d = max(t.Sub(now), 0)
		} else {
			return 0, false
		}
	default:
		return 0, false
	}
	return min(d, maxRetryAfter), true
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
