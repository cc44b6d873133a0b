package export_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/regenesis-ai/regenesis/internal/export"
	"github.com/regenesis-ai/regenesis/internal/rundir"
)

// A new line format is a LineFunc: what one kept-path record becomes on one
// line. Run reads and validates sft.jsonl, writes the file atomically and
// reports lengths, as for the built-in formats (a built-in one is a case in
// export.LineFor and a name in export.Formats).
func ExampleLineFunc() {
	qa := func(r rundir.Record) (any, error) {
		last := len(r.Messages) - 1
		return struct {
			ID       string `json:"id"`
			Question string `json:"question"`
			Answer   string `json:"answer"`
		}{r.Key().String(), r.Messages[last-1].Content, r.Messages[last].Content}, nil
	}
	tmp, _ := os.MkdirTemp("", "export-example")
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "qa.jsonl")
	sum, err := export.Run(context.Background(), export.Options{Dir: "testdata/synth", Format: "qa", Out: out, Line: qa})
	if err != nil {
		fmt.Println(err)
		return
	}
	b, _ := os.ReadFile(out)
	first, _, _ := strings.Cut(string(b), "\n")
	fmt.Printf("%d examples, the first:\n%s\n", sum.Examples, first)
	// Output:
	// 3 examples, the first:
	// {"id":"gsm8k/q1","question":"Solve step by step and put the final answer in \\boxed{}.\n\nTom has 3 apples & buys 4 more. How many?","answer":"1. Tom starts with 3 apples.\n2. He buys 4: 3 + 4 = 7.\n\\boxed{7}"}
}
