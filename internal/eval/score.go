package eval

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/regenesis-ai/regenesis/internal/answer"
	"github.com/regenesis-ai/regenesis/internal/fileio"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// VerdictsFile is the file name regenesis score writes into its --out
// directory.
const VerdictsFile = "verdicts.jsonl"

// ScoreOptions configures Score: which predictions to score against which
// tasks' gold answers, and where the verdicts go.
type ScoreOptions struct {
	// Tasks are the tasks the predictions answer; at least one. With
	// several, every line names its task in "task".
	Tasks []*task.Task
	// Split is the split of every task; "" means each task's test split.
	Split string
	// Predictions is the JSON Lines file of predictions (see
	// PredictionLine).
	Predictions string
	// Mode is how final answers are read: answer.Lenient (evaluation) or
	// answer.Strict (the last \boxed{} only, as the synthesis filter).
	Mode answer.Mode
	// Out, when set, receives one ScoreVerdict line per scored prediction,
	// in input order, written atomically: a failed run leaves an earlier
	// file as it was.
	Out string
	// AllowPartial scores the predictions given even when questions of the
	// split have no prediction or several: the first prediction of a
	// question counts, and the rest are reported on Warn and skipped.
	// Without it, either is an error.
	AllowPartial bool
	// Warn receives notes and warnings (nil: discarded).
	Warn io.Writer
}

// ScoreResult counts the scored predictions.
type ScoreResult struct {
	N       int
	Correct int
}

// Accuracy is Correct/N (0 for no predictions).
func (r ScoreResult) Accuracy() float64 {
	if r.N == 0 {
		return 0
	}
	return float64(r.Correct) / float64(r.N)
}

// ScoreVerdict is one line of the verdicts file. Index counts the scored
// predictions from 0.
type ScoreVerdict struct {
	Index      int    `json:"index"`
	Task       string `json:"task"`
	QuestionID string `json:"question_id"`
	Extracted  string `json:"extracted"`
	Correct    bool   `json:"correct"`
}

