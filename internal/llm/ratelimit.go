package llm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// RateLimits caps how fast requests and tokens go to each server, on top of
// the cap on requests in flight. A zero field sets no limit of its own; the
// limits a server announces in its x-ratelimit-* headers (OpenAI's names:
// x-ratelimit-limit-requests, x-ratelimit-remaining-requests,
// x-ratelimit-reset-requests and the same for tokens) are followed in
// every case, the lower limit winning.
type RateLimits struct {
	// RequestsPerMinute caps requests per server.
	RequestsPerMinute float64
	// TokensPerMinute caps prompt plus completion tokens per server.
	TokensPerMinute float64
	// InputTokensPerMinute and OutputTokensPerMinute cap prompt tokens and
	// completion tokens apart, for servers that count them apart.
	InputTokensPerMinute  float64
	OutputTokensPerMinute float64
	// IgnoreHeaders turns off following the servers' x-ratelimit-* headers.
	IgnoreHeaders bool
}

// validate rejects negative limits.
func (r RateLimits) validate() error {
	for _, f := range []struct {
		name string
		v    float64
	}{{"requests per minute", r.RequestsPerMinute}, {"tokens per minute", r.TokensPerMinute},
		{"input tokens per minute", r.InputTokensPerMinute}, {"output tokens per minute", r.OutputTokensPerMinute}} {
		if f.v < 0 || math.IsNaN(f.v) || math.IsInf(f.v, 0) {
			return fmt.Errorf("llm: rate limit %s = %v, want 0 (none) or more", f.name, f.v)
		}
	}
	return nil
}

// charsPerToken is the rough size of a token in characters, used to
// estimate a request's prompt tokens before the server counts them.
const charsPerToken = 4

// rateLimits holds one limiter per endpoint URL, made on first use (the set
// of endpoints may change while a client runs).
type rateLimits struct {
	cfg RateLimits
	log *slog.Logger
	mu  sync.Mutex
	by  map[string]*epLimiter
}

func newRateLimits(cfg RateLimits, log *slog.Logger) *rateLimits {
	return &rateLimits{cfg: cfg, log: log, by: map[string]*epLimiter{}}
}

func (r *rateLimits) forEndpoint(ep *endpoint) *epLimiter {
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.by[ep.url]
	if l == nil {
		l = &epLimiter{name: ep.name, log: r.log, follow: !r.cfg.IgnoreHeaders}
		l.req = newBucket(r.cfg.RequestsPerMinute, 60)
		l.tok = newBucket(r.cfg.TokensPerMinute, 60)
		l.in = newBucket(r.cfg.InputTokensPerMinute, 60)
		l.out = newBucket(r.cfg.OutputTokensPerMinute, 60)
		r.by[ep.url] = l
	}
	return l
}

// bucket is a token bucket (golang.org/x/time/rate) whose rate is the lower
// of a configured one and the one a server announced. credit is what
// earlier requests were charged beyond what they used; the next charge
// takes it first.
type bucket struct {
	lim        *rate.Limiter
	configured rate.Limit // per second; 0: none
	announced  rate.Limit // per second, from headers; 0: none
	burstDiv   float64    // burst = rate per minute / burstDiv
	credit     float64
}

// newBucket returns a bucket for perMinute (nil when 0: made later if a
// server announces a limit). Its burst is perMinute/burstDiv (a second's
// worth), so that a start does not spend a whole minute's allowance at once
// (hosted APIs enforce their limits over shorter windows too); a request
// larger than the burst is charged in parts.
func newBucket(perMinute, burstDiv float64) *bucket {
	b := &bucket{burstDiv: burstDiv}
	if perMinute > 0 {
		b.configured = rate.Limit(perMinute / 60)
		b.lim = rate.NewLimiter(b.configured, burstFor(perMinute, burstDiv))
	}
	return b
}

func burstFor(perMinute, div float64) int {
	return max(1, int(math.Ceil(perMinute/div)))
}

// effective is the lower of the configured and announced rates (0: none).
func (b *bucket) effective() rate.Limit {
	switch {
	case b.configured == 0:
		return b.announced
	case b.announced == 0:
		return b.configured
	}
	return min(b.configured, b.announced)
}

// announce sets the announced rate and, when the server's remaining
// allowance is below the bucket's tokens less what is in flight beyond the
// request that reported it, takes the difference out of the bucket.
func (b *bucket) announce(now time.Time, perSecond rate.Limit, remaining float64, inFlight float64) {
	if perSecond > 0 {
		b.announced = perSecond
		eff := b.effective()
		burst := burstFor(float64(eff)*60, b.burstDiv)
		if b.lim == nil {
			b.lim = rate.NewLimiter(eff, burst)
		} else {
			b.lim.SetLimitAt(now, eff)
			b.lim.SetBurstAt(now, burst)
		}
	}
	if b.lim == nil || remaining < 0 {
		return
	}
	excess := b.lim.TokensAt(now) - (remaining - inFlight)
	if excess >= 1 {
		b.takeNow(now, excess)
	}
}

