package llm

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// testRequest is what the fake servers decode from a request body.
type testRequest struct {
	Model       string    `json:"model"`
	Messages    []Message `json:"messages"`
	Temperature *float64  `json:"temperature"`
	TopP        *float64  `json:"top_p"`
	MaxTokens   int       `json:"max_tokens"`
	N           int       `json:"n"`
	Seed        *int64    `json:"seed"`
	Stop        []string  `json:"stop"`
}

func decodeTestRequest(t testing.TB, r *http.Request) testRequest {
	t.Helper()
	var req testRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		t.Errorf("server: decode request: %v", err)
	}
	return req
}

// writeChoices writes a 200 chat-completion response with one choice per text.
func writeChoices(w http.ResponseWriter, finish string, texts ...string) {
	type msg struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	}
	type choice struct {
		Index        int    `json:"index"`
		Message      msg    `json:"message"`
		FinishReason string `json:"finish_reason"`
	}
	resp := struct {
		ID      string   `json:"id"`
		Object  string   `json:"object"`
		Choices []choice `json:"choices"`
		Usage   Usage    `json:"usage"`
	}{ID: "chatcmpl-test", Object: "chat.completion", Usage: Usage{PromptTokens: 10, CompletionTokens: int64(5 * len(texts))}}
	for i, text := range texts {
		resp.Choices = append(resp.Choices, choice{Index: i, Message: msg{Role: "assistant", Content: text}, FinishReason: finish})
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
}

// dropConnection closes the connection without writing a response.
func dropConnection(t testing.TB, w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		t.Error("server: response writer cannot hijack")
		return
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		t.Errorf("server: hijack: %v", err)
		return
	}
	_ = conn.Close()
}

// newTestServer starts an httptest server closed at the end of the test.
func newTestServer(t testing.TB, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// fastOptions are client options with short waits for tests.
func fastOptions(urls ...string) Options {
	return Options{
		BaseURLs:    urls,
		Concurrency: 16,
		Timeout:     2 * time.Second,
		MaxRetries:  4,
		GiveUpAfter: DefaultGiveUpAfter,
		BackoffBase: time.Millisecond,
		BackoffMax:  5 * time.Millisecond,
		RestAfter:   100,
		RestFor:     time.Millisecond,
	}
}

func newTestClient(t testing.TB, opts Options) *Client {
	t.Helper()
	c, err := NewClient(opts)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

func userRequest(content string) Request {
	return Request{
		Model:       "test-model",
		Messages:    []Message{{Role: "user", Content: content}},
		Temperature: 0.7,
		TopP:        0.95,
		MaxTokens:   64,
	}
}

func seed(v int64) *int64 { return &v }

// drain reads and discards a request body so the connection can be reused.
func drain(r *http.Request) { _, _ = io.Copy(io.Discard, r.Body) }

func texts(resp *Response) []string {
	out := make([]string, len(resp.Choices))
	for i, c := range resp.Choices {
		if c.Index != i {
			out[i] = fmt.Sprintf("<index %d at %d>", c.Index, i)
			continue
		}
		out[i] = c.Text
	}
	return out
}

func decodeJSON(r *http.Request, v any) error {
	return json.NewDecoder(r.Body).Decode(v)
}
