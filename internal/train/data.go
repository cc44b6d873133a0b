package train

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"os"
	"path/filepath"

	"github.com/regenesis-ai/regenesis/internal/fileio"
)

// Message is one chat turn of a training example.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// DataStats describes the training data written for an engine.
type DataStats struct {
	// Source is the file the examples were read from.
	Source string `json:"source"`
	// Examples is the number of examples.
	Examples int `json:"examples"`
	// MaxChars is the length in characters of the longest example, all turns
	// together: a quick upper bound before tokenization.
	MaxChars int `json:"max_chars"`
}

// maxLineBytes bounds one line of training data.
const maxLineBytes = 64 << 20

// SourceFile resolves --data: a synthesis directory's sft.jsonl, or the file itself.
func SourceFile(data string) (string, error) {
	fi, err := os.Stat(data)
	if err != nil {
		return "", fmt.Errorf("training data: %w", err)
	}
	if fi.IsDir() {
		p := filepath.Join(data, "sft.jsonl")
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("training data: %s is not a synthesis directory: %w", data, err)
		}
		return p, nil
	}
	return data, nil
}

// Examples streams the conversations of a JSON Lines file of
// {"messages": [...]} records (other fields are ignored), checking each:
// roles are system, user or assistant, a user turn comes before the first
// assistant turn, and the last turn is a non-empty assistant reply. Errors
// name the file and line. Blank lines are skipped.
func Examples(path string) iter.Seq2[[]Message, error] {
	return func(yield func([]Message, error) bool) {
		f, err := os.Open(path)
		if err != nil {
			yield(nil, fmt.Errorf("training data: %w", err))
			return
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 0, 64<<10), maxLineBytes)
		line := 0
		for sc.Scan() {
			line++
			b := sc.Bytes()
			if len(bytes.TrimSpace(b)) == 0 {
				continue
			}
			var rec struct {
				Messages []Message `json:"messages"`
			}
			if err := json.Unmarshal(b, &rec); err != nil {
				yield(nil, fmt.Errorf("%s:%d: %w", path, line, err))
				return
			}
			if err := checkConversation(rec.Messages); err != nil {
				yield(nil, fmt.Errorf("%s:%d: messages: %w", path, line, err))
				return
			}
			if !yield(rec.Messages, nil) {
				return
			}
		}
		if err := sc.Err(); err != nil {
			yield(nil, fmt.Errorf("%s:%d: %w", path, line+1, err))
		}
	}
}

func checkConversation(ms []Message) error {
	if len(ms) < 2 {
		return fmt.Errorf("want at least a user and an assistant turn, got %d turns", len(ms))
	}
	user := false
	for i, m := range ms {
		switch m.Role {
		case "system":
			if i != 0 {
				return fmt.Errorf("turn %d: a system turn may only come first", i)
			}
		case "user":
			user = true
		case "assistant":
			if !user {
				return fmt.Errorf("turn %d: assistant turn before any user turn", i)
			}
		default:
			return fmt.Errorf("turn %d: role %q is not system, user or assistant", i, m.Role)
		}
	}
	last := ms[len(ms)-1]
	if last.Role != "assistant" {
		return fmt.Errorf("last turn is %q, want assistant", last.Role)
	}
	if last.Content == "" {
		return errors.New("last assistant turn is empty")
	}
	return nil
}

// recordFormat is the shape of one written training record.
type recordFormat int

const (
	// formatMessages writes {"messages": [...]}.
	formatMessages recordFormat = iota
	// formatPromptCompletion writes TRL's conversational prompt-completion
	// form: {"prompt": [turns before the reply], "completion": [the reply]}.
	formatPromptCompletion
)

// writeData streams the examples of src into dst in the given shape and
// returns what it wrote. It fails when src has no example.
func writeData(src, dst string, format recordFormat) (DataStats, error) {
	st := DataStats{Source: src}
	// The data goes to a temporary file that replaces an earlier one only
	// once it is complete and has examples.
	f, err := fileio.Create(dst)
	if err != nil {
		return st, err
	}
	defer f.Abort()
	enc := json.NewEncoder(f)
	enc.SetEscapeHTML(false)
	for ms, err := range Examples(src) {
		if err != nil {
			return st, err
		}
		if err := encodeRecord(enc, ms, format); err != nil {
			return st, fmt.Errorf("%s: %w", dst, err)
		}
		st.Examples++
		n := 0
		for _, m := range ms {
			n += len([]rune(m.Content))
		}
		st.MaxChars = max(st.MaxChars, n)
	}
	if st.Examples == 0 {
		return st, fmt.Errorf("training data %s has no examples", src)
	}
	if err := f.Commit(); err != nil {
		return st, err
	}
	return st, nil
}

func encodeRecord(enc *json.Encoder, ms []Message, format recordFormat) error {
	switch format {
	case formatPromptCompletion:
		return enc.Encode(struct {
			Prompt     []Message `json:"prompt"`
			Completion []Message `json:"completion"`
		}{ms[:len(ms)-1], ms[len(ms)-1:]})
	default:
		return enc.Encode(struct {
			Messages []Message `json:"messages"`
		}{ms})
	}
}
