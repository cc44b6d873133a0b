package task

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

func benchmarkSplit(b *testing.B, task, split string) {
	r := NewRegistry(dataDir(b))
	tk, err := r.Get(task)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		n = 0
		for _, err := range tk.Examples(context.Background(), split) {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
	}
	b.ReportMetric(float64(n), "examples/op")
}

func BenchmarkGSM8KTrainJSONL(b *testing.B)     { benchmarkSplit(b, "gsm8k", "train") }
func BenchmarkStrategyQATrainJSON(b *testing.B) { benchmarkSplit(b, "strategyqa", "train") }
func BenchmarkBBHTest(b *testing.B)             { benchmarkSplit(b, "bbh", "test") }
func BenchmarkASDivXML(b *testing.B)            { benchmarkSplit(b, "asdiv", "test") }

// TestJSONArrayStreams checks that a large JSON array is read one element at
// a time: the live heap stays far below the file's size.
func TestJSONArrayStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 40 MB file")
	}
	root := t.TempDir()
	path := filepath.Join(root, "svamp", "SVAMP.json")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	const n = 100_000
	body := strconv.Quote(strings.Repeat("word ", 70)) // as %q writes it, once
	w.WriteString("[\n")
	for i := range n {
		if i > 0 {
			w.WriteString(",\n")
		}
		fmt.Fprintf(w, `{"ID": "chal-%d", "Body": %s, "Question": "How many?", "Answer": %d.0}`, i, body, i)
	}
	w.WriteString("\n]\n")
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	st, _ := os.Stat(path)

	tk, _ := NewRegistry(root).Get("svamp")
	runtime.GC()
	var ms runtime.MemStats
	var peak uint64
	count := 0
	for ex, err := range tk.Examples(context.Background(), "test") {
		if err != nil {
			t.Fatal(err)
		}
		if count%10_000 == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
			if want := fmt.Sprintf("chal-%d", count); ex.ID != want {
				t.Fatalf("example %d has ID %s", count, ex.ID)
			}
		}
		count++
	}
	if count != n {
		t.Fatalf("read %d examples, want %d", count, n)
	}
	if limit := uint64(st.Size()) / 4; peak > limit {
		t.Errorf("live heap reached %d bytes reading a %d-byte file (limit %d)", peak, st.Size(), limit)
	}
	t.Logf("file %d bytes, peak live heap %d bytes", st.Size(), peak)
}
