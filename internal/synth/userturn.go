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
	return p.Render(UserTemplate, prompts.Data{Question: question, AnswerFormat: method.AnswerFormat(spec)})
}
