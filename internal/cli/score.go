package cli

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/regenesis-ai/regenesis/internal/answer"
	"github.com/regenesis-ai/regenesis/internal/task"
)

func newScoreCmd() *cobra.Command {
	var o scoreOptions
	cmd := &cobra.Command{
		Use:   "score --task T --predictions FILE",
		Short: "Score model predictions against a task's gold answers",
		Long: `score reads a JSONL file of model predictions, finds each one's final answer,
and compares it with the task's gold answer (type-aware: numbers by value,
choice labels in any written form, yes/no/true/false, normalized text, LaTeX).

Each line is an object with "prediction" (the model's full reply) and either
"id" (an example ID of the task) or "question" (the question text exactly as
the task renders it; whitespace does not matter). An optional "finish_reason"
(the server's, e.g. "stop" or "length") marks a reply cut off by the token
limit: such a reply has an answer only where it states one (a \boxed{} or an
answer phrase), never from its last line or last number. Other fields are
ignored.

--mode lenient (the default) reads the last \boxed{} and, failing that, answer
phrases, "####", the last line and the last number; --mode strict reads only
the last \boxed{} (the synthesis filter). score prints "accuracy: A (n=N)";
with --out it also writes one verdict per prediction, in input order:
{"index": i, "extracted": "...", "correct": true|false}, i counting from 0.`,
		Example: `  regenesis score --task gsm8k --predictions preds.jsonl
  regenesis score --task arc_challenge --split test --predictions preds.jsonl --mode strict --out verdicts.jsonl`,
		Args: cobra.NoArgs,
	}
	tf := addTaskFlags(cmd)
	fs := cmd.Flags()
	fs.StringVar(&o.task, "task", "", "task the predictions answer (see regenesis tasks)")
	fs.StringVar(&o.predictions, "predictions", "", "JSONL file with \"prediction\" and \"id\" or \"question\" per line")
	fs.StringVar(&o.split, "split", "", "split of the task (default: the task's test split)")
	fs.StringVar(&o.out, "out", "", "write one JSON verdict per prediction to this file")
	fs.StringVar(&o.mode, "mode", "lenient", "answer extraction: lenient (evaluation) or strict (last \\boxed{} only)")
	_ = cmd.MarkFlagRequired("task")
	_ = cmd.MarkFlagRequired("predictions")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		mode, err := parseMode(o.mode)
		if err != nil {
			return err
		}
		reg, err := tf.registry()
		if err != nil {
			return err
		}
		t, err := reg.Get(o.task)
		if err != nil {
			return err
		}
		res, err := score(cmd.Context(), t, o, mode)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(cmd.OutOrStdout(), "accuracy: %.4f (n=%d)\n", res.accuracy(), res.n)
		return err
	}
	return cmd
}

// scoreOptions are the flags of the score command.
type scoreOptions struct {
	task, predictions, split, out, mode string
}

// parseMode reads the --mode flag.
func parseMode(s string) (answer.Mode, error) {
	switch s {
	case "lenient":
		return answer.Lenient, nil
	case "strict":
		return answer.Strict, nil
	}
	return 0, fmt.Errorf("--mode %q: want lenient or strict", s)
}

// scoreResult counts the scored predictions.
type scoreResult struct{ n, correct int }

func (r scoreResult) accuracy() float64 {
	if r.n == 0 {
		return 0
	}
	return float64(r.correct) / float64(r.n)
}

// verdict is one line of the --out file.
type verdict struct {
	Index     int    `json:"index"`
	Extracted string `json:"extracted"`
	Correct   bool   `json:"correct"`
}

// predictionLine is one line of the predictions file. ID may be a JSON
// string or number; pointers tell a missing field from an empty one.
type predictionLine struct {
	ID         json.RawMessage `json:"id"`
	Question   *string         `json:"question"`
	Prediction *string         `json:"prediction"`
}

// score reads the predictions of o against task t and, with o.out set,
// writes the verdicts there (atomically: a failed run leaves no file).
func score(ctx context.Context, t *task.Task, o scoreOptions, mode answer.Mode) (scoreResult, error) {
	split := o.split
	if split == "" {
		split = t.Info().TestSplit
	}
	golds, err := loadGolds(ctx, t, split)
	if err != nil {
		return scoreResult{}, err
	}
	in, err := os.Open(o.predictions)
	if err != nil {
		return scoreResult{}, err
	}
	defer in.Close()
	var out *verdictFile
	if o.out != "" {
		if out, err = createVerdictFile(o.out); err != nil {
			return scoreResult{}, err
		}
		defer out.discard()
	}

	var res scoreResult
	err = eachLine(o.predictions, in, func(data []byte) error {
		g, pred, err := golds.match(data)
		if err != nil {
			return err
		}
		finish, err := finishReason(data)
		if err != nil {
			return err
		}
		extracted, ok := answer.ExtractReply(pred, finish, g.spec, mode)
		correct := ok && answer.Equal(extracted, g.answer, g.spec)
		if err := out.write(verdict{Index: res.n, Extracted: extracted, Correct: correct}); err != nil {
			return err
		}
		res.n++
		if correct {
			res.correct++
		}
		return ctx.Err()
	})
	if err != nil {
		return scoreResult{}, err
	}
	if res.n == 0 {
		return scoreResult{}, fmt.Errorf("%s: no predictions", o.predictions)
	}
	return res, out.commit()
}

// verdictFile writes verdicts as JSONL to a temporary file that commit
// renames into place. A nil *verdictFile writes nothing.
type verdictFile struct {
	path string
	f    *os.File
	w    *bufio.Writer
	enc  *json.Encoder
}

