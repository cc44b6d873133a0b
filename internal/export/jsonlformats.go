package export

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/regenesis-ai/regenesis/internal/fileio"
	"github.com/regenesis-ai/regenesis/internal/llm"
	"github.com/regenesis-ai/regenesis/internal/rundir"
)

// LineFunc turns one kept-path record (validated by rundir.ReadSFT) into
// the value written, as JSON, on one line of a JSON Lines format. Every
// line format is one: the built-in ones (LineFor) and those a caller passes
// in Options.Line. An error is reported at the record's file and line; a
// *fileio.LineError without a file gives the field too.
type LineFunc func(r rundir.Record) (any, error)

// LineFor returns the LineFunc of a built-in line format, nil for parquet
// and dpo (and for a name that is not a format).
func LineFor(f Format) LineFunc {
	switch f {
	case Messages, OpenAI:
		return func(r rundir.Record) (any, error) { return messagesLine{Messages: r.Messages}, nil }
	case PromptCompletion:
		return func(r rundir.Record) (any, error) {
			last := len(r.Messages) - 1
			return promptCompletionLine{Prompt: r.Messages[:last], Completion: r.Messages[last:]}, nil
		}
	case Alpaca:
		return func(r rundir.Record) (any, error) { return toAlpaca(r.Messages) }
	case ShareGPT:
		return func(r rundir.Record) (any, error) {
			turns := make([]shareGPTTurn, len(r.Messages))
			for i, m := range r.Messages {
				turns[i] = shareGPTTurn{From: shareGPTRole(m.Role), Value: m.Content}
			}
			return shareGPTLine{Conversations: turns}, nil
		}
	}
	return nil
}

// writeJSONL converts sft.jsonl line by line to a JSONL format: each
// record as lineFor returns it.
func writeJSONL(ctx context.Context, sft string, out *output, lineFor LineFunc, lc *lengthCheck) (int, error) {
	return out.write(func(af *fileio.File) (int, error) {
		enc := json.NewEncoder(af)
		enc.SetEscapeHTML(false)
		n := 0
		for l, err := range rundir.ReadSFT(ctx, sft) {
			if err != nil {
				return 0, err
			}
			v, err := lineFor(l.Value)
			if err != nil {
				le, ok := errors.AsType[*fileio.LineError](err)
				if !ok || le.File != "" {
					le = &fileio.LineError{Err: err}
				}
				le.File, le.Line = sft, l.N
				return 0, le
			}
			if err := enc.Encode(v); err != nil {
				return 0, fmt.Errorf("write %s: %w", out.path, err)
			}
			lc.add(l.Value.Messages)
			n++
		}
		return n, nil
	})
}

// messagesLine is TRL's, axolotl's and OpenAI's conversational line.
type messagesLine struct {
	Messages []llm.Message `json:"messages"`
}

// promptCompletionLine is TRL's conversational prompt-completion line.
type promptCompletionLine struct {
	Prompt     []llm.Message `json:"prompt"`
	Completion []llm.Message `json:"completion"`
}

// alpacaLine is LLaMA-Factory's alpaca line. Every line has every column,
// so that loaders infer one schema.
type alpacaLine struct {
	Instruction string `json:"instruction"`
	Input       string `json:"input"`
	Output      string `json:"output"`
	System      string `json:"system"`
}

// shareGPTTurn is one turn of a sharegpt conversation.
type shareGPTTurn struct {
	From  string `json:"from"`
	Value string `json:"value"`
}

// shareGPTLine is LLaMA-Factory's sharegpt line.
type shareGPTLine struct {
	Conversations []shareGPTTurn `json:"conversations"`
}

// The sharegpt role tags, written out in dataset_info.json too.
const (
	shareGPTSystem    = "system"
	shareGPTUser      = "human"
	shareGPTAssistant = "gpt"
)

func shareGPTRole(role string) string {
	switch role {
	case "system":
		return shareGPTSystem
	case "user":
		return shareGPTUser
	default:
		return shareGPTAssistant
	}
}

// toAlpaca maps an optional system turn, one user turn and one assistant
// turn onto alpaca's columns.
func toAlpaca(msgs []llm.Message) (alpacaLine, error) {
	var a alpacaLine
	rest := msgs
	if len(rest) > 0 && rest[0].Role == "system" {
		a.System = rest[0].Content
		rest = rest[1:]
	}
	if len(rest) != 2 || rest[0].Role != "user" || rest[1].Role != "assistant" {
		roles := make([]string, len(msgs))
		for i, m := range msgs {
			roles[i] = m.Role
		}
		return alpacaLine{}, &fileio.LineError{Field: "messages", Err: fmt.Errorf("alpaca holds one user and one assistant turn (after an optional system turn), got roles %s; use --format sharegpt for multi-turn data",
			strings.Join(roles, ","))}
	}
	a.Instruction = rest[0].Content
	a.Output = rest[1].Content
	return a, nil
}
