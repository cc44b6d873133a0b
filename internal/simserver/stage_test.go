package simserver

import "testing"

func TestDetectStage(t *testing.T) {
	t.Parallel()
	q := "Janet has 3 apples. How many?"
	tests := []struct {
		name   string
		prompt string
		want   Stage
	}{
		{"select", selectPrompt(q), StageSelect},
		{"select upper case", "REPLY ONLY WITH THE NUMBERS 1. a", StageSelect},
		{"judge", judgePrompt(q, "3", `\boxed{3}`), StageJudge},
		{"judge needs both cues", "Reference answer: 3\nSolve it.", StageSolve},
		{"adapt", adaptPrompt(q), StageAdapt},
		{"structure", structurePrompt(q), StageStructure},
		{"solve", solvePrompt(q), StageSolve},
		{"hinted solve", hintPrompt(q, "3"), StageSolve},
		{"select wins over judge", selectPrompt(q) + "\nReference answer: 3. Reply yes or no.", StageSelect},
		{"judge wins over structure", judgePrompt(q, "3", "reasoning structure: 1. x"), StageJudge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := detectStage(tt.prompt); got != tt.want {
				t.Errorf("detectStage = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestIndexFold(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s, sub string
		want   int
	}{
		{"Hello World", "world", 6},
		{"HINT: 4", "hint", 0},
		{"no match", "hint", -1},
		{"hin", "hint", -1},
		{"xxReply Yes Or No", "reply yes or no", 2},
	}
	for _, tt := range tests {
		if got := indexFold(tt.s, tt.sub); got != tt.want {
			t.Errorf("indexFold(%q, %q) = %d, want %d", tt.s, tt.sub, got, tt.want)
		}
		if got := lastIndexFold(tt.s, tt.sub); got != tt.want {
			t.Errorf("lastIndexFold(%q, %q) = %d, want %d", tt.s, tt.sub, got, tt.want)
		}
	}
}

func TestHinted(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		prompt string
		gold   string
		want   bool
	}{
		{"hint line", "Problem\nHint: the correct final answer is 42.\nPlan", "42", true},
		{"lower case", "hint: answer 42", "42", true},
		{"other number", "Hint: the correct final answer is 142.", "42", false},
		{"gold on another line", "Hint: think.\nThe answer is 42", "42", false},
		{"no hint", "The answer is 42", "42", false},
		{"choice letter", "Hint: the correct final answer is B.", "B", true},
		{"second hint line", "A hint: none\nHINT = 7", "7", true},
		{"empty gold", "Hint: 7", "", false},
		{"math", `Hint: the correct final answer is \frac{1}{2}.`, `\frac{1}{2}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := hinted(tt.prompt, tt.gold); got != tt.want {
				t.Errorf("hinted = %v, want %v", got, tt.want)
			}
		})
	}
}
