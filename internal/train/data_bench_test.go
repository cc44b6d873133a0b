package train

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkWriteData measures converting sft.jsonl to an engine's data file,
// per example; allocations stay per line, not per file.
func BenchmarkWriteData(b *testing.B) {
	src := filepath.Join(b.TempDir(), "sft.jsonl")
	f, err := os.Create(src)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	const n = 2000
	for i := range n {
		fmt.Fprintf(w, `{"messages":[{"role":"user","content":"Question %d: a train leaves at 3 pm and travels 60 km/h for 2.5 hours. How far does it go?"},{"role":"assistant","content":"Step 1: distance = speed × time.\nStep 2: 60 × 2.5 = 150.\nThe answer is 150."}],"task":"gsm8k","question_id":"q%d","method":"regenesis","guideline_ids":["g1","g7"],"hinted":false}`+"\n", i, i)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	dst := filepath.Join(b.TempDir(), "train.jsonl")
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := writeData(b.Context(), src, dst, dataOptions(EngineTRL)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/example")
}
