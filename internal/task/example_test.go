package task_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/regenesis-ai/regenesis/internal/answer"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// A custom task: a data file, a spec mapping its fields onto an Example, and
// a registry line. The same spec is what a --task-file YAML file holds.
func Example_customTask() {
	dir, _ := os.MkdirTemp("", "custom-task")
	defer os.RemoveAll(dir)
	data := `{"uid": "q1", "problem": "What is 6 times 7?", "solution": {"final": "42"}}
{"uid": "q2", "problem": "What is 1,000 plus 234?", "solution": {"final": "1,234"}}
`
	_ = os.WriteFile(filepath.Join(dir, "test.jsonl"), []byte(data), 0o644)

	c, err := task.NewCustom(task.CustomSpec{
		Name:       "my-math",
		AnswerType: answer.Number,
		Splits:     map[string]string{"test": "test.jsonl"},
		Fields:     task.Fields{ID: "uid", Question: "problem", Answer: "solution.final"},
	}, dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	reg := task.NewRegistry(dir)
	if err := reg.Add(c); err != nil {
		fmt.Println(err)
		return
	}
	t, _ := reg.Get("my-math")
	for ex, err := range t.Examples(context.Background(), "test") {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s/%s: %q -> %s\n", ex.Task, ex.ID, ex.Question, ex.Answer)
	}
	// Output:
	// my-math/q1: "What is 6 times 7?" -> 42
	// my-math/q2: "What is 1,000 plus 234?" -> 1234
}
