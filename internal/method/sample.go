package method

import (
	"context"
	"fmt"

	"github.com/regenesis-ai/regenesis/internal/llm"
)

// Sampling is the sampling part of a request.
type Sampling struct {
	Temperature float64
	TopP        float64
	MaxTokens   int
}

// Sample sends prompt as one user turn and asks for n samples with an
// explicit seed (a fanned-out sample i is sent with seed+i). The response
// may hold fewer than n choices when a server misbehaves; callers treat a
// missing choice as a stage failure.
func (d Deps) Sample(ctx context.Context, prompt string, s Sampling, n int, seed int64) (*llm.Response, error) {
	resp, err := d.LLM.Complete(ctx, llm.Request{
		Model:       d.Model,
		Messages:    []llm.Message{{Role: "user", Content: prompt}},
		Temperature: s.Temperature,
		TopP:        s.TopP,
		MaxTokens:   s.MaxTokens,
		N:           n,
		Seed:        &seed,
	})
	if err != nil {
		return nil, err
	}
	if resp == nil {
		return nil, fmt.Errorf("completer returned no response and no error")
	}
	return resp, nil
}
