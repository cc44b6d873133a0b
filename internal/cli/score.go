package cli

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/regenesis-ai/regenesis/internal/answer"
	"github.com/regenesis-ai/regenesis/internal/fileio"
	"github.com/regenesis-ai/regenesis/internal/task"
)

func newScoreCmd() *cobra.Command {
	var o scoreOptions
	cmd := &cobra.Command{
		Use:   "score --task T[,T...] --predictions FILE",
		Short: "Score model predictions against a task's gold answers",
		Long: `score reads a JSONL file of model predictions, finds each one's final answer,
and compares it with the task's gold answer (type-aware: numbers by value,
choice labels in any written form, yes/no/true/false, normalized text, LaTeX).

Each line is an object with the model's reply and the example it answers:
  - the reply: "prediction" (the full reply as a string), or "samples" as in
    eval's predictions.jsonl ([{"text": ...}, ...]; several samples are scored
    by their majority answer);
  - the example: "id" or "question_id" (an example ID of the task, a string
    or a number), or "question" (the question text exactly as the task
    renders it; whitespace does not matter);
  - "task": which task of --task the line answers (needed with several);
  - optionally "finish_reason" (the server's, e.g. "stop" or "length"; inside
    each sample in eval's file): a reply cut off by the token limit has an
    answer only where it states one (a \boxed{} or an answer phrase), never
    from its last line or last number.
Other fields are ignored, so eval's own predictions.jsonl scores as it is.

Every question of the split must be predicted exactly once: missing and
duplicated predictions are listed and the command fails, unless
--allow-partial (then the first prediction of a question counts and the rest
are reported and skipped).

--mode lenient (the default) reads the last \boxed{} and, failing that, answer
phrases, "####", the last line and the last number; --mode strict reads only
the last \boxed{} (the synthesis filter). score prints "accuracy: A (n=N)";
with --out DIR it also writes DIR/verdicts.jsonl (or --out-file FILE), one
verdict per scored prediction, in input order:
{"index": i, "task": "...", "question_id": "...", "extracted": "...", "correct": true|false},
i counting the scored predictions from 0.`,
		Example: `  regenesis score --task gsm8k --predictions runs/eval-base/predictions.jsonl
  regenesis score --task gsm8k,svamp --predictions runs/eval-base/predictions.jsonl --out runs/eval-base/strict --mode strict
  regenesis score --task arc_challenge --predictions preds.jsonl --allow-partial --out-file verdicts.jsonl`,
		Args: cobra.NoArgs,
	}
	tf := addTaskFlags(cmd)
	fs := cmd.Flags()
	fs.StringSliceVar(&o.tasks, "task", nil, "tasks the predictions answer, comma-separated or repeated (see regenesis tasks)")
	fs.StringVar(&o.predictions, "predictions", "", "JSONL file of predictions (eval's predictions.jsonl, or lines with \"prediction\" and \"id\" or \"question\")")
	fs.StringVar(&o.split, "split", "", "split of the tasks (default: each task's test split)")
	out := addOutFlags(cmd, "write verdicts.jsonl, one verdict per prediction, into this directory",
		"write the verdicts to this file instead", ".jsonl", ".json")
	fs.StringVar(&o.mode, "mode", "lenient", "answer extraction: lenient (evaluation) or strict (last \\boxed{} only)")
	fs.BoolVar(&o.allowPartial, "allow-partial", false, "score the predictions given even when questions are missing or predicted twice (reported on standard error)")
	_ = cmd.MarkFlagRequired("task")
	_ = cmd.MarkFlagRequired("predictions")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		mode, err := parseMode(o.mode)
		if err != nil {
			return err
		}
		dir, file, err := out.resolve(cmd)
		if err != nil {
			return err
		}
		if dir != "" {
			file = filepath.Join(dir, verdictsFile)
		}
		o.out = file
		reg, err := tf.registry()
		if err != nil {
			return err
		}
		var tasks []*task.Task
		for _, name := range o.tasks {
			t, err := reg.Get(strings.TrimSpace(name))
			if err != nil {
				return fmt.Errorf("--task: %w", err)
			}
			tasks = append(tasks, t)
		}
		if len(tasks) == 0 {
			return errors.New("--task: no task given")
		}
		if o.out != "" {
			release, err := lockRunDir(cmd, filepath.Dir(o.out))
			if err != nil {
				return err
			}
			defer release()
		}
		res, err := score(cmd.Context(), tasks, o, mode, cmd.ErrOrStderr())
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(cmd.OutOrStdout(), "accuracy: %.4f (n=%d)\n", res.accuracy(), res.n)
		return err
	}
	return cmd
}

// verdictsFile is the file score writes into --out.
const verdictsFile = "verdicts.jsonl"

