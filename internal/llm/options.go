package llm

import (
	"log/slog"
	"net/http"
	"time"
)

// Defaults applied by NewClient to zero-valued Options fields.
const (
	DefaultConcurrency = 64
	DefaultTimeout     = 10 * time.Minute
	DefaultMaxRetries  = 8
	DefaultBackoffBase = 500 * time.Millisecond
	DefaultBackoffMax  = 30 * time.Second
	DefaultRestAfter   = 3
	DefaultRestFor     = 10 * time.Second
)

// maxRetryAfter bounds how long a server's Retry-After header may make a
// request wait before its next attempt.
const maxRetryAfter = 5 * time.Minute

// Options configures a Client. Zero values select the defaults above.
type Options struct {
	// BaseURLs are the servers to use; work is balanced across them by the
	// fewest requests in flight. Each is either a bare origin
	// ("http://host:8000", which gets "/v1") or an OpenAI-style base URL
	// ("http://host:8000/v1", "https://api.example.com/openai/v1").
	BaseURLs []string
	// APIKey is sent as a bearer token. It never appears in logs or errors.
	APIKey string
	// Concurrency caps the requests in flight per endpoint.
	Concurrency int
	// Timeout bounds one HTTP attempt, from sending to the last byte read.
	Timeout time.Duration
	// MaxRetries is how many times a failed attempt is retried: 0 selects
	// DefaultMaxRetries, a negative value disables retries.
	MaxRetries int
	// BackoffBase and BackoffMax shape the exponential backoff with full
	// jitter: attempt k waits a random time in [0, min(BackoffMax, BackoffBase*2^k)).
	BackoffBase time.Duration
	BackoffMax  time.Duration
	// RestAfter is how many consecutive failed attempts make an endpoint
	// rest for RestFor; while it rests, its work goes to the other endpoints.
	// Zero means a quarter of Concurrency (at least DefaultRestAfter): an
	// endpoint that is down fails every request in flight at once, while a
	// busy one that fails now and then rarely fails that many in a row.
	RestAfter int
	RestFor   time.Duration
	// RateLimits caps requests and tokens per minute per endpoint; the
	// servers' x-ratelimit-* headers are followed as well (ratelimit.go).
	RateLimits RateLimits
	// HTTPClient replaces the client's own tuned HTTP client when set.
	HTTPClient *http.Client
	// Logger receives retries and endpoint state changes; nil discards them.
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	switch {
	case o.MaxRetries == 0:
		o.MaxRetries = DefaultMaxRetries
	case o.MaxRetries < 0:
		o.MaxRetries = 0
	}
	if o.BackoffBase <= 0 {
		o.BackoffBase = DefaultBackoffBase
	}
	if o.BackoffMax <= 0 {
		o.BackoffMax = DefaultBackoffMax
	}
	if o.BackoffMax < o.BackoffBase {
		o.BackoffMax = o.BackoffBase
	}
	if o.RestAfter <= 0 {
		o.RestAfter = max(DefaultRestAfter, o.Concurrency/4)
	}
	if o.RestFor <= 0 {
		o.RestFor = DefaultRestFor
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}
