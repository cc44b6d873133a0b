package llm

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestNormalizeBaseURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want, wantErr string
	}{
		{in: "http://host:8000", want: "http://host:8000/v1/chat/completions"},
		{in: "http://host:8000/", want: "http://host:8000/v1/chat/completions"},
		{in: "http://host:8000/v1", want: "http://host:8000/v1/chat/completions"},
		{in: "http://host:8000/v1/", want: "http://host:8000/v1/chat/completions"},
		{in: " https://api.example.com/openai/v1 ", want: "https://api.example.com/openai/v1/chat/completions"},
		{in: "http://host:8000/v1/chat/completions", want: "http://host:8000/v1/chat/completions"},
		{in: "host:8000", wantErr: "scheme must be http or https"},
		{in: "http://", wantErr: "no host"},
		{in: "ftp://host", wantErr: "scheme must be http or https"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			u, err := normalizeBaseURL(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("normalizeBaseURL(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("normalizeBaseURL(%q): %v", tt.in, err)
			}
			if got := u.String(); got != tt.want {
				t.Errorf("normalizeBaseURL(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCompleteSendsEveryParameter(t *testing.T) {
	t.Parallel()
	var body map[string]any
	var path, auth string
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		path, auth = r.URL.Path, r.Header.Get("Authorization")
		raw, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(raw, &body); err != nil {
			t.Errorf("server: %v", err)
		}
		writeChoices(w, "stop", "hello")
	})
	opts := fastOptions(srv.URL)
	opts.APIKey = "sk-test"
	c := newTestClient(t, opts)
	req := userRequest("hi")
	req.Temperature = 0
	req.Seed = seed(7)
	req.Stop = []string{"</s>"}
	resp, err := c.Complete(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"model":       "test-model",
		"messages":    []any{map[string]any{"role": "user", "content": "hi"}},
		"temperature": 0.0,
		"top_p":       0.95,
		"max_tokens":  64.0,
		"n":           1.0,
		"seed":        7.0,
		"stop":        []any{"</s>"},
		"stream":      false,
	}
	if diff := cmp.Diff(want, body); diff != "" {
		t.Errorf("request body (-want +got):\n%s", diff)
	}
	if path != "/v1/chat/completions" {
		t.Errorf("path = %q, want /v1/chat/completions", path)
	}
	if auth != "Bearer sk-test" {
		t.Errorf("Authorization = %q, want %q", auth, "Bearer sk-test")
	}
	wantResp := &Response{Choices: []Choice{{Index: 0, Text: "hello", FinishReason: "stop"}}, Usage: Usage{PromptTokens: 10, CompletionTokens: 5}}
	if diff := cmp.Diff(wantResp, resp); diff != "" {
		t.Errorf("response (-want +got):\n%s", diff)
	}
}

// TestFaultsAreRetried injects one fault before a good response and checks
// that the client retries exactly once and classifies the fault.
func TestFaultsAreRetried(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fault func(t *testing.T, w http.ResponseWriter, r *http.Request)
		kind  ErrorKind
	}{
		{"429", func(t *testing.T, w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "0")
			http.Error(w, `{"error":{"message":"slow down","type":"rate_limit"}}`, http.StatusTooManyRequests)
		}, ErrRateLimited},
		{"500", func(t *testing.T, w http.ResponseWriter, r *http.Request) {
			http.Error(w, `{"object":"error","message":"engine died","code":500}`, http.StatusInternalServerError)
		}, ErrServer},
		{"503 plain text", func(t *testing.T, w http.ResponseWriter, r *http.Request) {
			http.Error(w, "upstream unavailable", http.StatusServiceUnavailable)
		}, ErrServer},
		{"dropped connection", func(t *testing.T, w http.ResponseWriter, r *http.Request) {
			dropConnection(t, w)
		}, ErrNetwork},
		{"dropped mid-body", func(t *testing.T, w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "500")
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write([]byte(`{"choices":[`))
			w.(http.Flusher).Flush()
			dropConnection(t, w)
		}, ErrNetwork},
		{"latency beyond timeout", func(t *testing.T, w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
		}, ErrTimeout},
		{"malformed JSON", func(t *testing.T, w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"choices":[{"message":{"content":"cut`))
		}, ErrMalformed},
		{"no choices", func(t *testing.T, w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"choices":[]}`))
		}, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int64
			srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
				drain(r)
				if calls.Add(1) == 1 {
					tt.fault(t, w, r)
					return
				}
				writeChoices(w, "stop", "ok")
			})
			opts := fastOptions(srv.URL)
			opts.Timeout = 300 * time.Millisecond
			c := newTestClient(t, opts)
			resp, err := c.Complete(t.Context(), userRequest("q"))
			if err != nil {
				t.Fatalf("Complete: %v", err)
			}
			if got := texts(resp); !cmp.Equal(got, []string{"ok"}) {
				t.Errorf("texts = %q, want [ok]", got)
			}
			st := c.Stats()
			want := Stats{Requests: 2, Retries: 1, Completions: 1, PromptTokens: 10, CompletionTokens: 5, Errors: map[ErrorKind]int64{tt.kind: 1}}
			if diff := cmp.Diff(want, st); diff != "" {
				t.Errorf("stats (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	var first, second time.Time
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		drain(r)
		if calls.Add(1) == 1 {
			first = time.Now()
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		second = time.Now()
		writeChoices(w, "stop", "ok")
	})
	c := newTestClient(t, fastOptions(srv.URL))
	if _, err := c.Complete(t.Context(), userRequest("q")); err != nil {
		t.Fatal(err)
	}
	if gap := second.Sub(first); gap < 900*time.Millisecond {
		t.Errorf("retry came %v after the 429, want >= 1s (Retry-After: 1)", gap)
	}
}

func TestRetryAfterParsing(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		header map[string]string
		want   time.Duration
		ok     bool
	}{
		{"seconds", map[string]string{"Retry-After": "3"}, 3 * time.Second, true},
		{"fractional seconds", map[string]string{"Retry-After": "0.5"}, 500 * time.Millisecond, true},
		{"http date", map[string]string{"Retry-After": now.Add(7 * time.Second).Format(http.TimeFormat)}, 7 * time.Second, true},
		{"date in the past", map[string]string{"Retry-After": now.Add(-time.Hour).Format(http.TimeFormat)}, 0, true},
		{"milliseconds header wins", map[string]string{"Retry-After": "3", "Retry-After-Ms": "250"}, 250 * time.Millisecond, true},
		{"capped", map[string]string{"Retry-After": "86400"}, maxRetryAfter, true},
		{"negative", map[string]string{"Retry-After": "-1"}, 0, false},
		{"garbage", map[string]string{"Retry-After": "soon"}, 0, false},
		{"absent", nil, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tt.header {
				h.Set(k, v)
			}
			got, ok := retryAfter(h, now)
			if got != tt.want || ok != tt.ok {
				t.Errorf("retryAfter(%v) = %v, %v; want %v, %v", tt.header, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestBackoffStaysWithinCeiling(t *testing.T) {
	t.Parallel()
	base, ceiling := 10*time.Millisecond, 80*time.Millisecond
	for attempt := range 10 {
		limit := min(base<<attempt, ceiling)
		for range 200 {
			if d := backoff(attempt, base, ceiling); d < 0 || d >= limit {
				t.Fatalf("backoff(%d) = %v, want in [0, %v)", attempt, d, limit)
			}
		}
	}
}

func TestClientErrorsAreNotRetried(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		status   int
		body     string
		wantMsg  string
		wantType string
	}{
		{"openai shape", 400, `{"error":{"message":"max_tokens is too large","type":"invalid_request_error","param":"max_tokens"}}`, "max_tokens is too large", "invalid_request_error"},
		{"vllm shape", 400, `{"object":"error","message":"This model's maximum context length is 4096 tokens","type":"BadRequestError","param":null,"code":400}`, "This model's maximum context length is 4096 tokens", "BadRequestError"},
		{"string error", 404, `{"error":"model \"x\" not found, try pulling it first"}`, `model "x" not found, try pulling it first`, ""},
		{"fastapi detail", 422, `{"detail":"Field required"}`, "Field required", ""},
		{"code as type", 401, `{"error":{"message":"Incorrect API key","code":"invalid_api_key"}}`, "Incorrect API key", "invalid_api_key"},
		{"plain text", 403, "forbidden\n", "forbidden", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int64
			srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
				drain(r)
				calls.Add(1)
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			})
			c := newTestClient(t, fastOptions(srv.URL))
			_, err := c.Complete(t.Context(), userRequest("q"))
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("error = %v, want *APIError", err)
			}
			if apiErr.StatusCode != tt.status || apiErr.Message != tt.wantMsg || apiErr.Type != tt.wantType {
				t.Errorf("APIError = {%d %q %q}, want {%d %q %q}", apiErr.StatusCode, apiErr.Message, apiErr.Type, tt.status, tt.wantMsg, tt.wantType)
			}
			if n := calls.Load(); n != 1 {
				t.Errorf("server saw %d requests, want 1 (no retry on %d)", n, tt.status)
			}
			if got := c.Stats().Errors[ErrClient]; got != 1 {
				t.Errorf("Stats().Errors[client] = %d, want 1", got)
			}
		})
	}
}

func TestGivesUpAfterMaxRetries(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		drain(r)
		calls.Add(1)
		http.Error(w, `{"error":{"message":"overloaded"}}`, http.StatusBadGateway)
	})
	opts := fastOptions(srv.URL)
	opts.MaxRetries = 3
	c := newTestClient(t, opts)
	_, err := c.Complete(t.Context(), userRequest("q"))
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadGateway {
		t.Fatalf("error = %v, want one wrapping HTTP 502", err)
	}
	if !strings.Contains(err.Error(), "giving up after 4 attempts") {
		t.Errorf("error = %q, want it to say how many attempts were made", err)
	}
	if n := calls.Load(); n != 4 {
		t.Errorf("server saw %d requests, want 4 (1 + 3 retries)", n)
	}
}

func TestLengthFinishIsNotAnError(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		drain(r)
		writeChoices(w, "length", "a long reasoning path that was cut")
	})
	c := newTestClient(t, fastOptions(srv.URL))
	resp, err := c.Complete(t.Context(), userRequest("q"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Choice{{Index: 0, Text: "a long reasoning path that was cut", FinishReason: "length"}}
	if diff := cmp.Diff(want, resp.Choices); diff != "" {
		t.Errorf("choices (-want +got):\n%s", diff)
	}
	if c.Stats().Retries != 0 {
		t.Errorf("retries = %d, want 0", c.Stats().Retries)
	}
}

func TestCancellationStopsWaiting(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"during a slow response", func(w http.ResponseWriter, r *http.Request) { drain(r); <-r.Context().Done() }},
		{"during backoff", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "60")
			w.WriteHeader(http.StatusTooManyRequests)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newTestServer(t, tt.handler)
			opts := fastOptions(srv.URL)
			opts.Timeout = time.Minute
			c := newTestClient(t, opts)
			ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err := c.Complete(ctx, userRequest("q"))
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("error = %v, want context.DeadlineExceeded", err)
			}
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("Complete returned after %v, want soon after the deadline", took)
			}
		})
	}
}

func TestInvalidRequests(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, fastOptions("http://127.0.0.1:1"))
	tests := []struct {
		name string
		edit func(*Request)
		want string
	}{
		{"no model", func(r *Request) { r.Model = "" }, "no model"},
		{"no messages", func(r *Request) { r.Messages = nil }, "no messages"},
		{"negative n", func(r *Request) { r.N = -1 }, "n = -1"},
		{"negative max_tokens", func(r *Request) { r.MaxTokens = -5 }, "max_tokens = -5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := userRequest("q")
			tt.edit(&req)
			if _, err := c.Complete(t.Context(), req); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestNewClientRejectsBadOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		urls []string
		want string
	}{
		{"none", nil, "no base URL"},
		{"duplicate", []string{"http://h:1", "http://h:1/v1"}, "given twice"},
		{"bad scheme", []string{"h:1"}, "scheme"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewClient(Options{BaseURLs: tt.urls}); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewClient error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestDecodeResponse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		body    string
		n       int
		want    []Choice
		wantErr string
	}{
		{"null content and finish reason", `{"choices":[{"index":0,"message":{"role":"assistant","content":null},"finish_reason":null}]}`, 1,
			[]Choice{{Index: 0}}, ""},
		{"out of order", `{"choices":[{"index":1,"message":{"content":"b"},"finish_reason":"stop"},{"index":0,"message":{"content":"a"},"finish_reason":"length"}]}`, 2,
			[]Choice{{Index: 0, Text: "a", FinishReason: "length"}, {Index: 1, Text: "b", FinishReason: "stop"}}, ""},
		{"more than asked", `{"choices":[{"index":0,"message":{"content":"a"}},{"index":1,"message":{"content":"b"}}]}`, 1,
			[]Choice{{Index: 0, Text: "a"}}, ""},
		{"completions shape", `{"choices":[{"index":0,"text":"a"}]}`, 1, nil, "has no message"},
		{"no choices", `{"choices":[]}`, 1, nil, "no choices"},
		{"not JSON", `<html>`, 1, nil, "decode response"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := decodeResponse([]byte(tt.body), tt.n)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("choices (-want +got):\n%s", diff)
			}
		})
	}
}
