package eval

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/regenesis-ai/regenesis/internal/llm"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// sharedData is ../shared/data from the repository root.
func sharedData(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("../../../shared/data")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "bbh", "cot-prompts")); err != nil {
		t.Fatalf("shared data: %v", err)
	}
	return dir
}

// officialExemplars splits an official prompt file by hand: the three
// "Q: ... A: ..." paragraphs after its header and description line.
func officialExemplars(t *testing.T, path string) (desc string, shots []string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	// Line 1 is the canary, line 2 "-----", line 3 the description.
	if lines[1] != "-----" {
		t.Fatalf("%s: unexpected header %q", path, lines[1])
	}
	desc = lines[2]
	body := strings.TrimSpace(strings.Join(lines[3:], "\n"))
	for _, p := range strings.Split(body, "\n\nQ: ") {
		shots = append(shots, "Q: "+strings.TrimPrefix(p, "Q: "))
	}
	return desc, shots
}

func TestBBHPromptHoldsTheThreeOfficialExemplars(t *testing.T) {
	data := sharedData(t)
	b, err := NewBBHPrompts(filepath.Join(data, "bbh", "cot-prompts"))
	if err != nil {
		t.Fatal(err)
	}
	reg := task.NewRegistry(data)
	for _, name := range task.BBHReferenceSubtasks() {
		t.Run(name, func(t *testing.T) {
			tk, err := reg.Get(name)
			if err != nil {
				t.Fatal(err)
			}
			exs, err := tk.First(context.Background(), "test", 1)
			if err != nil {
				t.Fatal(err)
			}
			ex := exs[0]
			got, err := b.Prompt(ex)
			if err != nil {
				t.Fatal(err)
			}
			desc, shots := officialExemplars(t, filepath.Join(data, "bbh", "cot-prompts", strings.TrimPrefix(name, "bbh.")+".txt"))
			if len(shots) != 3 {
				t.Fatalf("file has %d exemplars", len(shots))
			}
			want := desc + "\n\n" + strings.Join(shots, "\n\n") + "\n\nQ: " + ex.Question + "\nA: Let's think step by step."
			if got != want {
				t.Errorf("prompt:\n%s\n\nwant:\n%s", got, want)
			}
			// Exactly three worked examples, each ending in the answer
			// phrase, then the question, which has none yet.
			if n := strings.Count(got, "\nQ: "); n != 4 {
				t.Errorf("%d question lines after the description, want 3 exemplars and the question", n)
			}
			if n := strings.Count(got, "So the answer is"); n != 3 {
				t.Errorf("%d answer phrases, want 3", n)
			}
			if strings.Contains(got, "canary") {
				t.Error("the canary header is part of the prompt")
			}
		})
	}
	// The whole "bbh" task maps each question to its subtask's file.
	whole, _ := reg.Get("bbh")
	first, err := whole.First(context.Background(), "test", 1)
	if err != nil {
		t.Fatal(err)
	}
	p, err := b.Prompt(first[0])
	if err != nil || !strings.HasPrefix(p, "Evaluate the result of a random Boolean expression.") {
		t.Errorf("bbh task: %v, prompt starts %.60q", err, p)
	}
	if _, err := b.Prompt(task.Example{Task: "gsm8k", ID: "x"}); err == nil || !strings.Contains(err.Error(), "not a BIG-Bench Hard question") {
		t.Errorf("non-BBH question: %v", err)
	}
}

func TestReadBBHPromptErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "two.txt")
	if err := os.WriteFile(bad, []byte("canary\n-----\nA task.\n\nQ: a\nA: x. So the answer is (A).\n\nQ: b\nA: y. So the answer is (B).\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := NewBBHPrompts(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Prompt(task.Example{Task: "bbh.two", ID: "two-0", Question: "q"}); err == nil || !strings.Contains(err.Error(), "two.txt holds 2 worked examples") {
		t.Errorf("two exemplars: %v", err)
	}
	if _, err := NewBBHPrompts(filepath.Join(dir, "missing")); err == nil || !strings.Contains(err.Error(), "cot-prompts") {
		t.Errorf("missing folder: %v", err)
	}
}

