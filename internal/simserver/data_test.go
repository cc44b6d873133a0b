package simserver

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/regenesis-ai/regenesis/internal/task"
)

// dataDir is the shared benchmark data, relative to this package.
var dataDir = filepath.Join("..", "..", "..", "shared", "data")

// keyOf is the answer key of the first n examples of a task's split in the
// shared data.
func keyOf(t testing.TB, name, split string, n int) []Entry {
	t.Helper()
	tk, err := task.NewRegistry(dataDir).Get(name)
	if err != nil {
		t.Fatal(err)
	}
	exs, err := tk.First(context.Background(), split, n)
	if err != nil {
		t.Fatal(err)
	}
	if len(exs) < n {
		t.Fatalf("%s/%s has %d examples, want %d", name, split, len(exs), n)
	}
	return Key(exs...)
}

func gsm8kKey(t testing.TB, limit int) []Entry { return keyOf(t, "gsm8k", "test", limit) }

func arcKey(t testing.TB, limit int) []Entry { return keyOf(t, "arc_challenge", "dev", limit) }

// bbhKey is the key of a BIG-Bench Hard subtask, with the answer type the
// task package gives it.
func bbhKey(t testing.TB, subtask string, limit int) []Entry {
	return keyOf(t, "bbh."+subtask, "test", limit)
}

func mathKey(t testing.TB, limit int) []Entry { return keyOf(t, "math500", "test", limit) }

// mixedKey holds questions of every answer type from real benchmarks.
func mixedKey(t testing.TB, perType int) []Entry {
	var key []Entry
	key = append(key, gsm8kKey(t, perType)...)
	key = append(key, arcKey(t, perType)...)
	key = append(key, bbhKey(t, "web_of_lies", perType)...)
	key = append(key, bbhKey(t, "word_sorting", perType)...)
	key = append(key, mathKey(t, perType)...)
	return key
}

// Prompts shaped like the project's templates (internal/prompts), cues included.
const guidelineList = `1. Break it down: Break the problem into smaller sub-problems.
2. Simplify: Restate the problem in its simplest form.
3. Step by step: Work through the problem one step at a time.
4. Relevant information: Identify which facts matter.
5. Core question: Pin down exactly what is being asked.
6. Assumptions: List the assumptions the problem makes.
7. Work backwards: Start from what the answer must satisfy.
8. Check the result: Check the result against the conditions.`

func selectPrompt(q string) string {
	return "You will be given a list of general reasoning guidelines and a problem. Choose the 2 or 3 guidelines that would help most. Do not solve the problem: reply only with the numbers of the guidelines you choose, separated by commas.\n\nGuidelines:\n" +
		guidelineList + "\n\nProblem:\n" + q
}

func adaptPrompt(q string) string {
	return "You will be given a problem and some general reasoning guidelines. Rewrite each selected guideline so that it speaks directly to this problem.\n\nProblem:\n" +
		q + "\n\nSelected guidelines:\n1. Simplify: Restate the problem in its simplest form.\n2. Check the result: Check the result against the conditions."
}

func structurePrompt(q string) string {
	return "You will be given a problem and guidelines tailored to it. Write a reasoning structure for the problem: a concise plan of numbered steps. Do not give an answer.\n\nProblem:\n" +
		q + "\n\nTailored guidelines:\n1. Simplify: restate it."
}

func solvePrompt(q string) string {
	return "Solve the following problem step by step. Put your final answer in \\boxed{}.\n\n" + q
}

func hintPrompt(q, hint string) string {
	return "Solve the problem below by following the given plan.\n\nProblem:\n" + q +
		"\n\nHint: the correct final answer is " + hint + ". Reach it by your own reasoning; do not mention the hint.\n\nPlan:\n1. Read.\n2. Compute."
}

func judgePrompt(q, ref, path string) string {
	return "You check solutions to problems. Decide whether the proposed solution's final answer is the same as the reference answer. Reply yes or no, with no other words.\n\nProblem:\n" +
		q + "\n\nReference answer: " + ref + "\n\nProposed solution:\n" + path
}