// scoreOptions are the flags of the score command.
type scoreOptions struct {
	tasks                         []string
	predictions, split, out, mode string
	allowPartial                  bool
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

// verdict is one line of the verdicts file.
type verdict struct {
	Index      int    `json:"index"`
	Task       string `json:"task"`
	QuestionID string `json:"question_id"`
	Extracted  string `json:"extracted"`
	Correct    bool   `json:"correct"`
}

// predictionLine is one line of the predictions file: ours (eval's
// predictions.jsonl) or a user's. IDs may be JSON strings or numbers;
// pointers tell a missing field from an empty one.
type predictionLine struct {
	Task       string          `json:"task"`
	ID         json.RawMessage `json:"id"`
	QuestionID json.RawMessage `json:"question_id"`
	Question   *string         `json:"question"`
	Prediction *string         `json:"prediction"`
	// FinishReason is the server's finish reason for Prediction (e.g.
	// "stop", "length"); a cut-off reply is read as eval reads it.
	FinishReason string `json:"finish_reason"`
	Samples      []struct {
		Text         string `json:"text"`
		FinishReason string `json:"finish_reason"`
	} `json:"samples"`
}

// errNoGold marks a prediction of a question the split has no gold answer
// for: it is skipped, not scored.
var errNoGold = errors.New("no gold answer")

// maxListed is how many missing or duplicated questions a message names.
const maxListed = 5

// score reads the predictions of o against the tasks and, with o.out set,
// writes the verdicts there (atomically: a failed run leaves an earlier
// file as it was). Missing and duplicated predictions are an error unless
// o.allowPartial; then they are reported on warn.
func score(ctx context.Context, tasks []*task.Task, o scoreOptions, mode answer.Mode, warn io.Writer) (scoreResult, error) {
	idx := map[string]*goldIndex{}
	var names []string
	for _, t := range tasks {
		split := o.split
		if split == "" {
			split = t.Info().TestSplit
		}
		g, err := loadGolds(ctx, t, split)
		if err != nil {
			return scoreResult{}, err
		}
		idx[t.Name()] = g
		names = append(names, t.Name())
	}
	var out *fileio.File
	if o.out != "" {
		var err error
		if out, err = fileio.Create(o.out); err != nil {
			return scoreResult{}, fmt.Errorf("--out: %w", err)
		}
		defer out.Abort()
	}
	enc := json.NewEncoder(io.Discard)
	if out != nil {
		enc = json.NewEncoder(out)
	}
	enc.SetEscapeHTML(false)

	var (
		res       scoreResult
		dups      []string
		lines     = 0
		unlabeled = 0
	)
	for l, err := range fileio.ReadFile[predictionLine](o.predictions) {
		if err != nil {
			return scoreResult{}, err
		}
		lines++
		at := func(field string, err error) error {
			return &fileio.LineError{File: o.predictions, Line: l.N, Field: field, Err: err}
		}
		p := l.Value
		gi, err := pickIndex(idx, names, p.Task)
		if err != nil {
			return scoreResult{}, at("task", err)
		}
		g, field, err := gi.match(p)
		if errors.Is(err, errNoGold) {
			unlabeled++
			continue
		}
		if err != nil {
			return scoreResult{}, at(field, err)
		}
		extracted, err := readAnswer(p, g.spec, mode)
		if err != nil {
			return scoreResult{}, at("prediction", err)
		}
		if prev, ok := gi.seen[g.id]; ok {
			dups = append(dups, fmt.Sprintf("%s/%s on lines %d and %d", gi.task, g.id, prev, l.N))
			continue
		}
		gi.seen[g.id] = l.N
		correct := extracted != "" && answer.Equal(extracted, g.answer, g.spec)
		if err := enc.Encode(verdict{Index: res.n, Task: gi.task, QuestionID: g.id, Extracted: extracted, Correct: correct}); err != nil {
			return scoreResult{}, fmt.Errorf("--out: %w", err)
		}
		res.n++
		if correct {
			res.correct++
		}
		if err := ctx.Err(); err != nil {
			return scoreResult{}, err
		}
	}
	if lines == 0 {
		return scoreResult{}, fmt.Errorf("%s: no predictions", o.predictions)
	}
	if unlabeled > 0 {
		fmt.Fprintf(warn, "note: %s: %d predictions answer questions without a gold answer; they are not scored\n", o.predictions, unlabeled)
	}
	var problems []string
	if len(dups) > 0 {
		problems = append(problems, fmt.Sprintf("%d questions predicted more than once (%s)", len(dups), listSome(dups)))
	}
	for _, name := range names {
		gi := idx[name]
		var missing []string
		for _, id := range gi.order {
			if _, ok := gi.seen[id]; !ok {
				missing = append(missing, id)
			}
		}
		if len(missing) > 0 {
			problems = append(problems, fmt.Sprintf("%d of %d questions of %s split %s have no prediction (%s)",
				len(missing), len(gi.order), gi.task, gi.split, listSome(missing)))
		}
	}
	if len(problems) > 0 {
		msg := o.predictions + ": " + strings.Join(problems, "; ")
		if !o.allowPartial {
			return scoreResult{}, errors.New(msg + "; pass --allow-partial to score the predictions given")
		}
		fmt.Fprintf(warn, "warning: %s; scoring the %d predictions given (--allow-partial)\n", msg, res.n)
	}
	if out != nil {
		if err := out.Commit(); err != nil {
			return scoreResult{}, fmt.Errorf("--out: %w", err)
		}
	}
	return res, nil
}

// listSome names the first few items of a list.
func listSome(items []string) string {
	if len(items) <= maxListed {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:maxListed], ", ") + fmt.Sprintf(", and %d more", len(items)-maxListed)
}