// takeNow charges n tokens without waiting: the bucket may go into debt,
// which later waits pay off.
func (b *bucket) takeNow(now time.Time, n float64) {
	if b.lim == nil {
		return
	}
	if b.credit > 0 {
		c := min(b.credit, n)
		b.credit -= c
		n -= c
	}
	burst := b.lim.Burst()
	for k := int(math.Round(n)); k > 0; {
		step := min(k, burst)
		b.lim.ReserveN(now, step)
		k -= step
	}
}

// refund credits n tokens charged beyond what a request used.
func (b *bucket) refund(n float64) {
	if b.lim != nil && n > 0 {
		b.credit += n
	}
}

// reserve charges n tokens (less any credit) and returns how long the
// caller must wait before it may send.
func (b *bucket) reserve(now time.Time, n float64) time.Duration {
	if b.lim == nil || n <= 0 {
		return 0
	}
	if b.credit > 0 {
		c := min(b.credit, n)
		b.credit -= c
		n -= c
	}
	var wait time.Duration
	burst := b.lim.Burst()
	for k := int(math.Ceil(n)); k > 0; {
		step := min(k, burst)
		if r := b.lim.ReserveN(now, step); r.OK() {
			wait = max(wait, r.DelayFrom(now))
		}
		k -= step
	}
	return wait
}

// epLimiter paces one endpoint.
type epLimiter struct {
	name   string
	log    *slog.Logger
	follow bool // follow x-ratelimit-* headers

	mu            sync.Mutex
	req, tok      *bucket
	in, out       *bucket
	pausedUntil   time.Time
	inFlight      int     // requests between admit and observe
	inFlightToks  float64 // their token charges
	outPerSample  float64 // running mean of completion tokens per sample
	samplesSeen   float64
	inRatio       float64 // mean reported prompt tokens per estimated one
	inSeen        float64
	announcedOnce bool
}

// charge is what one request was charged, settled when its response comes.
type charge struct {
	in, out float64
	est     float64 // the prompt estimate before learning the ratio
}

// estimate returns the tokens a request is charged before it is sent: its
// prompt at charsPerToken characters a token (scaled by the ratio of the
// server's counts to these estimates seen so far), and its completion at
// max_tokens per sample (what OpenAI counts against a limit) or, without
// max_tokens, the mean seen so far.
func (l *epLimiter) estimate(req Request, n int) charge {
	chars := 0
	for _, m := range req.Messages {
		chars += len(m.Content) + len(m.Role)
	}
	c := charge{in: float64(chars/charsPerToken + 4*len(req.Messages))}
	c.est = c.in
	if l.inSeen > 0 {
		c.in *= l.inRatio
	}
	if req.MaxTokens > 0 {
		c.out = float64(req.MaxTokens * n)
	} else {
		c.out = l.outPerSample * float64(n)
	}
	return c
}

// admit waits until the endpoint's limits let one request of n samples go,
// and charges it. It returns the charge to settle with settle, or the
// context's error (nothing sent).
func (l *epLimiter) admit(ctx context.Context, req Request, n int) (charge, error) {
	l.mu.Lock()
	c := l.estimate(req, n)
	now := time.Now()
	wait := time.Until(l.pausedUntil)
	wait = max(wait, l.req.reserve(now, 1))
	wait = max(wait, l.tok.reserve(now, c.in+c.out))
	wait = max(wait, l.in.reserve(now, c.in))
	wait = max(wait, l.out.reserve(now, c.out))
	l.inFlight++
	l.inFlightToks += c.in + c.out
	l.mu.Unlock()
	if wait > 0 {
		if err := sleep(ctx, wait); err != nil {
			l.settle(nil, 0, c, Usage{}, false, 0)
			return charge{}, err
		}
	}
	return c, nil
}

// settle closes a request admitted with charge c: it corrects the token
// charges by the usage the server reported and follows the server's
// x-ratelimit-* headers (h may be nil when no response came).
func (l *epLimiter) settle(h http.Header, status int, c charge, u Usage, ok bool, samples int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	l.inFlight--
	l.inFlightToks -= c.in + c.out
	if ok {
		in, out := float64(u.PromptTokens), float64(u.CompletionTokens)
		l.correct(now, l.tok, c.in+c.out, in+out)
		l.correct(now, l.in, c.in, in)
		l.correct(now, l.out, c.out, out)
		if in > 0 && c.est > 0 {
			l.inSeen++
			l.inRatio += (in/c.est - l.inRatio) / l.inSeen
		}
		if samples > 0 {
			l.samplesSeen += float64(samples)
			l.outPerSample += (out/float64(samples) - l.outPerSample) * float64(samples) / l.samplesSeen
		}
	}
	if h == nil || !l.follow {
		return
	}
	reqs, rok := parseLimitHeaders(h, "requests")
	toks, tok := parseLimitHeaders(h, "tokens")
	if rok {
		l.req.announce(now, reqs.perSecond(), reqs.remaining, float64(l.inFlight))
	}
	if tok {
		l.tok.announce(now, toks.perSecond(), toks.remaining, l.inFlightToks)
	}
	if status == http.StatusTooManyRequests && (rok || tok) {
		l.pauseAfter429(now, h, reqs, toks)
	}
	if (rok || tok) && !l.announcedOnce {
		l.announcedOnce = true
		l.log.Info("llm: following the server's rate limits",
			slog.String("endpoint", l.name),
			slog.Float64("requests_per_minute", float64(l.req.effective())*60),
			slog.Float64("tokens_per_minute", float64(l.tok.effective())*60))
	}
}

