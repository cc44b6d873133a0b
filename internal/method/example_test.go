package method_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/regenesis-ai/regenesis/internal/answer"
	"github.com/regenesis-ai/regenesis/internal/llm"
	"github.com/regenesis-ai/regenesis/internal/method"
	"github.com/regenesis-ai/regenesis/internal/prompts"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// retry is a complete new method: sample paths from one prompt, and for a
// question left without a kept path sample again with the answer as a hint.
// Its templates would live in internal/prompts/templates/retry/; this one
// borrows CoT's and STaR's.
type retry struct{ method.Base }

func newRetry(name string, d method.Deps, cfg method.Config) (method.Method, error) {
	b, err := method.NewBase(name, d, cfg, false, "cot/sample", "star/rationalize")
	if err != nil {
		return nil, err
	}
	return &retry{b}, nil
}

func (m *retry) FanOut() int { return m.RoundFanOut(m.Config.Samples) }

func (m *retry) Synthesize(ctx context.Context, ex task.Example) (method.Outcome, error) {
	q, c := m.Begin(ex), m.Config
	main := method.Round{Template: "cot/sample", Temperature: c.Temperature, N: c.Samples, Adaptive: true}
	if _, _, err := q.Sample(ctx, main, q.Data()); err != nil || !q.NeedsHint() {
		return q.Done(), err
	}
	hinted := q.Data()
	hinted.Hint = ex.Answer
	_, _, err := q.Sample(ctx, method.Round{Name: method.RoundHint, Stage: "hint", Template: "star/rationalize",
		Temperature: c.HintTemperature, N: c.HintSelectSamples, First: c.Samples, Hinted: true}, hinted)
	return q.Done(), err
}

// stubborn answers 41, or 42 when the prompt gives a hint.
type stubborn struct{}

func (stubborn) Complete(_ context.Context, req llm.Request) (*llm.Response, error) {
	prompt := req.Messages[len(req.Messages)-1].Content
	ans := "41"
	if strings.Contains(prompt, "Hint:") {
		ans = "42"
	}
	text := fmt.Sprintf("Step 1: seed %d says so.\nThe answer is \\boxed{%s}.", *req.Seed, ans)
	return &llm.Response{Choices: []llm.Choice{{Text: text, FinishReason: "stop"}}, Usage: llm.Usage{PromptTokens: 50, CompletionTokens: 12}}, nil
}

// Example_newMethod registers a new method and runs it on one question
// against a fake model.
func Example_newMethod() {
	reg := method.Builtins()
	if err := reg.Register("retry", newRetry); err != nil {
		panic(err)
	}
	set, err := prompts.Load("")
	if err != nil {
		panic(err)
	}
	cfg := method.DefaultConfig()
	cfg.Samples, cfg.HintSelectSamples, cfg.Dedup = 2, 2, false
	m, err := reg.New("retry", method.Deps{LLM: stubborn{}, Model: "m", Prompts: set}, cfg)
	if err != nil {
		panic(err)
	}
	ex := task.Example{Task: "demo", ID: "q1", Question: "What is 6 times 7?", Answer: "42", Spec: answer.Spec{Type: answer.Number}}
	out, err := m.Synthesize(context.Background(), ex)
	if err != nil {
		panic(err)
	}
	for _, c := range out.Candidates {
		fmt.Printf("%d %s %s kept=%v reason=%q\n", c.Index, c.Round, c.Verdict, c.Kept, c.Reason)
	}
	fmt.Println("fan-out", method.FanOut(m), "requests", out.Usage.Requests, "calls", out.Calls)
	// Output:
	// 0 main wrong kept=false reason="wrong_answer"
	// 1 main wrong kept=false reason="wrong_answer"
	// 2 hint correct kept=true reason=""
	// 3 hint correct kept=true reason=""
	// fan-out 2 requests 4 calls map[hint:2 sample:2]
}