// pickIndex returns the gold index of the line's task: the one task given,
// or the one its "task" field names.
func pickIndex(idx map[string]*goldIndex, names []string, lineTask string) (*goldIndex, error) {
	if lineTask == "" {
		if len(names) == 1 {
			return idx[names[0]], nil
		}
		return nil, fmt.Errorf("missing: with several --task values each line must say which task it answers (%s)", strings.Join(names, ", "))
	}
	gi, ok := idx[lineTask]
	if !ok {
		return nil, fmt.Errorf("%q is not one of --task %s", lineTask, strings.Join(names, ","))
	}
	return gi, nil
}

// readAnswer extracts the final answer of a prediction line: of its
// "prediction", else of its one sample, else the majority of its samples'.
func readAnswer(p predictionLine, spec answer.Spec, mode answer.Mode) (string, error) {
	if p.Prediction != nil {
		a, _ := answer.ExtractReply(*p.Prediction, p.FinishReason, spec, mode)
		return a, nil
	}
	if len(p.Samples) == 0 {
		return "", errors.New(`missing (want the model's reply as a string, or "samples" as eval writes them)`)
	}
	answers := make([]string, len(p.Samples))
	for i, s := range p.Samples {
		answers[i], _ = answer.ExtractReply(s.Text, s.FinishReason, spec, mode)
	}
	if len(answers) == 1 {
		return answers[0], nil
	}
	winner, _ := answer.Vote(answers, spec)
	return winner, nil
}

// gold is the answer of one example and how to read it.
type gold struct {
	id     string
	answer string
	spec   answer.Spec
	// ambiguous is set for a question shared by examples with different
	// answers: such a prediction needs its id.
	ambiguous bool
}

// goldIndex finds an example's gold answer by ID or by question, and keeps
// which examples were predicted. Questions are keyed by a hash of their
// whitespace-normalized text, so the index stays small for long questions.
type goldIndex struct {
	task, split string
	byID        map[string]gold
	byQuestion  map[[sha256.Size]byte]gold
	// order lists the IDs of the labelled examples in file order; seen maps
	// a predicted ID to the line that predicted it.
	order []string
	seen  map[string]int
}

func questionKey(q string) [sha256.Size]byte {
	return sha256.Sum256([]byte(strings.Join(strings.Fields(q), " ")))
}

// loadGolds streams a split once and indexes its gold answers.
func loadGolds(ctx context.Context, t *task.Task, split string) (*goldIndex, error) {
	idx := &goldIndex{task: t.Name(), split: split, byID: map[string]gold{}, byQuestion: map[[sha256.Size]byte]gold{}, seen: map[string]int{}}
	for ex, err := range t.Examples(ctx, split) {
		if err != nil {
			return nil, err
		}
		g := gold{id: ex.ID, answer: ex.Answer, spec: ex.Spec}
		if _, dup := idx.byID[ex.ID]; !dup && strings.TrimSpace(ex.Answer) != "" {
			idx.order = append(idx.order, ex.ID)
		}
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

// match finds the gold answer of a predictions line; an error comes with
// the field at fault.
func (idx *goldIndex) match(p predictionLine) (gold, string, error) {
	var g gold
	raw, field := p.ID, "id"
	if len(raw) == 0 || string(raw) == "null" {
		raw, field = p.QuestionID, "question_id"
	}
	switch {
	case len(raw) > 0 && string(raw) != "null":
		id, err := idString(raw)
		if err != nil {
			return gold{}, field, err
		}
		var ok bool
		if g, ok = idx.byID[id]; !ok {
			return gold{}, field, fmt.Errorf("unknown id %q in task %s split %s", id, idx.task, idx.split)
		}
	case p.Question != nil:
		var ok bool
		if g, ok = idx.byQuestion[questionKey(*p.Question)]; !ok {
			return gold{}, "question", fmt.Errorf("unknown question %q: no example of task %s split %s has it", abbreviate(*p.Question, 60), idx.task, idx.split)
		}
		if g.ambiguous {
			return gold{}, "question", fmt.Errorf("examples of task %s split %s with different answers share this question; give \"id\"", idx.task, idx.split)
		}
	default:
		return gold{}, "", errors.New(`fields "id", "question_id" and "question": all missing (give one to match the gold answer)`)
	}
	if strings.TrimSpace(g.answer) == "" {
		return g, "", errNoGold
	}
	return g, "", nil
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
	return "", fmt.Errorf("want a string or a number, got %s", abbreviate(string(raw), 40))
}

// abbreviate shortens s to at most n runes for an error message.
func abbreviate(s string, n int) string {
	r := []rune(strings.Join(strings.Fields(s), " "))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n-1]) + "…"
}
