package eval

import (
	"context"
	"fmt"

	"github.com/regenesis-ai/regenesis/internal/answer"
	"github.com/regenesis-ai/regenesis/internal/llm"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// Sample is one generation and what was read from it.
type Sample struct {
	Text         string `json:"text"`
	FinishReason string `json:"finish_reason,omitempty"`
	// Extracted is the final answer read leniently from Text ("" when
	// none); a reply cut off by the token limit (finish reason "length")
	// has one only where it states it (answer.ExtractReply).
	Extracted string `json:"extracted"`
	// Verdict is Extracted's answer.Verdict; answer.Unchecked for every
	// sample of an example without a gold answer.
	Verdict answer.Verdict `json:"verdict"`
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
	Agreement float64 `json:"agreement"`
	// Verdict is Answer's answer.Verdict; answer.Unchecked for an example
	// without a gold answer, which is not scored.
	Verdict answer.Verdict `json:"verdict"`
	Samples []Sample       `json:"samples"`
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
		g := answer.GradeReply(text, c.FinishReason, ex.Answer, ex.Spec, answer.Lenient)
		s.Extracted, s.Verdict = g.Extracted, labelled(g.Verdict, ex)
		p.Samples = append(p.Samples, s)
		answers = append(answers, s.Extracted)
	}
	p.Answer, p.Agreement = answer.Vote(answers, ex.Spec)
	p.Verdict = labelled(answer.Check(p.Answer, ex.Answer, ex.Spec), ex)
	return p, nil
}

// labelled is the verdict eval records: v, except that an example without a
// gold answer is Unchecked even when its reply has no answer (answer.Check
// says NoAnswer), so that it stays out of every count but Unlabeled.
func labelled(v answer.Verdict, ex task.Example) answer.Verdict {
	if ex.Answer == "" {
		return answer.Unchecked
	}
	return v
}
