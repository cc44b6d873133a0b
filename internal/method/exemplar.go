package method

import (
	"embed"
	"fmt"
	"iter"
	"regexp"
	"strings"

	"github.com/goccy/go-yaml"

	"github.com/regenesis-ai/regenesis/internal/answer"
	"github.com/regenesis-ai/regenesis/internal/llm"
	"github.com/regenesis-ai/regenesis/internal/prompts"
	"github.com/regenesis-ai/regenesis/internal/task"
)

//go:embed exemplars/*.yaml
var exemplarFiles embed.FS

// Exemplar is one worked example of a few-shot prompt: a question, the
// reasoning that answers it and the answer.
type Exemplar struct {
	// ID is the example's question ID when it comes from a task ("" for
	// the built-in ones); a question is never its own exemplar.
	ID        string      `json:"id,omitempty" yaml:"id,omitempty"`
	Question  string      `json:"question" yaml:"question"`
	Rationale string      `json:"rationale" yaml:"rationale"`
	Answer    string      `json:"answer" yaml:"answer"`
	Spec      answer.Spec `json:"-" yaml:"-"`
}

// DefaultShots is the number of worked examples of the few-shot baselines.
const DefaultShots = 4

// BuiltinExemplars returns the worked examples shipped for an answer type
// (internal/method/exemplars/<type>.yaml, written for this project); an
// unknown type gets the text ones.
func BuiltinExemplars(t answer.Type) ([]Exemplar, error) {
	name := string(t)
	if _, err := exemplarFiles.Open("exemplars/" + name + ".yaml"); err != nil {
		name = string(answer.Text)
	}
	data, err := exemplarFiles.ReadFile("exemplars/" + name + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("built-in exemplars %s: %w", name, err)
	}
	var out []Exemplar
	if err := yaml.UnmarshalWithOptions(data, &out, yaml.Strict()); err != nil {
		return nil, fmt.Errorf("built-in exemplars %s.yaml: %s", name, yaml.FormatError(err, false, true))
	}
	for i := range out {
		out[i].Spec = answer.Spec{Type: answer.Type(name)}
	}
	return out, nil
}

// calcAnnotation is GSM8K's calculator markup, "<<48/2=24>>".
var calcAnnotation = regexp.MustCompile(`<<[^<>]*>>`)

// ExemplarsFrom takes the first n examples of seq (a task's training split)
// that have both a rationale and a gold answer, as STaR takes its few-shot
// examples from the dataset's own rationales. It returns fewer (none when
// the task has no rationales: the caller then uses BuiltinExemplars). It
// reads at most the examples up to the n-th with a rationale, or the first
// 1000 when there are none before.
func ExemplarsFrom(seq iter.Seq2[task.Example, error], n int) ([]Exemplar, error) {
	var out []Exemplar
	seen := 0
	for ex, err := range seq {
		if err != nil {
			return nil, err
		}
		if seen++; seen > 1000 && len(out) == 0 {
			break
		}
		r := strings.TrimSpace(calcAnnotation.ReplaceAllString(ex.Rationale, ""))
		if r == "" || ex.Answer == "" {
			continue
		}
		out = append(out, Exemplar{ID: ex.ID, Question: ex.Question, Rationale: r, Answer: ex.Answer, Spec: ex.Spec})
		if len(out) == n {
			break
		}
	}
	return out, nil
}

// fewShot renders a question's worked examples as alternating user and
// assistant turns: the user turn is tmpl rendered for the exemplar (with
// its answer as the hint when hinted, as STaR's rationalization prompt
// carries the answer in its examples too), the assistant turn the
// rationale followed by the boxed answer. It takes the first shots
// exemplars that are not ex itself: d.Exemplars of ex's task, or the
// built-in ones for ex's answer type.
func fewShot(d Deps, ex task.Example, tmpl string, hinted bool, shots int) ([]llm.Message, error) {
	pool := d.Exemplars[ex.Task]
	if len(pool) == 0 {
		var err error
		if pool, err = BuiltinExemplars(ex.Spec.Type); err != nil {
			return nil, err
		}
	}
	var msgs []llm.Message
	for _, e := range pool {
		if len(msgs) == 2*shots {
			break
		}
		if e.ID != "" && e.ID == ex.ID {
			continue
		}
		spec := e.Spec
		if spec.Type == "" {
			spec = ex.Spec
		}
		data := prompts.Data{Task: ex.Task, Question: e.Question, AnswerFormat: AnswerFormat(spec)}
		if hinted {
			data.Hint = e.Answer
		}
		user, err := d.Prompts.Render(tmpl, data)
		if err != nil {
			return nil, err
		}
		msgs = append(msgs,
			llm.Message{Role: "user", Content: user},
			llm.Message{Role: "assistant", Content: e.Rationale + "\nSo the answer is \\boxed{" + e.Answer + "}."},
		)
	}
	return msgs, nil
}
