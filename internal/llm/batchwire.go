package llm

import (
	"encoding/json"
	"fmt"
)

// ChatRequestBody returns the JSON body Client would send for req (all of
// its samples in one request with n), for a Batch API input line.
func ChatRequestBody(req Request) ([]byte, error) {
	if err := validate(req); err != nil {
		return nil, err
	}
	b, err := json.Marshal(newWireRequest(req, max(req.N, 1), req.Seed))
	if err != nil {
		return nil, fmt.Errorf("llm: encode request: %w", err)
	}
	return b, nil
}

// DecodeChatResponse reads a chat-completion response body (a Batch API
// output line's response.body) as Client reads one: exactly n choices in
// index order, or an error saying what is wrong.
func DecodeChatResponse(body []byte, n int) (*Response, error) {
	choices, usage, err := decodeResponse(body, n)
	if err != nil {
		return nil, err
	}
	if len(choices) != n {
		return nil, fmt.Errorf("llm: response has %d choices, want %d", len(choices), n)
	}
	return &Response{Choices: choices, Usage: usage}, nil
}
