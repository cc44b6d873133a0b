package eval

import (
	"fmt"

	"github.com/regenesis-ai/regenesis/internal/answer"
	"github.com/regenesis-ai/regenesis/internal/prompts"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// TemplatePrefix is the directory of the evaluation templates in a prompt
// set: the prompt of an example is "eval/<answer type>".
const TemplatePrefix = "eval/"

// Templates returns the PromptFunc that renders the zero-shot prompt of an
// example from set's template eval/<answer type> (number, math, choice,
// yesno, text). Examples without a type use eval/text.
func Templates(set *prompts.Set) (PromptFunc, error) {
	for _, t := range []answer.Type{answer.Number, answer.Math, answer.Choice, answer.YesNo, answer.Text} {
		if !set.Has(TemplatePrefix + string(t)) {
			return nil, fmt.Errorf("eval: prompt set has no template %s%s", TemplatePrefix, t)
		}
	}
	return func(ex task.Example) (string, error) {
		typ := ex.Spec.Type
		if typ == "" {
			typ = answer.Text
		}
		return set.Render(TemplatePrefix+string(typ), prompts.Data{Task: ex.Task, Question: ex.Question})
	}, nil
}
