package simserver

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func post(t *testing.T, url string, body []byte) (*http.Response, []byte, error) {
	t.Helper()
	resp, err := http.Post(url+"/v1/chat/completions", "application/json", bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp, out, err
}

func TestFaultKinds(t *testing.T) {
	t.Parallel()
	key := gsm8kKey(t, 1)
	body := encode(t, userRequest(solvePrompt(key[0].Question), 0, 2, nil))
	tests := []struct {
		fault Fault
		check func(t *testing.T, resp *http.Response, out []byte, err error)
	}{
		{FaultRateLimit, func(t *testing.T, resp *http.Response, out []byte, err error) {
			if err != nil || resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "2" {
				t.Errorf("got %v %v Retry-After %q, want 429 with Retry-After 2", resp, err, resp.Header.Get("Retry-After"))
			}
			var e errorBody
			if json.Unmarshal(out, &e) != nil || e.Error.Type != "rate_limit_error" {
				t.Errorf("body %s: want an OpenAI rate-limit error", out)
			}
		}},
		{FaultServerError, func(t *testing.T, resp *http.Response, out []byte, err error) {
			var e errorBody
			if err != nil || resp.StatusCode != 500 || json.Unmarshal(out, &e) != nil || e.Error.Type != "server_error" {
				t.Errorf("got %v %s %v, want 500 with an error body", resp, out, err)
			}
		}},
		{FaultDrop, func(t *testing.T, resp *http.Response, out []byte, err error) {
			if err == nil {
				t.Errorf("got %d %s, want a transport error", resp.StatusCode, out)
			}
		}},
		{FaultTruncate, func(t *testing.T, resp *http.Response, out []byte, err error) {
			var r chatResponse
			if err != nil || resp.StatusCode != 200 || json.Unmarshal(out, &r) != nil {
				t.Fatalf("got %v %s %v, want 200 JSON", resp, out, err)
			}
			for _, c := range r.Choices {
				if c.FinishReason != "length" || strings.Contains(c.Message.Content, `\boxed`) || c.Message.Content == "" {
					t.Errorf("choice %+v: want a cut text with finish_reason length", c)
				}
			}
			if r.Usage.CompletionTokens != tokens(r.Choices[0].Message.Content)+tokens(r.Choices[1].Message.Content) {
				t.Errorf("usage %+v does not count the cut text", r.Usage)
			}
		}},
		{FaultMalformed, func(t *testing.T, resp *http.Response, out []byte, err error) {
			var v any
			if err != nil || resp.StatusCode != 200 || json.Unmarshal(out, &v) == nil {
				t.Errorf("got %v %s %v, want 200 with invalid JSON", resp, out, err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.fault.String(), func(t *testing.T) {
			s := New(Config{Faults: Faults{Script: []Fault{tt.fault, FaultNone}, RetryAfter: 1500 * time.Millisecond}}, key)
			ts := httptest.NewServer(s)
			defer ts.Close()
			resp, out, err := post(t, ts.URL, body)
			tt.check(t, resp, out, err)
			// The next request goes through.
			resp, out, err = post(t, ts.URL, body)
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("request after the fault: %v %s", err, out)
			}
			st := s.Stats()
			wantOK := int64(1)
			if tt.fault == FaultTruncate {
				wantOK = 2
			}
			if st.Requests != 2 || st.Faults[tt.fault] != 1 || len(st.Faults) != 1 || st.Succeeded != wantOK {
				t.Errorf("stats = %+v", st)
			}
		})
	}
}

func TestFaultRates(t *testing.T) {
	t.Parallel()
	cfg := Config{Seed: 12, Faults: Faults{RateLimit: 0.1, ServerError: 0.05, Drop: 0.05, Truncate: 0.1, Malformed: 0.05}}
	a, b := New(cfg, nil), New(cfg, nil)
	const n = 20000
	counts := map[Fault]int{}
	for i := range uint64(n) {
		f := a.faultFor(i)
		if f != b.faultFor(i) {
			t.Fatalf("request %d: two servers with one seed disagree", i)
		}
		counts[f]++
	}
	for f, rate := range map[Fault]float64{FaultNone: 0.65, FaultRateLimit: 0.1, FaultServerError: 0.05, FaultDrop: 0.05, FaultTruncate: 0.1, FaultMalformed: 0.05} {
		if got := float64(counts[f]) / n; got < rate-0.015 || got > rate+0.015 {
			t.Errorf("%v: rate %.4f, want %.2f", f, got, rate)
		}
	}
	other := New(Config{Seed: 13, Faults: cfg.Faults}, nil)
	same := 0
	for i := range uint64(1000) {
		if other.faultFor(i) == a.faultFor(i) {
			same++
		}
	}
	if same == 1000 {
		t.Error("the fault sequence does not depend on the seed")
	}
}

func TestLatency(t *testing.T) {
	t.Parallel()
	s := New(Config{Latency: Latency{Fixed: 30 * time.Millisecond, Jitter: 20 * time.Millisecond}}, nil)
	body := encode(t, userRequest("Hello?", 0, 0, nil))
	start := time.Now()
	if code, out := do(t, s, body); code != 200 {
		t.Fatalf("status %d: %s", code, out)
	}
	if d := time.Since(start); d < 30*time.Millisecond || d > 2*time.Second {
		t.Errorf("request took %v, want 30-50ms", d)
	}

	// A client that gives up is not kept waiting for the delay.
	slow := New(Config{Latency: Latency{Fixed: time.Hour}}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/v1/chat/completions", bytes.NewReader(body))
	done := make(chan struct{})
	go func() { slow.ServeHTTP(httptest.NewRecorder(), req); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("handler kept waiting after the client went away")
	}
	if st := slow.Stats(); st.Succeeded != 0 {
		t.Errorf("stats = %+v, want no success", st)
	}
}
