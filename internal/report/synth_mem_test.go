package report

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"
)

// peakHeap builds the page of dir and returns the largest heap in use seen
// while it ran (sampled every millisecond) and the bytes of candidates.jsonl.
func peakHeap(t testing.TB, dir string) (peak uint64, fileBytes int64) {
	t.Helper()
	st, err := os.Stat(filepath.Join(dir, "candidates.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	done := make(chan struct{})
	result := make(chan uint64)
	go func() {
		var top uint64
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			top = max(top, sample[0].Value.Uint64())
			select {
			case <-done:
				result <- top
				return
			case <-tick.C:
			}
		}
	}()
	_, _, err = WriteSynth(context.Background(), filepath.Join(t.TempDir(), "page"), SynthOptions{Dirs: []string{dir}})
	close(done)
	peak = <-result
	if err != nil {
		t.Fatal(err)
	}
	return peak, st.Size()
}

// TestSynthPageMemoryFlat builds the pages of a run and of one five times
// its size: the heap may grow by far less than the extra input, which it
// would if questions were held (the question keys that catch a regrouped
// file cost a few dozen bytes each).
func TestSynthPageMemoryFlat(t *testing.T) {
	root := t.TempDir()
	small, large := filepath.Join(root, "small"), filepath.Join(root, "large")
	n := 4000
	if raceEnabled {
		n = 1000 // the race detector makes the build ten times slower
	}
	genRun(t, small, n)
	genRun(t, large, 5*n)
	ps, fs := peakHeap(t, small)
	pl, fl := peakHeap(t, large)
	t.Logf("candidates.jsonl %.1f MB -> peak heap %.1f MB; %.1f MB -> %.1f MB", mb(fs), mb(int64(ps)), mb(fl), mb(int64(pl)))
	if grow, extra := float64(pl)-float64(ps), float64(fl-fs); grow > extra/5 {
		t.Errorf("peak heap grew by %.1f MB for %.1f MB more input; want under a fifth", mb(int64(grow)), mb(int64(extra)))
	}
}

// TestSynthPageMemory100k builds the page of a 100,000-question run within
// a fixed memory bound (skipped with -short, and with -race, which makes it
// take minutes: it writes ~220 MB of input).
func TestSynthPageMemory100k(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("-short or -race: skips the 100,000-question build")
	}
	dir := filepath.Join(t.TempDir(), "run")
	genRun(t, dir, 100000)
	peak, size := peakHeap(t, dir)
	t.Logf("candidates.jsonl %.1f MB -> peak heap %.1f MB", mb(size), mb(int64(peak)))
	const bound = 64 << 20
	if peak > bound {
		t.Errorf("peak heap %.1f MB for 100,000 questions; want under %d MB", mb(int64(peak)), bound>>20)
	}
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }
