package synth

import (
	"github.com/regenesis-ai/regenesis/internal/answer"
	"github.com/regenesis-ai/regenesis/internal/method"
	"github.com/regenesis-ai/regenesis/internal/prompts"
)

// UserTemplate is the template of the training user turn: a fixed solving
// instruction and the question.
const UserTemplate = "shared/solve"

// UserTurn renders the training user turn for a question.
func UserTurn(p *prompts.Set, question string, spec answer.Spec) (string, error) {
	return userTurn(p, UserTemplate, question, spec)
}

// userTurn renders the training user turn with template tmpl ("" means
// UserTemplate).
func userTurn(p *prompts.Set, tmpl, question string, spec answer.Spec) (string, error) {
	if tmpl == "" {
		tmpl = UserTemplate
	}
	return p.Render(tmpl, prompts.Data{Question: question, AnswerFormat: method.AnswerFormat(spec)})
}
