package synth

import (
	"context"
	"sync/atomic"

	"github.com/regenesis-ai/regenesis/internal/llm"
)

// UsageMeter is an llm.Completer that counts what passes through it: the
// requests, samples and tokens, split by whether the run store served them.
type UsageMeter struct {
	inner llm.Completer

	requests, samples, cachedSamples atomic.Int64
	prompt, completion               atomic.Int64
	cachedPrompt, cachedCompletion   atomic.Int64
}

// NewUsageMeter wraps inner.
func NewUsageMeter(inner llm.Completer) *UsageMeter {
	return &UsageMeter{inner: inner}
}

// Complete forwards req to the wrapped completer and counts the response.
func (u *UsageMeter) Complete(ctx context.Context, req llm.Request) (*llm.Response, error) {
	resp, err := u.inner.Complete(ctx, req)
	if err != nil || resp == nil {
		return resp, err
	}
	u.requests.Add(1)
	n := int64(len(resp.Choices))
	u.samples.Add(n)
	if resp.Cached {
		u.cachedSamples.Add(n)
		u.cachedPrompt.Add(resp.Usage.PromptTokens)
		u.cachedCompletion.Add(resp.Usage.CompletionTokens)
	} else {
		u.prompt.Add(resp.Usage.PromptTokens)
		u.completion.Add(resp.Usage.CompletionTokens)
	}
	return resp, nil
}

// Usage returns the counts so far.
func (u *UsageMeter) Usage() Usage {
	return Usage{
		Requests:               u.requests.Load(),
		Samples:                u.samples.Load(),
		CachedSamples:          u.cachedSamples.Load(),
		PromptTokens:           u.prompt.Load(),
		CompletionTokens:       u.completion.Load(),
		CachedPromptTokens:     u.cachedPrompt.Load(),
		CachedCompletionTokens: u.cachedCompletion.Load(),
	}
}

// Usage is the token usage of a run. Tokens of samples served from the run
// store are counted apart: they cost nothing this time.
type Usage struct {
	Requests               int64 `json:"requests"`
	Samples                int64 `json:"samples"`
	CachedSamples          int64 `json:"cached_samples"`
	PromptTokens           int64 `json:"prompt_tokens"`
	CompletionTokens       int64 `json:"completion_tokens"`
	CachedPromptTokens     int64 `json:"cached_prompt_tokens"`
	CachedCompletionTokens int64 `json:"cached_completion_tokens"`
}
