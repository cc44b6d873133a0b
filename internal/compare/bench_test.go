package compare

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkLoad streams 1,000 questions of 15 candidates (5 kept) each.
func BenchmarkLoad(b *testing.B) {
	dir := b.TempDir()
	f, err := os.Create(filepath.Join(dir, "candidates.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	for i := range 1000 {
		for j := range 15 {
			path := strings.Repeat(fmt.Sprintf("step %d adds word%d to the total. ", j, i%50), 25)
			fmt.Fprintf(f, `{"task":"gsm8k","question_id":"q%d","method":"regenesis","index":%d,"guideline_ids":["g%d"],"path":"%s","extracted":"%d","kept":%v}`+"\n",
				i, j, j, path, j%3, j < 5)
		}
	}
	f.Close()
	for b.Loop() {
		if _, err := Load(context.Background(), dir); err != nil {
			b.Fatal(err)
		}
	}
}
