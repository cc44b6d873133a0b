package eval

import (
	"context"
	"fmt"

	"github.com/regenesis-ai/regenesis/internal/answer"
	"github.com/regenesis-ai/regenesis/internal/llm"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// Verdicts of a prediction and of each of its samples.
const (
	Correct   = "correct"
	Wrong     = "wrong"
	NoAnswer  = "no_answer"
	Unchecked = "unchecked" // the example has no gold answer
)

// Sample is one generation and what was read from it.
type Sample struct {
	Text         string `json:"text"`
	FinishReason string `json:"finish_reason,omitempty"`
	// Extracted is the final answer read leniently from Text ("" when
	// none); a reply cut off by the token limit (finish reason "length")
	// has one only where it states it (answer.ExtractReply).
	Extracted string `json:"extracted"`
	Verdict   string `json:"verdict"`
}

// Prediction is one question's line in predictions.jsonl.
type Prediction struct {
	Task       string      `json:"task"`
	QuestionID string      `json:"question_id"`
	Question   string      `json:"question"`
	Spec       answer.Spec `json:"spec"`
	Gold       string      `json:"gold"`
	Mode       string      `json:"mode"`
	// Answer is the scored answer: the greedy sample's, or the majority of
	// the samples' answers.
	Answer string `json:"answer"`
	// Agreement is the share of the samples with an answer that agree with
	// Answer (1 for greedy with an answer, 0 without one).
	Agreement float64  `json:"agreement"`
	Verdict   string   `json:"verdict"`
	Samples   []Sample `json:"samples"`
	// Cached reports that every sample came from the run store.
	Cached           bool  `json:"cached"`
	PromptTokens     int64 `json:"prompt_tokens"`
	CompletionTokens int64 `json:"completion_tokens"`
}

// request builds the request for one example.
func (o *Options) request(prompt string) llm.Request {
	seed := o.Seed
	return llm.Request{
		Model:       o.Model,
		Messages:    []llm.Message{{Role: "user", Content: prompt}},
		Temperature: o.Temperature,
		TopP:        o.TopP,
		MaxTokens:   o.MaxTokens,
		N:           o.Samples,
		Seed:        &seed,
	}
}

// predict asks the model about ex and scores the reply. Errors come only
// from prompt rendering, the completer and cancellation; whatever the model
// writes is scored, never returned as an error.
func (o *Options) predict(ctx context.Context, src *Source, ex task.Example) (*Prediction, error) {
	prompt, err := o.Prompt(ex)
	if err != nil {
		return nil, fmt.Errorf("task %s question %s: prompt: %w", src.Name, ex.ID, err)
	}
	resp, err := o.Completer.Complete(ctx, o.request(prompt))
	if err != nil {
		return nil, fmt.Errorf("task %s question %s: %w", src.Name, ex.ID, err)
	}
	p := &Prediction{
		Task:             src.Name,
		QuestionID:       ex.ID,
		Question:         ex.Question,
		Spec:             ex.Spec,
		Gold:             ex.Answer,
		Mode:             o.ModeLabel(),
		Samples:          make([]Sample, 0, len(resp.Choices)),
		Cached:           resp.Cached,
		PromptTokens:     resp.Usage.PromptTokens,
		CompletionTokens: resp.Usage.CompletionTokens,
	}
	answers := make([]string, 0, len(resp.Choices))
	for _, c := range resp.Choices {
		s := Sample{Text: c.Text, FinishReason: c.FinishReason}
		text := c.Text
		if o.Protocol == ProtocolBBH {
			text = bbhReply(text)
		}
		s.Extracted, _ = answer.ExtractReply(text, c.FinishReason, ex.Spec, answer.Lenient)
		s.Verdict = verdict(s.Extracted, ex)
		p.Samples = append(p.Samples, s)
		answers = append(answers, s.Extracted)
	}
	p.Answer, p.Agreement = answer.Vote(answers, ex.Spec)
	p.Verdict = verdict(p.Answer, ex)
	return p, nil
}

// verdict scores one extracted answer against the example's gold answer.
func verdict(extracted string, ex task.Example) string {
	switch {
	case ex.Answer == "":
		return Unchecked
	case extracted == "":
		return NoAnswer
	case answer.Equal(extracted, ex.Answer, ex.Spec):
		return Correct
	default:
		return Wrong
	}
}
