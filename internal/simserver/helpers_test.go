package simserver

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

// testRequest is a request as the project's llm client sends it.
type testRequest struct {
	Model       string        `json:"model"`
	Messages    []testMessage `json:"messages"`
	Temperature float64       `json:"temperature"`
	TopP        float64       `json:"top_p"`
	MaxTokens   int           `json:"max_tokens,omitempty"`
	N           int           `json:"n,omitempty"`
	Seed        *int64        `json:"seed,omitempty"`
	Stop        []string      `json:"stop,omitempty"`
}

type testMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

func userRequest(prompt string, temp float64, n int, seed *int64) testRequest {
	return testRequest{Model: "m", Messages: []testMessage{{Role: "user", Content: prompt}}, Temperature: temp, TopP: 1, N: n, Seed: seed}
}

func seedOf(v int64) *int64 { return &v }

func encode(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// do sends body to the handler in-process and returns the status and body.
func do(t testing.TB, h http.Handler, body []byte) (int, []byte) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/v1/chat/completions", bytes.NewReader(body)))
	return rec.Code, rec.Body.Bytes()
}

// complete sends req and decodes a 200 response.
func complete(t testing.TB, h http.Handler, req testRequest) chatResponse {
	t.Helper()
	code, body := do(t, h, encode(t, req))
	if code != http.StatusOK {
		t.Fatalf("status %d: %s", code, body)
	}
	var resp chatResponse
	if err := json.Unmarshal(body, &resp); err != nil {
		t.Fatalf("decode response: %v\n%s", err, body)
	}
	return resp
}

// texts returns the contents of a response's choices.
func texts(resp chatResponse) []string {
	out := make([]string, len(resp.Choices))
	for i, c := range resp.Choices {
		out[i] = c.Message.Content
	}
	return out
}

// solvedRight reports whether a solve reply's final answer is e's gold answer.
func solvedRight(t testing.TB, text string, e Entry) bool {
	t.Helper()
	pred, ok := finalAnswer(text)
	if !ok {
		t.Fatalf("no final answer in %q", text)
	}
	return sameAnswer(pred, e.Answer, e.Spec)
}
