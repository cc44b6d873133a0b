package answer

// Verdict is the outcome of checking a final answer against a gold answer.
// Its values are written to files as they are ("correct", ...).
type Verdict string

// The verdicts, the one set used by the synthesis filter, eval and score.
const (
	// Correct: the answer equals the gold answer (Equal).
	Correct Verdict = "correct"
	// Wrong: the answer differs from the gold answer.
	Wrong Verdict = "wrong"
	// NoAnswer: the reply states no final answer (in the mode it was read
	// in), whether or not there is a gold answer.
	NoAnswer Verdict = "no_answer"
	// Unchecked: there is an answer but no gold answer to check it
	// against; also the verdict of a reply that was never graded.
	Unchecked Verdict = "unchecked"
)

// Grade is a reply's final answer and its verdict.
type Grade struct {
	// Extracted is the final answer read from the reply ("" when none), in
	// the plain form ExtractReply returns.
	Extracted string
	// Verdict is Check(Extracted, gold, spec).
	Verdict Verdict
}

// GradeReply reads the final answer of reply, which ended with finishReason
// ("" when unknown), in mode (ExtractReply: Strict reads only the last
// \boxed{}; a cut-off reply has an answer only where it states one) and
// checks it against gold ("" when there is none: a question without a
// label). It is the one grading function of the project: the synthesis
// filter calls it in Strict mode, eval and score in Lenient (or, for score,
// the mode the user asks for).
func GradeReply(reply, finishReason, gold string, spec Spec, mode Mode) Grade {
	ext, _ := ExtractReply(reply, finishReason, spec, mode)
	return Grade{Extracted: ext, Verdict: Check(ext, gold, spec)}
}

// Check returns the verdict of an answer already extracted (a reply's, or
// the majority answer of several replies) against gold: NoAnswer when
// extracted is empty, else Unchecked when gold is empty, else Correct when
// Equal says so and Wrong otherwise.
func Check(extracted, gold string, spec Spec) Verdict {
	switch {
	case extracted == "":
		return NoAnswer
	case gold == "":
		return Unchecked
	case Equal(extracted, gold, spec):
		return Correct
	default:
		return Wrong
	}
}
