package llm

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"
)

// The defaults of DefaultOptions. NewClient also applies those of the fields
// where zero has no meaning (Concurrency, Timeout, BackoffBase, BackoffMax,
// RestAfter, RestFor, ProbeTimeout) when they are zero.
const (
	DefaultConcurrency  = 64
	DefaultTimeout      = 10 * time.Minute
	DefaultMaxRetries   = 20
	DefaultBackoffBase  = 500 * time.Millisecond
	DefaultBackoffMax   = 30 * time.Second
	DefaultRestAfter    = 8
	DefaultRestFor      = 10 * time.Second
	DefaultGiveUpAfter  = time.Minute
	DefaultProbeTimeout = 30 * time.Second
)

// maxSoloRest bounds the rest of the only usable endpoint: with nowhere
// else to send the work, a rest is a short backoff, never a long stall.
const maxSoloRest = 2 * time.Second

// maxRetryAfter bounds how long a server's Retry-After header may make a
// request wait before its next attempt.
const maxRetryAfter = 5 * time.Minute

// Options configures a Client. Start from DefaultOptions and set what
// differs: MaxRetries and GiveUpAfter are taken as given (0 retries, never
// give up), and the other fields fall back to their default when zero.
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
	// MaxRetries is how many times a failed attempt is retried (0: none).
	MaxRetries int
	// BackoffBase and BackoffMax shape the exponential backoff with full
	// jitter that a request waits after failed attempt k while its server
	// is down (resting): a random time in [0, min(BackoffMax, BackoffBase*2^k)).
	// While the server answers other requests, a failed attempt is retried
	// after a random time in [0, BackoffBase/10) (or the server's
	// Retry-After), so that a few faults among many successes cost little.
	BackoffBase time.Duration
	BackoffMax  time.Duration
	// RestAfter is how many consecutive failed attempts (with no success
	// between them) make an endpoint rest; while it rests, its work goes to
	// the other endpoints. Zero means Concurrency (at least
	// DefaultRestAfter): an endpoint that is down fails every request in
	// flight, while a busy one with transient faults (a few failures among
	// many successes) practically never fails a whole wave in a row, so it
	// keeps working.
	RestAfter int
	// RestFor is how long a failing endpoint rests when there are others
	// to take its work. The only usable endpoint rests for a short backoff
	// instead (BackoffBase doubling per rest, at most 2 s, never over RestFor).
	RestFor time.Duration
	// GiveUpAfter: when every endpoint has failed continuously (no attempt
	// succeeded) for this long, every Complete call fails with an error
	// wrapping ErrGaveUp and the last error of each endpoint. Zero never
	// gives up.
	GiveUpAfter time.Duration
	// ProbeTimeout bounds each request of Probe. Zero means
	// DefaultProbeTimeout (or Timeout when that is shorter).
	ProbeTimeout time.Duration
	// RateLimits caps requests and tokens per minute per endpoint; the
	// servers' x-ratelimit-* headers are followed as well (ratelimit.go).
	RateLimits RateLimits
	// HTTPClient replaces the client's own tuned HTTP client when set.
	HTTPClient *http.Client
	// Logger receives retries and endpoint state changes; nil discards them.
	Logger *slog.Logger
}

// DefaultOptions returns the client's defaults: DefaultConcurrency requests
// in flight per server, DefaultTimeout per attempt, DefaultMaxRetries
// retries with the default backoff, and giving up after DefaultGiveUpAfter
// of failures on every server. Set BaseURLs (and what else differs) on it.
func DefaultOptions() Options {
	return Options{
		Concurrency: DefaultConcurrency,
		Timeout:     DefaultTimeout,
		MaxRetries:  DefaultMaxRetries,
		BackoffBase: DefaultBackoffBase,
		BackoffMax:  DefaultBackoffMax,
		RestFor:     DefaultRestFor,
		GiveUpAfter: DefaultGiveUpAfter,
	}
}

// withDefaults fills the fields where zero has no meaning, and rejects
// negative values.
func (o Options) withDefaults() (Options, error) {
	if o.MaxRetries < 0 {
		return o, fmt.Errorf("llm: MaxRetries %d is negative (0 means no retries)", o.MaxRetries)
	}
	if o.GiveUpAfter < 0 {
		return o, fmt.Errorf("llm: GiveUpAfter %v is negative (0 means never give up)", o.GiveUpAfter)
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
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
		o.RestAfter = max(DefaultRestAfter, o.Concurrency)
	}
	if o.ProbeTimeout <= 0 {
		o.ProbeTimeout = min(DefaultProbeTimeout, o.Timeout)
	}
	if o.RestFor <= 0 {
		o.RestFor = DefaultRestFor
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o, nil
}
