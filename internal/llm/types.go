// Package llm is the client for OpenAI-compatible chat-completion servers
// (vLLM, SGLang, llama.cpp server, Ollama, hosted APIs).
package llm

import "context"

// Message is one chat turn.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Request is one chat-completion request. Every sampling parameter is sent
// explicitly, so that servers never substitute their own defaults.
type Request struct {
	Model       string    `json:"model"`
	Messages    []Message `json:"messages"`
	Temperature float64   `json:"temperature"`
	TopP        float64   `json:"top_p"`
	MaxTokens   int       `json:"max_tokens"`
	// N is the number of samples wanted; 0 means 1. The client sends it as
	// one request where the server supports n, and fans it out otherwise.
	N int `json:"n,omitempty"`
	// Seed, when set, is sent to the server. When the client fans a request
	// out, sample i is sent with Seed+i.
	Seed *int64   `json:"seed,omitempty"`
	Stop []string `json:"stop,omitempty"`
	// Persist, when set, is called by Client with the choices of each
	// successful attempt (first is the index of the first of them within
	// the request) before the attempt gives up its server slot, so that a
	// response is durable before another request takes its place: after a
	// crash, at most the requests in flight are sent again. An error from
	// Persist fails the request without a retry. The run store sets it;
	// it is not part of what is sent.
	Persist PersistFunc `json:"-"`
}

// PersistFunc saves the choices of one successful attempt; see
// Request.Persist. usage is the attempt's token usage.
type PersistFunc func(ctx context.Context, first int, choices []Choice, usage Usage) error

// Choice is one sample of a response.
type Choice struct {
	Index        int    `json:"index"`
	Text         string `json:"text"`
	FinishReason string `json:"finish_reason"`
}

// Usage counts tokens.
type Usage struct {
	PromptTokens     int64 `json:"prompt_tokens"`
	CompletionTokens int64 `json:"completion_tokens"`
}

// Response is the answer to a Request: exactly N choices, in index order.
type Response struct {
	Choices []Choice `json:"choices"`
	Usage   Usage    `json:"usage"`
	// Cached reports that every choice was served from the run store.
	Cached bool `json:"-"`
}

// Completer is what every method, evaluator and tool needs from a model.
// Implementations are safe for concurrent use.
type Completer interface {
	Complete(ctx context.Context, req Request) (*Response, error)
}
