package method

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/regenesis-ai/regenesis/internal/llm"
)

// fakeLLM plays the model by the stage cues of docs/DESIGN.md. It solves a
// question right when solve(question, seed, hinted) says so, and records
// every request.
type fakeLLM struct {
	// solve returns the final answer of a path.
	solve func(q string, seed int64, hinted bool) string
	// reply, when set, overrides the reply of a stage ("select", "adapt",
	// "structure", "path", "judge") for sample i.
	reply func(stage string, seed int64, i int) (string, bool)
	// pathTokens is the completion token count of a path.
	pathTokens int64

	mu   sync.Mutex
	reqs []llm.Request
}

var fakeHint = regexp.MustCompile(`(?m)^Hint: the correct final answer is (.+)\. `)

func stageOf(prompt string) string {
	low := strings.ToLower(prompt)
	switch {
	case strings.Contains(low, "reply only with the numbers"):
		return "select"
	case strings.Contains(low, "reference answer:") && strings.Contains(low, "reply yes or no"):
		return "judge"
	case strings.Contains(low, "rewrite each selected guideline"):
		return "adapt"
	case strings.Contains(low, "reasoning structure"):
		return "structure"
	}
	return "path"
}

func (f *fakeLLM) Complete(ctx context.Context, req llm.Request) (*llm.Response, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	f.reqs = append(f.reqs, req)
	f.mu.Unlock()
	prompt := req.Messages[len(req.Messages)-1].Content
	stage := stageOf(prompt)
	n := max(req.N, 1)
	resp := &llm.Response{}
	for i := range n {
		seed := *req.Seed + int64(i)
		text, tokens := "", int64(10)
		if t, ok := f.override(stage, seed, i); ok {
			text = t
		} else {
			switch stage {
			case "select":
				text = fmt.Sprintf("%d, %d", 1+seed%5, 6+seed%7)
			case "adapt":
				text = "Count what the question gives."
			case "structure":
				text = "1. List the amounts.\n2. Combine them."
			case "judge":
				text = "Yes"
			case "path":
				q := questionOf(prompt)
				m := fakeHint.FindStringSubmatch(prompt)
				ans := f.solve(q, seed, m != nil)
				text = fmt.Sprintf("Sure.\n1. Work on %q (seed %d).\n2. So the answer is \\boxed{%s}.", q, seed, ans)
				tokens = f.pathTokens
			}
		}
		resp.Choices = append(resp.Choices, llm.Choice{Index: i, Text: text, FinishReason: "stop"})
		resp.Usage.CompletionTokens += tokens
	}
	return resp, nil
}

func (f *fakeLLM) override(stage string, seed int64, i int) (string, bool) {
	if f.reply == nil {
		return "", false
	}
	return f.reply(stage, seed, i)
}

func questionOf(prompt string) string {
	_, after, _ := strings.Cut(prompt, "Problem:\n")
	q, _, _ := strings.Cut(after, "\n")
	return q
}

// requests returns the recorded requests per stage.
func (f *fakeLLM) requests() map[string][]llm.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string][]llm.Request)
	for _, r := range f.reqs {
		s := stageOf(r.Messages[len(r.Messages)-1].Content)
		out[s] = append(out[s], r)
	}
	return out
}