// PredictionLine is one line of a predictions file: eval's own
// predictions.jsonl, or a user's. IDs may be JSON strings or numbers;
// pointers tell a missing field from an empty one. Other fields are
// ignored.
type PredictionLine struct {
	// Task names the task of ScoreOptions.Tasks the line answers (needed
	// with several).
	Task string `json:"task"`
	// ID or QuestionID is the example's ID; failing both, Question is its
	// text as the task renders it (whitespace does not matter).
	ID         json.RawMessage `json:"id"`
	QuestionID json.RawMessage `json:"question_id"`
	Question   *string         `json:"question"`
	// Prediction is the model's whole reply; without it, Samples (as eval
	// writes them) are scored by their majority answer.
	Prediction *string `json:"prediction"`
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

// Score reads o.Predictions as a stream, grades each prediction against its
// example's gold answer with answer.GradeReply (a prediction with several
// samples by their majority answer, as eval), and, with o.Out set, writes
// the verdicts there. Questions without a gold answer are skipped with a
// note on o.Warn. A bad line is an error naming the file, the line and the
// field (a *fileio.LineError); so are missing and duplicated predictions
// unless o.AllowPartial. Messages name the flags of regenesis score
// (--task, --out, --allow-partial) that set the fields at fault.
func Score(ctx context.Context, o ScoreOptions) (ScoreResult, error) {
	if len(o.Tasks) == 0 {
		return ScoreResult{}, errors.New("score: no task given")
	}
	warn := o.Warn
	if warn == nil {
		warn = io.Discard
	}
	idx := map[string]*goldIndex{}
	var names []string
	for _, t := range o.Tasks {
		split := o.Split
		if split == "" {
			split = t.Info().TestSplit
		}
		g, err := loadGolds(ctx, t, split)
		if err != nil {
			return ScoreResult{}, err
		}
		idx[t.Name()] = g
		names = append(names, t.Name())
	}
	var out *fileio.File
	if o.Out != "" {
		var err error
		if out, err = fileio.Create(o.Out); err != nil {
			return ScoreResult{}, fmt.Errorf("--out: %w", err)
		}
		defer out.Abort()
	}
	enc := json.NewEncoder(io.Discard)
	if out != nil {
		enc = json.NewEncoder(out)
	}
	enc.SetEscapeHTML(false)

	var (
		res       ScoreResult
		dups      []string
		lines     = 0
		unlabeled = 0
	)
	for l, err := range fileio.ReadFile[PredictionLine](o.Predictions) {
		if err != nil {
			return ScoreResult{}, err
		}
		lines++
		at := func(field string, err error) error {
			return &fileio.LineError{File: o.Predictions, Line: l.N, Field: field, Err: err}
		}
		p := l.Value
		gi, err := pickIndex(idx, names, p.Task)
		if err != nil {
			return ScoreResult{}, at("task", err)
		}
		g, field, err := gi.match(p)
		if errors.Is(err, errNoGold) {
			unlabeled++
			continue
		}
		if err != nil {
			return ScoreResult{}, at(field, err)
		}
		graded, err := gradeLine(p, g, o.Mode)
		if err != nil {
			return ScoreResult{}, at("prediction", err)
		}
		if prev, ok := gi.seen[g.id]; ok {
			dups = append(dups, fmt.Sprintf("%s/%s on lines %d and %d", gi.task, g.id, prev, l.N))
			continue
		}
		gi.seen[g.id] = l.N
		correct := graded.Verdict == answer.Correct
		if err := enc.Encode(ScoreVerdict{Index: res.N, Task: gi.task, QuestionID: g.id, Extracted: graded.Extracted, Correct: correct}); err != nil {
			return ScoreResult{}, fmt.Errorf("--out: %w", err)
		}
		res.N++
		if correct {
			res.Correct++
		}
		if err := ctx.Err(); err != nil {
			return ScoreResult{}, err
		}
	}
	if lines == 0 {
		return ScoreResult{}, fmt.Errorf("%s: no predictions", o.Predictions)
	}
	if unlabeled > 0 {
		fmt.Fprintf(warn, "note: %s: %d predictions answer questions without a gold answer; they are not scored\n", o.Predictions, unlabeled)
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
		msg := o.Predictions + ": " + strings.Join(problems, "; ")
		if !o.AllowPartial {
			return ScoreResult{}, errors.New(msg + "; pass --allow-partial to score the predictions given")
		}
		fmt.Fprintf(warn, "warning: %s; scoring the %d predictions given (--allow-partial)\n", msg, res.N)
	}
	if out != nil {
		if err := out.Commit(); err != nil {
			return ScoreResult{}, fmt.Errorf("--out: %w", err)
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

// gradeLine grades a prediction line against g: its "prediction", else its
// one sample, else the majority answer of its samples.
func gradeLine(p PredictionLine, g gold, mode answer.Mode) (answer.Grade, error) {
	if p.Prediction != nil {
		return answer.GradeReply(*p.Prediction, p.FinishReason, g.answer, g.spec, mode), nil
	}
	if len(p.Samples) == 0 {
		return answer.Grade{}, errors.New(`missing (want the model's reply as a string, or "samples" as eval writes them)`)
	}
	if len(p.Samples) == 1 {
		s := p.Samples[0]
		return answer.GradeReply(s.Text, s.FinishReason, g.answer, g.spec, mode), nil
	}
	answers := make([]string, len(p.Samples))
	for i, s := range p.Samples {
		answers[i] = answer.GradeReply(s.Text, s.FinishReason, g.answer, g.spec, mode).Extracted
	}
	winner, _ := answer.Vote(answers, g.spec)
	return answer.Grade{Extracted: winner, Verdict: answer.Check(winner, g.answer, g.spec)}, nil
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
func (idx *goldIndex) match(p PredictionLine) (gold, string, error) {
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
