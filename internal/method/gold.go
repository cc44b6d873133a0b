package method

import (
	"context"
	"regexp"
	"strings"

	"github.com/regenesis-ai/regenesis/internal/answer"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// calculatorNote matches GSM8K's calculator annotations, "<<48/2=24>>",
// which are not reasoning and are removed from gold rationales.
var calculatorNote = regexp.MustCompile(`<<[^<>\n]*>>`)

// gold is the "fine-tune on ground truth" baseline: no LLM calls. Each
// question gives one path made from the dataset itself: its gold rationale
// with the gold answer boxed at the end, or (answer-only, and for questions
// without a rationale) the gold answer alone. The path is graded by the same
// strict check as model paths, so an answer that cannot be boxed and read
// back is dropped visibly rather than trained on.
type gold struct {
	name       string
	answerOnly bool
}

func newGold(name string, _ Deps, _ Config) (Method, error) {
	return gold{name: name, answerOnly: name == "gold-answer"}, nil
}

// FanOut is 0: the gold baseline sends no request.
func (m gold) FanOut() int { return 0 }

func (m gold) Name() string { return m.name }

// Synthesize returns the question's single gold path.
func (m gold) Synthesize(ctx context.Context, ex task.Example) (Outcome, error) {
	out := Outcome{Example: ex, Calls: make(map[string]int)}
	if err := ctx.Err(); err != nil {
		return out, err
	}
	c := Candidate{
		Task: ex.Task, QuestionID: ex.ID, Method: m.name, Round: RoundMain,
		Verdict: answer.Unchecked,
	}
	if strings.TrimSpace(ex.Answer) == "" {
		c.Reason = ReasonNoLabel
	} else {
		c.Path = GoldPath(ex, m.answerOnly)
		Check(&c, ex.Spec, ex.Answer, 0)
		c.Kept = c.Reason == ""
	}
	out.Candidates = []Candidate{c}
	if c.Kept {
		out.Agreement = 1
	}
	return out, nil
}

// GoldPath writes the training target of the gold baseline: the example's
// rationale (GSM8K calculator notes removed) followed by "The final answer
// is \boxed{ANSWER}." unless the rationale already boxes its answer; with
// answerOnly, or without a rationale, only that sentence.
func GoldPath(ex task.Example, answerOnly bool) string {
	final := `The final answer is \boxed{` + ex.Answer + `}.`
	rationale := strings.TrimSpace(calculatorNote.ReplaceAllString(ex.Rationale, ""))
	switch {
	case answerOnly || rationale == "":
		return final
	case strings.Contains(rationale, `\boxed{`):
		return rationale
	default:
		return rationale + "\n\n" + final
	}
}
