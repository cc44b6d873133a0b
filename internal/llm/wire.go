package llm

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// wireRequest is the body of POST /v1/chat/completions. Every sampling
// parameter is present so that no server substitutes its own defaults
// (vLLM, for one, applies the model's generation_config to omitted ones).
type wireRequest struct {
	Model       string    `json:"model"`
	Messages    []Message `json:"messages"`
	Temperature float64   `json:"temperature"`
	TopP        float64   `json:"top_p"`
	// MaxTokens 0 means "up to the server's context limit" and is omitted:
	// servers reject max_tokens 0.
	MaxTokens int      `json:"max_tokens,omitempty"`
	N         int      `json:"n"`
	Seed      *int64   `json:"seed,omitempty"`
	Stop      []string `json:"stop,omitempty"`
	Stream    bool     `json:"stream"`
}

func newWireRequest(req Request, n int, seed *int64) wireRequest {
	return wireRequest{
		Model:       req.Model,
		Messages:    req.Messages,
		Temperature: req.Temperature,
		TopP:        req.TopP,
		MaxTokens:   req.MaxTokens,
		N:           n,
		Seed:        seed,
		Stop:        req.Stop,
	}
}

// wireResponse is the part of a chat-completion response the client uses.
type wireResponse struct {
	Choices []wireChoice `json:"choices"`
	Usage   Usage        `json:"usage"`
}

// wireChoice decodes a JSON null content or finish_reason as "".
type wireChoice struct {
	Index        int          `json:"index"`
	Message      *wireMessage `json:"message"`
	FinishReason string       `json:"finish_reason"`
}

type wireMessage struct {
	Content string `json:"content"`
}

var errNoChoices = errors.New("response has no choices")

// decodeResponse parses a 200 body into at most n choices, renumbered
// 0..k-1 in the server's index order.
func decodeResponse(body []byte, n int) ([]Choice, Usage, error) {
	var wr wireResponse
	if err := json.Unmarshal(body, &wr); err != nil {
		return nil, Usage{}, fmt.Errorf("decode response: %w", err)
	}
	if len(wr.Choices) == 0 {
		return nil, Usage{}, errNoChoices
	}
	slices.SortStableFunc(wr.Choices, func(a, b wireChoice) int { return cmp.Compare(a.Index, b.Index) })
	if len(wr.Choices) > n {
		wr.Choices = wr.Choices[:n]
	}
	choices := make([]Choice, len(wr.Choices))
	for i, wc := range wr.Choices {
		if wc.Message == nil {
			return nil, Usage{}, fmt.Errorf("decode response: choice %d has no message", wc.Index)
		}
		choices[i] = Choice{Index: i, Text: wc.Message.Content, FinishReason: wc.FinishReason}
	}
	return choices, wr.Usage, nil
}
