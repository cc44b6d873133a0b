package simserver

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/regenesis-ai/regenesis/internal/answer"
)

// dataDir is the shared benchmark data, relative to this package.
var dataDir = filepath.Join("..", "..", "..", "shared", "data")

// jsonLines decodes up to limit lines of a JSONL file.
func jsonLines[T any](t testing.TB, path string, limit int) []T {
	t.Helper()
	f, err := os.Open(filepath.Join(dataDir, path))
	if err != nil {
		t.Fatalf("open test data: %v", err)
	}
	defer f.Close()
	var out []T
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for line := 1; sc.Scan() && len(out) < limit; line++ {
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("%s:%d: %v", path, line, err)
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return out
}

func gsm8kKey(t testing.TB, limit int) []Entry {
	type rec struct{ Question, Answer string }
	var key []Entry
	for i, r := range jsonLines[rec](t, "gsm8k/test.jsonl", limit) {
		_, gold, ok := strings.Cut(r.Answer, "#### ")
		if !ok {
			t.Fatalf("gsm8k/test.jsonl:%d: no #### in answer", i+1)
		}
		key = append(key, Entry{ID: "gsm8k-" + strconv.Itoa(i), Question: r.Question,
			Answer: strings.ReplaceAll(strings.TrimSpace(gold), ",", ""), Spec: answer.Spec{Type: answer.Number}})
	}
	return key
}

func arcKey(t testing.TB, limit int) []Entry {
	type rec struct {
		ID       string `json:"id"`
		Question struct {
			Stem    string `json:"stem"`
			Choices []struct{ Text, Label string }
		} `json:"question"`
		AnswerKey string `json:"answerKey"`
	}
	var key []Entry
	for _, r := range jsonLines[rec](t, "arc_challenge/ARC-Challenge-Dev.jsonl", limit) {
		// Numeric labels become letters, as the task package normalizes them.
		letter := func(l string) string {
			if len(l) == 1 && '1' <= l[0] && l[0] <= '9' {
				return string('A' + l[0] - '1')
			}
			return l
		}
		spec := answer.Spec{Type: answer.Choice}
		q := r.Question.Stem + "\nAnswer Choices:"
		for _, c := range r.Question.Choices {
			spec.Options = append(spec.Options, answer.Option{Label: letter(c.Label), Text: c.Text})
			q += " (" + letter(c.Label) + ") " + c.Text
		}
		key = append(key, Entry{ID: r.ID, Question: q, Answer: letter(r.AnswerKey), Spec: spec})
	}
	return key
}

func bbhKey(t testing.TB, file string, typ answer.Type, limit int) []Entry {
	b, err := os.ReadFile(filepath.Join(dataDir, "bbh", file))
	if err != nil {
		t.Fatalf("read test data: %v", err)
	}
	var doc struct {
		Examples []struct{ Input, Target string }
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("bbh/%s: %v", file, err)
	}
	var key []Entry
	for i, ex := range doc.Examples {
		if i == limit {
			break
		}
		gold := ex.Target
		if typ == answer.YesNo {
			gold = strings.ToLower(gold)
		}
		key = append(key, Entry{ID: file + "-" + strconv.Itoa(i), Question: ex.Input, Answer: gold, Spec: answer.Spec{Type: typ}})
	}
	return key
}

func mathKey(t testing.TB, limit int) []Entry {
	type rec struct {
		Problem  string `json:"problem"`
		Answer   string `json:"answer"`
		UniqueID string `json:"unique_id"`
	}
	var key []Entry
	for _, r := range jsonLines[rec](t, "math500/test.jsonl", limit) {
		key = append(key, Entry{ID: r.UniqueID, Question: r.Problem, Answer: r.Answer, Spec: answer.Spec{Type: answer.Math}})
	}
	return key
}

// mixedKey holds questions of every answer type from real benchmarks.
func mixedKey(t testing.TB, perType int) []Entry {
	var key []Entry
	key = append(key, gsm8kKey(t, perType)...)
	key = append(key, arcKey(t, perType)...)
	key = append(key, bbhKey(t, "web_of_lies.json", answer.YesNo, perType)...)
	key = append(key, bbhKey(t, "word_sorting.json", answer.Text, perType)...)
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
