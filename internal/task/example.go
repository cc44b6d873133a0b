// Package task holds the benchmark registry, the loaders for the files as
// their publishers distribute them, and Hugging Face Hub downloads.
package task

import "github.com/regenesis-ai/regenesis/internal/answer"

// Group is a task's role in the paper's evaluation.
type Group string

// The groups.
const (
	InDomain Group = "in-domain"
	OOD      Group = "ood"
	Extra    Group = "extra"
)

// Example is one normalized question.
type Example struct {
	ID   string `json:"id"`
	Task string `json:"task"`
	// Question is the full question text shown to the model, with the
	// choices rendered ("Answer Choices: (A) ... (B) ...") when there are any.
	Question string `json:"question"`
	// Spec is the answer type and the options of a multiple-choice question.
	Spec answer.Spec `json:"spec"`
	// Answer is the gold final answer in canonical form: a number as written
	// in the dataset without thousands separators, a choice label, "yes"/"no",
	// text, or LaTeX. Empty when the dataset has none.
	Answer string `json:"answer"`
	// Rationale is the dataset's gold reasoning, when it has one.
	Rationale string `json:"rationale,omitempty"`
}
