package simserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// RateLimit makes the simulated server enforce limits per minute on live
// chat requests as a hosted API does (TEST DOUBLE): a request over the
// limit gets 429, and every reply carries OpenAI's x-ratelimit-* headers
// (limit, remaining, reset as "1s", "6m0s", "20ms"). The limits refill
// continuously and are enforced over one second (a second's worth at
// most at once), as OpenAI quantizes its limits; the headers describe that
// one-second bucket. Batch API lines do not count. A zero field sets no
// limit.
type RateLimit struct {
	RequestsPerMinute float64
	// TokensPerMinute counts a request's prompt (about four characters a
	// token) plus its max_tokens per sample, as OpenAI counts a request
	// against the limit when it arrives.
	TokensPerMinute float64
}

// rateLimiter is the state of a RateLimit.
type rateLimiter struct {
	mu         sync.Mutex
	reqs, toks *rate.Limiter
	cfg        RateLimit
}

func newRateLimiter(cfg RateLimit) (*rateLimiter, error) {
	if cfg.RequestsPerMinute < 0 || cfg.TokensPerMinute < 0 {
		return nil, fmt.Errorf("simserver: config RateLimit %+v: limits must not be negative", cfg)
	}
	if cfg.RequestsPerMinute == 0 && cfg.TokensPerMinute == 0 {
		return nil, nil
	}
	l := &rateLimiter{cfg: cfg}
	if cfg.RequestsPerMinute > 0 {
		l.reqs = rate.NewLimiter(rate.Limit(cfg.RequestsPerMinute/60), int(math.Ceil(cfg.RequestsPerMinute/60)))
	}
	if cfg.TokensPerMinute > 0 {
		l.toks = rate.NewLimiter(rate.Limit(cfg.TokensPerMinute/60), int(math.Ceil(cfg.TokensPerMinute/60)))
	}
	return l, nil
}

// admit charges one request of cost tokens, sets the headers and reports
// whether it is within the limits.
func (l *rateLimiter) admit(h http.Header, cost int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	ok := (l.reqs == nil || l.reqs.TokensAt(now) >= 1) && (l.toks == nil || l.toks.TokensAt(now) >= float64(cost))
	if ok {
		if l.reqs != nil {
			l.reqs.ReserveN(now, 1)
		}
		if l.toks != nil {
			l.toks.ReserveN(now, min(cost, l.toks.Burst()))
		}
	}
	set := func(what string, lim *rate.Limiter) {
		if lim == nil {
			return
		}
		left := math.Max(0, math.Floor(lim.TokensAt(now)))
		full := float64(lim.Burst())
		reset := time.Duration((full - left) / float64(lim.Limit()) * float64(time.Second)).Round(time.Millisecond)
		h.Set("x-ratelimit-limit-"+what, strconv.Itoa(lim.Burst()))
		h.Set("x-ratelimit-remaining-"+what, strconv.FormatFloat(left, 'f', 0, 64))
		h.Set("x-ratelimit-reset-"+what, reset.String())
	}
	set("requests", l.reqs)
	set("tokens", l.toks)
	return ok
}

// RateLimited returns the number of requests answered 429 by RateLimit.
func (s *Server) RateLimited() int64 { return s.limited.Load() }

// limitedChat wraps the live chat handler with the rate limits.
func (s *Server) limitedChat(w http.ResponseWriter, r *http.Request) {
	if s.limits == nil {
		s.handleChat(w, r)
		return
	}
	// The cost needs the body; read it and hand a copy on.
	body, err := readLimited(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "reading the body: "+err.Error())
		return
	}
	if !s.limits.admit(w.Header(), requestCost(body)) {
		s.limited.Add(1)
		writeError(w, http.StatusTooManyRequests, "requests", "rate_limit_exceeded",
			"Rate limit reached (simulated): see the x-ratelimit-* headers.")
		return
	}
	s.handleChat(w, r)
}

// readLimited reads a request body (at most 64 MiB) and puts it back for
// the handler.
func readLimited(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	if err != nil {
		return nil, err
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return body, nil
}

// requestCost is what a request counts against a token limit: its prompt
// at four characters a token plus max_tokens per sample.
func requestCost(body []byte) int {
	var req struct {
		Messages []struct {
			Content string `json:"content"`
		} `json:"messages"`
		MaxTokens int `json:"max_tokens"`
		N         int `json:"n"`
	}
	_ = json.Unmarshal(body, &req) // a bad body is the handler's to answer
	chars := 0
	for _, m := range req.Messages {
		chars += len(m.Content)
	}
	return chars/4 + req.MaxTokens*max(req.N, 1)
}