// correct charges the bucket what a request used beyond its estimate, or
// credits what it was charged beyond its use.
func (l *epLimiter) correct(now time.Time, b *bucket, charged, used float64) {
	if used > charged {
		b.takeNow(now, used-charged)
	} else {
		b.refund(charged - used)
	}
}

// pauseAfter429 holds every request to the endpoint after a 429 that
// came with x-ratelimit-* headers (a limit reached, not a passing fault):
// until the exhausted limit gives some back (its reset, at most a second)
// or for the Retry-After, whichever is shorter. A 429 without those
// headers delays only its own retry, as before. Without a 429 the
// buckets, aligned to the remaining counts, pace the requests on their own.
func (l *epLimiter) pauseAfter429(now time.Time, h http.Header, reqs, toks limitState) {
	d := time.Second
	for _, s := range []limitState{reqs, toks} {
		if s.remaining == 0 && s.reset > 0 {
			d = min(d, s.reset)
		}
	}
	if ra, ok := retryAfter(h, now); ok {
		d = min(d, ra)
	}
	if t := now.Add(d); t.After(l.pausedUntil) {
		l.pausedUntil = t
	}
}

// limitState is what one family of x-ratelimit-* headers says; -1 marks a
// header that was absent.
type limitState struct {
	limit, remaining float64
	reset            time.Duration
}

// perSecond infers the refill rate the server applies: what is used
// (limit - remaining) comes back within reset, OpenAI's meaning of
// "time until the limit resets to its initial state". This holds for a
// limit per minute (OpenAI) as for one per day (some providers), without
// assuming a window. Without both it falls back to limit per minute.
func (s limitState) perSecond() rate.Limit {
	if s.limit <= 0 {
		return 0
	}
	if used := s.limit - s.remaining; s.remaining >= 0 && used >= 1 && s.reset > 0 {
		r := used / s.reset.Seconds()
		return rate.Limit(min(r, s.limit)) // never more than the whole limit a second
	}
	return rate.Limit(s.limit / 60)
}

// parseLimitHeaders reads x-ratelimit-{limit,remaining,reset}-<what>. It
// reports false when the server sent neither a limit nor a remaining count.
func parseLimitHeaders(h http.Header, what string) (limitState, bool) {
	s := limitState{limit: -1, remaining: -1}
	if v, err := strconv.ParseFloat(strings.TrimSpace(h.Get("X-Ratelimit-Limit-"+what)), 64); err == nil && v >= 0 {
		s.limit = v
	}
	if v, err := strconv.ParseFloat(strings.TrimSpace(h.Get("X-Ratelimit-Remaining-"+what)), 64); err == nil && v >= 0 {
		s.remaining = v
	}
	if d, ok := parseResetDuration(h.Get("X-Ratelimit-Reset-" + what)); ok {
		s.reset = d
	}
	return s, s.limit >= 0 || s.remaining >= 0
}

// parseResetDuration reads a reset time as OpenAI writes it ("6m0s", "1s",
// "20ms", "1h2m3.5s") or as plain seconds ("0.5", "12").
func parseResetDuration(v string) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if d, err := time.ParseDuration(v); err == nil && d >= 0 {
		return d, true
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 0 && f < math.MaxInt64/float64(time.Second) {
		return time.Duration(f * float64(time.Second)), true
	}
	return 0, false
}

// admit is the request path's hook: it waits for ep's rate limits before an
// attempt of n samples is sent.
func (c *Client) admit(ctx context.Context, ep *endpoint, req Request, n int) (*epLimiter, charge, error) {
	l := c.limits.forEndpoint(ep)
	ch, err := l.admit(ctx, req, n)
	if err != nil {
		return nil, charge{}, fmt.Errorf("llm: %s: waiting for the rate limit: %w", ep.name, err)
	}
	return l, ch, nil
}

// settle is the request path's hook after an attempt: it corrects the
// charges by the reported usage and follows the response's headers.
func (c *Client) settle(l *epLimiter, ch charge, res result, n int) {
	status := http.StatusOK
	var apiErr *APIError
	if errors.As(res.err, &apiErr) {
		status = apiErr.StatusCode
	}
	l.settle(res.header, status, ch, res.usage, res.err == nil, len(res.choices))
}
