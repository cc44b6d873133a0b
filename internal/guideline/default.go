package guideline

// Default returns the built-in pool: 25 general reasoning guidelines in our
// own wording, covering the kinds of strategies the Self-Discover reasoning
// modules cover; 3 of them assume a current solution, as in the reference
// pool (22 + 3). Each call returns a fresh slice.
func Default() []Guideline {
	return []Guideline{
		{ID: "decompose", Name: "Break it down", Text: "Break the problem into smaller sub-problems that can be solved one at a time, then combine their results."},
		{ID: "simplify", Name: "Simplify", Text: "Restate the problem in its simplest form, setting aside details that do not affect the answer."},
		{ID: "step-by-step", Name: "Step by step", Text: "Work through the problem one step at a time, making each step follow from the previous ones."},
		{ID: "key-data", Name: "Relevant information", Text: "Identify which facts, quantities or statements in the problem matter for the answer and which are distractions."},
		{ID: "core-question", Name: "Core question", Text: "Pin down exactly what is being asked and what form the final answer must take."},
		{ID: "assumptions", Name: "Assumptions", Text: "List the assumptions the problem makes or that a solution would need, and check whether each one holds."},
		{ID: "larger-system", Name: "Part of a whole", Text: "View the problem as one part of a larger system and consider how the surrounding parts constrain it."},
		{ID: "experiment", Name: "Test an idea", Text: "Devise a small check or experiment, such as trying a concrete case, that would confirm or refute an idea about the problem."},
		{ID: "obstacles", Name: "Obstacles", Text: "Name what makes the problem hard or easy to get wrong, and plan how to get past each difficulty."},
		{ID: "critical", Name: "Critical thinking", Text: "Examine the problem critically: question each claim, look for gaps in the reasoning and weigh the evidence before accepting a conclusion."},
		{ID: "creative", Name: "Creative thinking", Text: "Look for an unconventional angle on the problem, such as a different representation or an unexpected connection."},
		{ID: "systems", Name: "Systems thinking", Text: "Trace how the parts of the problem interact and how a change in one part affects the others."},
		{ID: "analogy", Name: "Analogy", Text: "Recall a similar problem whose solution is known and carry its method over to this one."},
		{ID: "work-backwards", Name: "Work backwards", Text: "Start from what the answer must satisfy and reason backwards to the given information."},
		{ID: "cases", Name: "Cases", Text: "Split the problem into distinct cases or options and examine each one separately."},
		{ID: "eliminate", Name: "Eliminate", Text: "Rule out answers or possibilities that contradict the given information, narrowing down what remains."},
		{ID: "quantify", Name: "Quantify", Text: "Translate the relevant relations into quantities, equations or precise statements that can be computed or checked."},
		{ID: "cause-effect", Name: "Cause and effect", Text: "Identify the causes and effects involved and follow the chain from one to the next."},
		{ID: "perspectives", Name: "Perspectives", Text: "Consider the problem from the viewpoints of the different people, objects or parties it involves."},
		{ID: "definitions", Name: "Definitions", Text: "Make the meaning of the key terms precise, since an answer can hinge on what a word exactly means."},
		{ID: "verify", Name: "Check the result", Text: "Check the result against the problem's conditions, using estimates, units or a second method."},
		{ID: "patterns", Name: "Patterns", Text: "Look for a pattern, regularity or rule in the information that would let the answer follow directly."},
		{ID: "best-wrong", Name: "Suppose the best answer is wrong", Text: "Suppose the current best solution is wrong, and look for other ways to see the problem that would lead somewhere else.", AssumesSolution: true},
		{ID: "best-refine", Name: "Refine the best answer", Text: "Take the current best solution and ask how it could be made more accurate, complete or convincing.", AssumesSolution: true},
		{ID: "best-alternatives", Name: "Alternatives to the best answer", Text: "Set the current best solution aside and list genuinely different approaches, then compare where they lead.", AssumesSolution: true},
	}
}