// scriptModel replies by the subtask file the prompt starts with.
type scriptModel struct {
	reply func(prompt string) string
	mu    sync.Mutex
	reqs  []llm.Request
}

func (m *scriptModel) Complete(_ context.Context, req llm.Request) (*llm.Response, error) {
	m.mu.Lock()
	m.reqs = append(m.reqs, req)
	m.mu.Unlock()
	return &llm.Response{Choices: []llm.Choice{{Text: m.reply(req.Messages[len(req.Messages)-1].Content), FinishReason: "stop"}}}, nil
}

// TestBBHProtocolRun: answers are read after "So the answer is" (a box
// earlier in the reply does not count), and the group reports the macro
// average over subtasks next to the micro average.
func TestBBHProtocolRun(t *testing.T) {
	data := sharedData(t)
	b, err := NewBBHPrompts(filepath.Join(data, "bbh", "cot-prompts"))
	if err != nil {
		t.Fatal(err)
	}
	reg := task.NewRegistry(data)
	var sources []Source
	gold := map[string]string{}
	wrong := "" // the one question the model gets wrong
	for i, name := range []string{"bbh.logical_deduction_three_objects", "bbh.tracking_shuffled_objects_three_objects"} {
		tk, _ := reg.Get(name)
		exs, err := tk.First(context.Background(), "test", 2+2*i) // 2 and 4 questions
		if err != nil {
			t.Fatal(err)
		}
		for _, ex := range exs {
			gold[ex.Question] = ex.Answer
		}
		if i == 1 {
			wrong = exs[0].Question
		}
		sources = append(sources, Source{Name: name, Group: task.OOD, Split: "test", Examples: func(yield func(task.Example, error) bool) {
			for _, ex := range exs {
				if !yield(ex, nil) {
					return
				}
			}
		}})
	}
	m := &scriptModel{reply: func(p string) string {
		q := p[strings.LastIndex(p, "\nQ: ")+4 : strings.LastIndex(p, "\nA: ")]
		ans := gold[q]
		if q == wrong {
			ans = map[bool]string{true: "B", false: "A"}[ans == "A"]
		}
		// A box naming another option first: the protocol reads the phrase.
		return "Maybe \\boxed{(" + map[bool]string{true: "B", false: "A"}[ans == "A"] + ")} at first.\nSo the answer is (" + ans + ")."
	}}
	res, err := Run(context.Background(), Options{
		Model: "m", Completer: m, Prompt: b.Prompt, Protocol: ProtocolBBH, Sources: sources,
		MaxTokens: BBHMaxTokens, OutDir: t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range m.reqs {
		if r.MaxTokens != 2048 || r.Temperature != 0 {
			t.Errorf("request max_tokens %d temperature %g", r.MaxTokens, r.Temperature)
		}
	}
	ld := res.Tasks["bbh.logical_deduction_three_objects"]
	if ld.N != 2 || ld.Correct != 2 {
		t.Errorf("logical deduction %+v, want 2 of 2 read after the phrase", ld)
	}
	ts := res.Tasks["bbh.tracking_shuffled_objects_three_objects"]
	g := res.Groups["ood"]
	macro := (ld.Accuracy + ts.Accuracy) / 2
	micro := float64(ld.Correct+ts.Correct) / float64(ld.N+ts.N)
	if g.Accuracy != macro || g.MicroAccuracy != micro || res.Protocol != ProtocolBBH {
		t.Errorf("group %+v protocol %s, want macro %g micro %g", g, res.Protocol, macro, micro)
	}
	if ts.N != 4 || ts.Correct != 3 || macro == micro {
		t.Fatal("test data does not separate macro from micro")
	}
}
