package llm

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"
	"golang.org/x/time/rate"
)

func TestParseResetDuration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"6m0s", 6 * time.Minute, true},
		{"1s", time.Second, true},
		{"20ms", 20 * time.Millisecond, true},
		{"1h2m3.5s", time.Hour + 2*time.Minute + 3500*time.Millisecond, true},
		{"0.5", 500 * time.Millisecond, true},
		{" 12 ", 12 * time.Second, true},
		{"", 0, false},
		{"soon", 0, false},
		{"-1s", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseResetDuration(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseResetDuration(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestLimitStatePerSecond(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                string
		limit, remain, rest string
		want                float64 // per minute
	}{
		{"openai per minute", "500", "499", "120ms", 500},
		{"tokens per minute", "30000", "29000", "2s", 30000},
		{"per day", "14400", "14370", "2m59.56s", 30 / 179.56 * 60},
		{"untouched: limit per minute", "60", "60", "0s", 60},
		{"no reset: limit per minute", "60", "10", "", 60},
	}
	for _, tt := range tests {
		h := http.Header{}
		h.Set("x-ratelimit-limit-requests", tt.limit)
		h.Set("x-ratelimit-remaining-requests", tt.remain)
		if tt.rest != "" {
			h.Set("x-ratelimit-reset-requests", tt.rest)
		}
		s, ok := parseLimitHeaders(h, "requests")
		if !ok {
			t.Fatalf("%s: headers not read", tt.name)
		}
		if got := float64(s.perSecond()) * 60; math.Abs(got-tt.want) > tt.want*1e-6 {
			t.Errorf("%s: %.3f per minute, want %.3f", tt.name, got, tt.want)
		}
	}
	if _, ok := parseLimitHeaders(http.Header{}, "requests"); ok {
		t.Error("no headers read as a limit")
	}
}

func TestRateLimitsValidate(t *testing.T) {
	t.Parallel()
	for _, r := range []RateLimits{{RequestsPerMinute: -1}, {TokensPerMinute: math.NaN()}, {OutputTokensPerMinute: math.Inf(1)}} {
		if _, err := NewClient(Options{BaseURLs: []string{"http://x"}, RateLimits: r}); err == nil {
			t.Errorf("NewClient accepted %+v", r)
		}
	}
}

// limitedServer is a chat server that enforces a request and a token
// limit with token buckets refilled continuously (as OpenAI's limits
// behave), answers 429 past them, and reports its state in OpenAI's
// x-ratelimit-* headers when headers is set.
type limitedServer struct {
	mu              sync.Mutex
	reqs, toks      *rate.Limiter
	reqLimit, tokLm float64
	headers         bool
	ok, limited     atomic.Int64
}

// newLimitedServer allows reqPerSec requests and tokPerSec tokens a
// second, each with a burst of a second's worth.
func newLimitedServer(reqPerSec, tokPerSec float64, headers bool) *limitedServer {
	return &limitedServer{
		reqs: rate.NewLimiter(rate.Limit(reqPerSec), int(reqPerSec)), reqLimit: reqPerSec,
		toks: rate.NewLimiter(rate.Limit(tokPerSec), int(tokPerSec)), tokLm: tokPerSec,
		headers: headers,
	}
}

const limitedPromptTokens, limitedCompletionTokens = 10, 5

func (s *limitedServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	now := time.Now()
	cost := limitedPromptTokens + limitedCompletionTokens
	allowed := s.reqs.TokensAt(now) >= 1 && s.toks.TokensAt(now) >= float64(cost)
	if allowed {
		s.reqs.AllowN(now, 1)
		s.toks.AllowN(now, cost)
	}
	if s.headers {
		set := func(what string, lim *rate.Limiter, limit float64) {
			left := math.Max(0, math.Floor(lim.TokensAt(now)))
			reset := time.Duration((limit - left) / float64(lim.Limit()) * float64(time.Second))
			w.Header().Set("x-ratelimit-limit-"+what, strconv.FormatFloat(limit, 'f', 0, 64))
			w.Header().Set("x-ratelimit-remaining-"+what, strconv.FormatFloat(left, 'f', 0, 64))
			w.Header().Set("x-ratelimit-reset-"+what, reset.Round(time.Millisecond).String())
		}
		set("requests", s.reqs, s.reqLimit)
		set("tokens", s.toks, s.tokLm)
	}
	s.mu.Unlock()
	if !allowed {
		s.limited.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprint(w, `{"error":{"message":"Rate limit reached","type":"requests"}}`)
		return
	}
	s.ok.Add(1)
	writeChoices(w, "stop", "The answer is 4.")
}

// runLimited sends n single-sample requests through a client with
// concurrency 16 and returns how many 429s the server answered.
func runLimited(t *testing.T, srv *limitedServer, limits RateLimits, n int) int64 {
	t.Helper()
	ts := httptest.NewServer(srv)
	defer ts.Close()
	c, err := NewClient(Options{
		BaseURLs: []string{ts.URL}, Concurrency: 16, MaxRetries: 1000,
		BackoffBase: 10 * time.Millisecond, BackoffMax: 50 * time.Millisecond,
		RestAfter: 1000, RateLimits: limits, GiveUpAfter: DefaultGiveUpAfter,
	})
	if err != nil {
		t.Fatal(err)
	}
	g, ctx := errgroup.WithContext(context.Background())
	for i := range n {
		g.Go(func() error {
			_, err := c.Complete(ctx, Request{Model: "m", Messages: []Message{{Role: "user", Content: fmt.Sprintf("q%d", i)}}})
			return err
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	if got := srv.ok.Load(); got != int64(n) {
		t.Fatalf("server answered %d requests, want %d", got, n)
	}
	return srv.limited.Load()
}

// TestRateLimitFromHeaders: a server that allows 40 requests a second and
// says so in its headers gets a storm of 429s from a client that does not
// read them, and few from one that does (all still retried to success).
func TestRateLimitFromHeaders(t *testing.T) {
	// Not parallel: it counts 429s, which depend on how fast the client
	// can send; other tests of the package would slow it.
	const n = 60
	blind := runLimited(t, newLimitedServer(40, 1e6, true), RateLimits{IgnoreHeaders: true}, n)
	following := runLimited(t, newLimitedServer(40, 1e6, true), RateLimits{}, n)
	t.Logf("429s: %d ignoring the headers, %d following them", blind, following)
	if blind < 10 {
		t.Errorf("ignoring the headers: %d 429s; the test server should have limited more", blind)
	}
	// A loaded machine delays responses, so a few 429s may slip through;
	// a tenth of the blind storm would be no longer rare.
	if following > 15 || following*10 > blind {
		t.Errorf("following the headers: %d 429s, want at most 15 and a tenth of %d", following, blind)
	}
}

// TestTokenLimitFromHeaders: the token limit (15 tokens a request, 450 a
// second: 30 requests a second) binds before the request limit.
func TestTokenLimitFromHeaders(t *testing.T) {
	// Not parallel: it counts 429s, which depend on how fast the client
	// can send; other tests of the package would slow it.
	const n = 60
	blind := runLimited(t, newLimitedServer(1000, 450, true), RateLimits{IgnoreHeaders: true}, n)
	following := runLimited(t, newLimitedServer(1000, 450, true), RateLimits{}, n)
	t.Logf("429s: %d ignoring the headers, %d following them", blind, following)
	if blind < 10 {
		t.Errorf("ignoring the headers: %d 429s; the test server should have limited more", blind)
	}
	// A loaded machine delays responses, so a few 429s may slip through;
	// a tenth of the blind storm would be no longer rare.
	if following > 15 || following*10 > blind {
		t.Errorf("following the headers: %d 429s, want at most 15 and a tenth of %d", following, blind)
	}
}

// TestConfiguredRateLimit: a server that sends no headers, limited to 50
// requests a second, is never overrun by a client held to 1800 a minute
// (30 a second), and is overrun without it.
func TestConfiguredRateLimit(t *testing.T) {
	// Not parallel: it counts 429s, which depend on how fast the client
	// can send; other tests of the package would slow it.
	const n = 90
	tests := []struct {
		name   string
		limits RateLimits
		max    int64
		min    int64
	}{
		{"none", RateLimits{}, math.MaxInt64, 5},
		{"rpm", RateLimits{RequestsPerMinute: 1800}, 0, 0},
		// 15 tokens a request: 27000 tokens a minute is 30 requests a second.
		{"tpm", RateLimits{TokensPerMinute: 27000}, 0, 0},
		{"tpm-in", RateLimits{InputTokensPerMinute: 18000}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runLimited(t, newLimitedServer(50, 1e6, false), tt.limits, n)
			if got > tt.max || got < tt.min {
				t.Errorf("%d 429s, want between %d and %d", got, tt.min, tt.max)
			}
		})
	}
}

// TestBucketChargesAndCredits checks the token accounting: an estimate
// above the usage is credited to the next request, one below is charged.
func TestBucketChargesAndCredits(t *testing.T) {
	t.Parallel()
	now := time.Now()
	b := newBucket(600, 6) // 10 a second, burst 100
	if d := b.reserve(now, 100); d != 0 {
		t.Fatalf("first 100 tokens wait %v, want none", d)
	}
	b.refund(50)
	if d := b.reserve(now, 50); d != 0 {
		t.Errorf("50 tokens after a refund of 50 wait %v, want none", d)
	}
	b.takeNow(now, 20) // debt: 20 tokens = 2 s at 10 a second
	if d := b.reserve(now, 10); d < 2900*time.Millisecond || d > 3100*time.Millisecond {
		t.Errorf("10 tokens after a debt of 20 wait %v, want 3s", d)
	}
}

// TestAnnounceAlignsToRemaining: a server that says 3 requests remain
// leaves the bucket no more than 3, less those in flight.
func TestAnnounceAlignsToRemaining(t *testing.T) {
	t.Parallel()
	now := time.Now()
	b := newBucket(0, 60)
	b.announce(now, rate.Limit(100), 3, 1)
	if got := b.lim.TokensAt(now); got > 2.0001 {
		t.Errorf("tokens after remaining 3 with 1 in flight: %.2f, want at most 2", got)
	}
	if got := float64(b.effective()); got != 100 {
		t.Errorf("rate %.1f, want 100", got)
	}
	c := newBucket(60, 60) // configured 1 a second wins over 100 announced
	c.announce(now, rate.Limit(100), 50, 0)
	if got := float64(c.effective()); got != 1 {
		t.Errorf("rate %.1f, want the configured 1", got)
	}
}

// TestPauseOnlyOnALimitReached: a 429 with x-ratelimit-* headers holds the
// endpoint's other requests until the reset (at most a second); a 429
// without them (a passing fault) holds nothing but its own retry.
func TestPauseOnlyOnALimitReached(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		headers map[string]string
		pause   bool
		max     time.Duration
	}{
		{"fault without headers", map[string]string{"Retry-After": "20"}, false, 0},
		{"limit reached", map[string]string{"x-ratelimit-limit-requests": "60", "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "250ms"}, true, 250 * time.Millisecond},
		{"long reset capped", map[string]string{"x-ratelimit-limit-tokens": "1000", "x-ratelimit-remaining-tokens": "0", "x-ratelimit-reset-tokens": "6m0s"}, true, time.Second},
	}
	for _, tt := range tests {
		l := newRateLimits(RateLimits{}, nil).forEndpoint(&endpoint{url: "u", name: "u"})
		l.log = slogDiscard()
		h := http.Header{}
		for k, v := range tt.headers {
			h.Set(k, v)
		}
		l.inFlight, l.inFlightToks = 1, 0
		before := time.Now()
		l.settle(h, http.StatusTooManyRequests, charge{}, Usage{}, false, 0)
		got := l.pausedUntil.Sub(before)
		if (got > 0) != tt.pause || got > tt.max+50*time.Millisecond {
			t.Errorf("%s: paused %v, want pause=%v at most %v", tt.name, got, tt.pause, tt.max)
		}
	}
}

func slogDiscard() *slog.Logger { return slog.New(slog.DiscardHandler) }
