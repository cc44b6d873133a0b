package simserver

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/regenesis-ai/regenesis/internal/golden"
)

// TestStageReplies checks that every stage's reply reads the way the cue
// table of docs/DESIGN.md says, for questions of every answer type.
func TestStageReplies(t *testing.T) {
	t.Parallel()
	key := mixedKey(t, 40)
	s := New(Config{Seed: 3}, key)
	for _, e := range key {
		for choice, seed := range []int64{1, 2} {
			req := func(p string) testRequest { return userRequest(p, 1.0, 0, seedOf(seed)) }

			sel := complete(t, s, req(selectPrompt(e.Question))).Choices[0].Message.Content
			nums := selectedNumbers(sel)
			if len(nums) < 2 || len(nums) > 3 {
				t.Fatalf("%s: select reply %q: want 2-3 numbers, got %v", e.ID, sel, nums)
			}
			seen := map[int]bool{}
			for _, n := range nums {
				if n < 1 || n > 8 || seen[n] {
					t.Fatalf("%s: select reply %q: numbers must be distinct items of the 8-item list", e.ID, sel)
				}
				seen[n] = true
			}

			adapt := complete(t, s, req(adaptPrompt(e.Question))).Choices[0].Message.Content
			lines := strings.Split(adapt, "\n")
			if len(lines) != 2 || !strings.HasPrefix(lines[0], "1. Simplify: ") || !strings.HasPrefix(lines[1], "2. Check the result: ") {
				t.Fatalf("%s: adapt reply %q: want one sentence line per selected guideline", e.ID, adapt)
			}

			plan := complete(t, s, req(structurePrompt(e.Question))).Choices[0].Message.Content
			for i, line := range strings.Split(plan, "\n") {
				if !strings.HasPrefix(line, strconv.Itoa(i+1)+". ") {
					t.Fatalf("%s: structure line %d %q is not numbered %d", e.ID, i+1, line, i+1)
				}
			}
			if lower := strings.ToLower(plan); strings.Contains(plan, `\boxed`) || strings.Contains(lower, "answer is") || strings.Contains(lower, "final answer") {
				t.Fatalf("%s: structure reply gives an answer: %q", e.ID, plan)
			}
			if detectStage(pathPrompt(e.Question, plan)) != StageSolve || detectStage(structurePrompt(e.Question)+adapt) != StageStructure {
				t.Fatalf("%s: a reply carries a stage cue into the next stage's prompt", e.ID)
			}

			path := complete(t, s, req(solvePrompt(e.Question))).Choices[0].Message.Content
			pred, ok := finalAnswer(path)
			if !ok {
				t.Fatalf("%s: solve reply has no final answer: %q", e.ID, path)
			}
			right := sameAnswer(pred, e.Answer, e.Spec)
			wrong := sameAnswer(pred, mistake(&e, combine(hashString(e.Question), saltMistake)), e.Spec)
			if right == wrong {
				t.Fatalf("%s: solve answer %q is neither the gold %q nor the question's mistake", e.ID, pred, e.Answer)
			}

			verdict := complete(t, s, req(judgePrompt(e.Question, e.Answer, path))).Choices[0].Message.Content
			if got := strings.EqualFold(strings.TrimSuffix(verdict, "."), "yes"); got != right {
				t.Fatalf("%s (choice %d): judge said %q for a path whose answer is right=%v:\n%s", e.ID, choice, verdict, right, path)
			}
		}
	}
}

func pathPrompt(q, plan string) string {
	return "Solve the problem below by following the given plan one step at a time.\n\nProblem:\n" + q + "\n\nPlan:\n" + plan
}

// selectedNumbers reads the numbers of a select reply.
func selectedNumbers(s string) []int {
	var nums []int
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r < '0' || r > '9' }) {
		n, _ := strconv.Atoi(f)
		nums = append(nums, n)
	}
	return nums
}

func TestSelectFormatsVary(t *testing.T) {
	t.Parallel()
	s := New(Config{Seed: 5}, nil)
	forms := map[string]bool{}
	for seed := range int64(200) {
		text := complete(t, s, userRequest(selectPrompt("Any question?"), 1, 0, seedOf(seed))).Choices[0].Message.Content
		switch {
		case strings.HasPrefix(text, "Selected: "):
			forms["selected"] = true
		case strings.HasPrefix(text, "["):
			forms["bracket"] = true
		case strings.HasPrefix(text, "Guidelines "):
			forms["guidelines"] = true
		default:
			forms["plain"] = true
		}
	}
	if len(forms) != 4 {
		t.Errorf("select reply forms seen: %v, want all four", forms)
	}
}

// TestRepliesGolden pins the exact greedy replies for a few questions, so
// that a change in wording shows up in review.
func TestRepliesGolden(t *testing.T) {
	t.Parallel()
	var key []Entry
	for _, k := range [][]Entry{gsm8kKey(t, 1), arcKey(t, 1), bbhKey(t, "web_of_lies", 1), mathKey(t, 1)} {
		key = append(key, k...)
	}
	s := New(Config{Seed: 11, Accuracy: 1}, key)
	var b strings.Builder
	for _, e := range key {
		for _, p := range []struct{ stage, prompt string }{
			{"select", selectPrompt(e.Question)},
			{"adapt", adaptPrompt(e.Question)},
			{"structure", structurePrompt(e.Question)},
			{"solve", solvePrompt(e.Question)},
		} {
			text := complete(t, s, userRequest(p.prompt, 0, 0, nil)).Choices[0].Message.Content
			b.WriteString("=== " + e.ID + " " + p.stage + "\n" + text + "\n")
		}
	}
	golden.Check(t, filepath.Join("testdata", "replies.golden"), []byte(b.String()))
}
