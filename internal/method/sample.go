package method

import (
	"context"
	"fmt"
	"sync"

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
	return d.SampleAfter(ctx, nil, prompt, s, n, seed)
}

// SampleAfter is Sample with turns sent before the prompt (a few-shot
// method's worked examples, as user and assistant turns). The system turn
// d.System, when set, comes first.
func (d Deps) SampleAfter(ctx context.Context, shots []llm.Message, prompt string, s Sampling, n int, seed int64) (*llm.Response, error) {
	msgs := make([]llm.Message, 0, len(shots)+2)
	if d.System != "" {
		msgs = append(msgs, llm.Message{Role: "system", Content: d.System})
	}
	msgs = append(msgs, shots...)
	msgs = append(msgs, llm.Message{Role: "user", Content: prompt})
	resp, err := d.LLM.Complete(ctx, llm.Request{
		Model:       d.Model,
		Messages:    msgs,
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

// Usage is what a question's requests cost, as the server reported it when
// each sample was generated (a sample replayed from the run store reports
// its original cost, so a resumed run reports the same totals).
type Usage struct {
	Requests         int64 `json:"requests"`
	Samples          int64 `json:"samples"`
	PromptTokens     int64 `json:"prompt_tokens"`
	CompletionTokens int64 `json:"completion_tokens"`
}

// Add adds u's counts to v.
func (v *Usage) Add(u Usage) {
	v.Requests += u.Requests
	v.Samples += u.Samples
	v.PromptTokens += u.PromptTokens
	v.CompletionTokens += u.CompletionTokens
}

// counter counts requested samples per stage and the question's usage;
// chains run concurrently.
type counter struct {
	mu    sync.Mutex
	m     map[string]int
	usage Usage
}

func newCounter(o *Outcome) *counter {
	if o.Calls == nil {
		o.Calls = make(map[string]int)
	}
	return &counter{m: o.Calls}
}

func (c *counter) add(stage string, n int) {
	c.mu.Lock()
	c.m[stage] += n
	c.mu.Unlock()
}

// sample counts n samples of stage, sends the request through d and counts
// what the response cost.
func (c *counter) sample(ctx context.Context, d Deps, stage, prompt string, s Sampling, n int, seed int64) (*llm.Response, error) {
	return c.sampleAfter(ctx, d, stage, nil, prompt, s, n, seed)
}

// sampleAfter is sample with turns sent before the prompt (Deps.SampleAfter).
func (c *counter) sampleAfter(ctx context.Context, d Deps, stage string, shots []llm.Message, prompt string, s Sampling, n int, seed int64) (*llm.Response, error) {
	c.add(stage, n)
	resp, err := d.SampleAfter(ctx, shots, prompt, s, n, seed)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.usage.Requests++
	c.usage.Samples += int64(len(resp.Choices))
	c.usage.PromptTokens += resp.Usage.PromptTokens
	c.usage.CompletionTokens += resp.Usage.CompletionTokens
	c.mu.Unlock()
	return resp, nil
}

// total returns the usage so far.
func (c *counter) total() Usage {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.usage
}
