package export

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regenesis-ai/regenesis/internal/rundir"
)

// benchDir writes a synthesis directory of q questions, each with 5 kept
// paths of about 200 words and 10 wrong ones.
func benchDir(b *testing.B, q int) string {
	b.Helper()
	dir := b.TempDir()
	sft, err := os.Create(filepath.Join(dir, rundir.SFTFile))
	if err != nil {
		b.Fatal(err)
	}
	cands, err := os.Create(filepath.Join(dir, rundir.CandidatesFile))
	if err != nil {
		b.Fatal(err)
	}
	path := strings.Repeat("1. Add the numbers step by step. ", 30) + `\\boxed{7}`
	for i := range q {
		for j := range 15 {
			kept := j < 5
			if kept {
				fmt.Fprintf(sft, `{"messages":[{"role":"user","content":"Solve question %d step by step."},{"role":"assistant","content":"%s %d"}],"task":"gsm8k","question_id":"q%d","method":"regenesis","guideline_ids":["g1","g2"],"hinted":false}`+"\n", i, path, j, i)
			}
			verdict := "wrong"
			if kept {
				verdict = "correct"
			}
			fmt.Fprintf(cands, `{"task":"gsm8k","question_id":"q%d","method":"regenesis","index":%d,"round":"main","guideline_ids":["g%d"],"path":"%s %d","extracted":"%d","verdict":"%s","kept":%v}`+"\n", i, j, j, path, j, j%3, verdict, kept)
		}
	}
	sft.Close()
	cands.Close()
	return dir
}

func BenchmarkRun(b *testing.B) {
	dir := benchDir(b, 1000)
	for _, f := range []Format{Messages, Parquet, DPO} {
		b.Run(string(f), func(b *testing.B) {
			out := filepath.Join(b.TempDir(), "out")
			for b.Loop() {
				if _, err := Run(context.Background(), Options{Dir: dir, Format: f, Out: out}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
