package eval

import (
	"context"
	"fmt"
	"hash/fnv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/regenesis-ai/regenesis/internal/llm"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// fakeModel answers "Q: <question>" prompts from a script of replies per
// question. It records the requests and the most requests it saw at once.
type fakeModel struct {
	replies map[string][]string // question -> sample texts; a "[length]" prefix: cut off by the token limit
	fail    map[string]error    // question -> error to return
	delay   time.Duration       // upper bound of a per-question delay

	mu       sync.Mutex
	requests []llm.Request
	inFlight atomic.Int64
	peak     atomic.Int64
}

func (f *fakeModel) Complete(ctx context.Context, req llm.Request) (*llm.Response, error) {
	n := f.inFlight.Add(1)
	defer f.inFlight.Add(-1)
	for {
		p := f.peak.Load()
		if n <= p || f.peak.CompareAndSwap(p, n) {
			break
		}
	}
	f.mu.Lock()
	f.requests = append(f.requests, req)
	f.mu.Unlock()
	q, ok := strings.CutPrefix(req.Messages[len(req.Messages)-1].Content, "Q: ")
	if !ok {
		return nil, fmt.Errorf("fake: unexpected prompt %q", req.Messages[0].Content)
	}
	if f.delay > 0 {
		h := fnv.New32a()
		h.Write([]byte(q))
		select {
		case <-time.After(time.Duration(h.Sum32()) % f.delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if err := f.fail[q]; err != nil {
		return nil, err
	}
	texts, ok := f.replies[q]
	if !ok {
		return nil, fmt.Errorf("fake: no replies for %q", q)
	}
	n = int64(max(req.N, 1))
	resp := &llm.Response{Usage: llm.Usage{PromptTokens: 10, CompletionTokens: 5 * n}}
	if len(texts) == 0 {
		return resp, nil // a server that answered with no choices at all
	}
	for i := range int(n) {
		text, finish := texts[i%len(texts)], "stop"
		if t, ok := strings.CutPrefix(text, "[length]"); ok {
			text, finish = t, "length"
		}
		resp.Choices = append(resp.Choices, llm.Choice{Index: i, Text: text, FinishReason: finish})
	}
	return resp, nil
}

// plainPrompt renders "Q: <question>".
func plainPrompt(ex task.Example) (string, error) { return "Q: " + ex.Question, nil }

// examples turns examples into a stream.
func examples(exs ...task.Example) func(func(task.Example, error) bool) {
	return func(yield func(task.Example, error) bool) {
		for _, ex := range exs {
			if !yield(ex, nil) {
				return
			}
		}
	}
}