func createVerdictFile(path string) (*verdictFile, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("--out %s: %w", path, err)
	}
	v := &verdictFile{path: path, f: f, w: bufio.NewWriter(f)}
	v.enc = json.NewEncoder(v.w)
	v.enc.SetEscapeHTML(false)
	return v, nil
}

func (v *verdictFile) write(vd verdict) error {
	if v == nil {
		return nil
	}
	if err := v.enc.Encode(vd); err != nil {
		return fmt.Errorf("writing %s: %w", v.path, err)
	}
	return nil
}

// commit flushes the verdicts and moves them to their path.
func (v *verdictFile) commit() error {
	if v == nil {
		return nil
	}
	err := v.w.Flush()
	if err == nil {
		err = v.f.Chmod(0o644)
	}
	if cerr := v.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(v.f.Name(), v.path)
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", v.path, err)
	}
	v.f = nil
	return nil
}

// discard removes the temporary file of verdicts that were not committed.
func (v *verdictFile) discard() {
	if v == nil || v.f == nil {
		return
	}
	v.f.Close()
	os.Remove(v.f.Name())
}

// maxPredictionLine bounds one line of the predictions file.
const maxPredictionLine = 64 << 20

// eachLine calls fn with every non-blank line of r; an error is returned
// with the file name and the 1-based line number it concerns.
func eachLine(name string, r io.Reader, fn func(data []byte) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxPredictionLine)
	line := 0
	for sc.Scan() {
		line++
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		if err := fn(sc.Bytes()); err != nil {
			return fmt.Errorf("%s:%d: %w", name, line, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s:%d: %w", name, line+1, err)
	}
	return nil
}

// gold is the answer of one example and how to read it.
type gold struct {
	answer string
	spec   answer.Spec
	// ambiguous is set for a question shared by examples with different
	// answers: such a prediction needs its id.
	ambiguous bool
}

// goldIndex finds an example's gold answer by ID or by question. Questions
// are keyed by a hash of their whitespace-normalized text, so the index
// stays small for long questions.
type goldIndex struct {
	task, split string
	byID        map[string]gold
	byQuestion  map[[sha256.Size]byte]gold
}

func questionKey(q string) [sha256.Size]byte {
	return sha256.Sum256([]byte(strings.Join(strings.Fields(q), " ")))
}

// loadGolds streams a split once and indexes its gold answers.
func loadGolds(ctx context.Context, t *task.Task, split string) (*goldIndex, error) {
	idx := &goldIndex{task: t.Name(), split: split, byID: map[string]gold{}, byQuestion: map[[sha256.Size]byte]gold{}}
	for ex, err := range t.Examples(ctx, split) {
		if err != nil {
			return nil, err
		}
		g := gold{answer: ex.Answer, spec: ex.Spec}
		idx.byID[ex.ID] = g
		k := questionKey(ex.Question)
		if prev, ok := idx.byQuestion[k]; ok && (prev.answer != g.answer || prev.ambiguous) {
			g.ambiguous = true
		}
		idx.byQuestion[k] = g
	}
	if len(idx.byID) == 0 {
		return nil, fmt.Errorf("task %s split %s has no examples", t.Name(), split)
	}
	return idx, nil
}

// match decodes one predictions line and finds its gold answer.
func (idx *goldIndex) match(data []byte) (gold, string, error) {
	var p predictionLine
	if err := json.Unmarshal(data, &p); err != nil {
		if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok && te.Field != "" {
			return gold{}, "", fmt.Errorf("field %q: want a string, got a JSON %s", te.Field, te.Value)
		}
		return gold{}, "", fmt.Errorf("malformed JSON: %w", err)
	}
	if p.Prediction == nil {
		return gold{}, "", errors.New(`field "prediction": missing (want the model's reply as a string)`)
	}
	var g gold
	switch {
	case len(p.ID) > 0 && string(p.ID) != "null":
		id, err := idString(p.ID)
		if err != nil {
			return gold{}, "", err
		}
		var ok bool
		if g, ok = idx.byID[id]; !ok {
			return gold{}, "", fmt.Errorf("field \"id\": unknown id %q in task %s split %s", id, idx.task, idx.split)
		}
	case p.Question != nil:
		var ok bool
		if g, ok = idx.byQuestion[questionKey(*p.Question)]; !ok {
			return gold{}, "", fmt.Errorf("field \"question\": unknown question %q: no example of task %s split %s has it", abbreviate(*p.Question, 60), idx.task, idx.split)
		}
		if g.ambiguous {
			return gold{}, "", fmt.Errorf("field \"question\": examples of task %s split %s with different answers share this question; give \"id\"", idx.task, idx.split)
		}
	default:
		return gold{}, "", errors.New(`fields "id" and "question": both missing (give one to match the gold answer)`)
	}
	if strings.TrimSpace(g.answer) == "" {
		return gold{}, "", fmt.Errorf("task %s split %s has no gold answer for this example", idx.task, idx.split)
	}
	return g, *p.Prediction, nil
}

// idString reads an id given as a JSON string or number.
func idString(raw json.RawMessage) (string, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		return n.String(), nil
	}
	return "", fmt.Errorf("field \"id\": want a string or a number, got %s", abbreviate(string(raw), 40))
}

// abbreviate shortens s to at most n runes for an error message.
func abbreviate(s string, n int) string {
	r := []rune(strings.Join(strings.Fields(s), " "))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n-1]) + "…"
}

// finishReason reads the optional "finish_reason" field of a predictions
// line ("" when absent).
func finishReason(data []byte) (string, error) {
	var f struct {
		FinishReason *string `json:"finish_reason"`
	}
	if err := json.Unmarshal(data, &f); err != nil || f.FinishReason == nil {
		if _, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
			return "", errors.New(`field "finish_reason": want a string such as "stop" or "length"`)
		}
		return "", nil
	}
	return *f.FinishReason, nil
}
