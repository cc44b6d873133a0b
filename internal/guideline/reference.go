package guideline

import (
	"fmt"
	"slices"
	"strings"
)

// The built-in pools, by the name --guidelines takes.
const (
	// PoolDefault is our own pool (Default).
	PoolDefault = "default"
	// PoolReference is the pool of the reference profile (Reference).
	PoolReference = "reference"
)

// Reference returns the reference profile's pool: 25 guidelines in our own
// wording, one for each of the 25 kinds of strategy of the authors' released
// code, in their order (their order is the numbering the model sees). The
// authors' pool mixes concrete strategies with abstract questions about what
// kind of problem this is; so does this one. The last three assume a current
// best solution and are left out of the hint round, as there. Each call
// returns a fresh slice.
func Reference() []Guideline {
	return []Guideline{
		{ID: "ref-experiment", Name: "Design an experiment", Text: "Think of an experiment or a small test you could run that would help settle the problem."},
		{ID: "ref-try-ideas", Name: "Try ideas in turn", Text: "Write down several ideas for attacking the problem, then try them one after another and see which makes headway."},
		{ID: "ref-track-progress", Name: "Track progress", Text: "Decide how you would tell that you are getting closer to solving this problem."},
		{ID: "ref-simplify", Name: "Simplify", Text: "Find a simpler version of the problem that is easier to solve, and solve that first."},
		{ID: "ref-break-down", Name: "Break it down", Text: "Split the problem into smaller parts that are each easy to handle."},
		{ID: "ref-critical", Name: "Critical thinking", Text: "Think critically: look at the problem from several sides, question what is taken for granted, weigh the evidence at hand, and watch for biased or faulty reasoning."},
		{ID: "ref-creative", Name: "Creative thinking", Text: "Think creatively: come up with new, unusual ideas, look past the obvious approaches and let imagination suggest solutions."},
		{ID: "ref-systems", Name: "Systems thinking", Text: "Think in systems: treat the problem as one piece of a bigger whole, find the causes underneath it, the feedback and the dependencies between its elements, and look for a solution that fits the whole."},
		{ID: "ref-reflective", Name: "Reflective thinking", Text: "Think reflectively: step back, look at your own assumptions, habits of thought and biases that may shape how you approach the problem, and use what earlier attempts taught you."},
		{ID: "ref-core-issue", Name: "Core issue", Text: "State the central issue that has to be resolved here."},
		{ID: "ref-obstacles", Name: "Obstacles", Text: "Anticipate the difficulties or pitfalls that could come up while solving this problem."},
		{ID: "ref-relevant-data", Name: "Relevant data", Text: "Ask which data or information bear on the problem, where they come from, and how to analyse them."},
		{ID: "ref-judge-success", Name: "Judge success", Text: "Decide how the success of a solution to this problem could be measured or assessed."},
		{ID: "ref-metrics", Name: "Indicators", Text: "Name the indicators or measures that would show how well the problem is being solved."},
		{ID: "ref-practical-or-conceptual", Name: "Practical or conceptual", Text: "Ask whether this is a practical, technical problem calling for a particular skill, or a conceptual, theoretical one."},
		{ID: "ref-decision", Name: "Decision under uncertainty", Text: "Ask whether the problem is about making a decision or a plan, choosing between options under uncertainty or with goals that pull against each other."},
		{ID: "ref-analytical", Name: "Analytical problem", Text: "Ask whether the problem is analytical, calling for working with data, building a model or optimising something."},
		{ID: "ref-design", Name: "Design problem", Text: "Ask whether the problem is a design task that needs an inventive, original solution."},
		{ID: "ref-structural", Name: "Structural issue", Text: "Ask whether the problem comes from the underlying structure or system rather than from a single case."},
		{ID: "ref-usual-solutions", Name: "Usual solutions", Text: "Recall what sort of solutions problems stated like this one usually have."},
		{ID: "ref-step-by-step", Name: "Step by step", Text: "Reason it out one step at a time."},
		{ID: "ref-plan-notation", Name: "Plan with clear notation", Text: "Make a plan of steps, then carry it out, with clear notation and an explanation of every step."},
		{ID: "ref-fresh-solution", Name: "Start afresh", Text: "Set aside the best solution so far and build a completely different one.", AssumesSolution: true},
		{ID: "ref-best-is-wrong", Name: "Suppose the best solution is wrong", Text: "Imagine that the best solution so far is entirely wrong: what other ways of looking at the problem are there?", AssumesSolution: true},
		{ID: "ref-improve-best", Name: "Improve the best solution", Text: "Ask how the best solution so far should be changed, given what you know about problems of this kind.", AssumesSolution: true},
	}
}

// PoolNames returns the names of the built-in pools.
func PoolNames() []string { return []string{PoolDefault, PoolReference} }

// Builtin returns the built-in pool called name.
func Builtin(name string) ([]Guideline, error) {
	switch name {
	case PoolDefault:
		return Default(), nil
	case PoolReference:
		return Reference(), nil
	}
	return nil, fmt.Errorf("unknown guideline pool %q (built in: %s)", name, strings.Join(PoolNames(), ", "))
}

// IsBuiltin reports whether name is a built-in pool's name.
func IsBuiltin(name string) bool { return slices.Contains(PoolNames(), name) }
