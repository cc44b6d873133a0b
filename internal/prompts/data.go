package prompts

import (
	"fmt"
	"strings"
	"text/template"

	"github.com/regenesis-ai/regenesis/internal/guideline"
)

// Data is what every template renders from. Fields a template does not use
// are simply left empty.
type Data struct {
	// Task is the task name, e.g. "gsm8k".
	Task string
	// Question is the full question text, with answer choices when any.
	Question string
	// AnswerFormat tells the model what to put in \boxed{}, e.g. "a number"
	// or "the letter of the correct choice".
	AnswerFormat string
	// Guidelines are the guidelines the stage works with; templates list
	// them numbered from 1 with the numbered function.
	Guidelines []guideline.Guideline
	// Adapted is the question-specific rewrite of the selected guidelines.
	Adapted string
	// Structure is the reasoning structure (plan) for the question.
	Structure string
	// Hint is the gold answer given as a hint, or "" outside hint rounds.
	Hint string
	// Path is a reasoning path (for judging or revising).
	Path string
	// Reference is the answer a path is judged against.
	Reference string
	// Rationale is a gold rationale, when a task has one.
	Rationale string
}

// funcs are the helpers available to every template.
func funcs() template.FuncMap {
	return template.FuncMap{
		// numbered renders guidelines as "1. Name: Text" lines.
		"numbered": numbered,
		// inc returns i+1, for numbering inside a range.
		"inc": func(i int) int { return i + 1 },
		// trim removes surrounding blank space.
		"trim": strings.TrimSpace,
	}
}

func numbered(gs []guideline.Guideline) string {
	var b strings.Builder
	for i, g := range gs {
		if i > 0 {
			b.WriteByte('\n')
		}
		if g.Name != "" && g.Name != g.ID {
			fmt.Fprintf(&b, "%d. %s: %s", i+1, g.Name, g.Text)
		} else {
			fmt.Fprintf(&b, "%d. %s", i+1, g.Text)
		}
	}
	return b.String()
}
