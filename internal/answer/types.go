// Package answer extracts final answers from model text and decides whether
// they are equivalent to a gold answer, per answer type. GradeReply does
// both and returns a Verdict: the one grading function of the synthesis
// filter, eval and score.
package answer

// Type is the kind of answer a task expects.
type Type string

// The answer types.
const (
	Number Type = "number" // a real number: "42", "-3.5", "1/2"
	Choice Type = "choice" // a choice label: "A".."R" (tasks with numeric labels are normalized to letters)
	YesNo  Type = "yesno"  // "yes" or "no" (true/false, valid/invalid map onto these)
	Text   Type = "text"   // short free text, compared after normalization
	Math   Type = "math"   // a LaTeX math expression (MATH-style)
)

// Option is one answer option of a multiple-choice question.
type Option struct {
	Label string `json:"label"` // "A", "B", ...
	Text  string `json:"text"`
}

// Spec says how to read and compare answers for one question.
type Spec struct {
	Type    Type     `json:"type"`
	Options []Option `json:"options,omitempty"`
}

// Mode selects how strictly a final answer is located in a text.
type Mode int

const (
	// Strict reads only the last \boxed{...} (the paper's synthesis filter).
	Strict Mode = iota
	// Lenient also reads answer phrases, "####", "A:", the last line, the
	// last number, choice letters and texts, yes/no words (evaluation).
	Lenient
)
