package merge

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/regenesis-ai/regenesis/internal/method"
	"github.com/regenesis-ai/regenesis/internal/prompts"
	"github.com/regenesis-ai/regenesis/internal/rundir"
	"github.com/regenesis-ai/regenesis/internal/shard"
	"github.com/regenesis-ai/regenesis/internal/synth"
)

// benchShards writes a synthesis of n questions as k shards.
func benchShards(b *testing.B, n, k int) []string {
	b.Helper()
	set, err := prompts.Load("")
	if err != nil {
		b.Fatal(err)
	}
	root := b.TempDir()
	var dirs []string
	for i := range k {
		d := filepath.Join(root, fmt.Sprint("shard-", i))
		_, err := synth.Run(b.Context(), synth.Options{
			Method: fakeMethod{}, Examples: examples(n), Prompts: set, OutDir: d, Shard: shard.Spec{Index: i, Count: k},
			Manifest: synth.Manifest{Version: "bench", Task: "t", Config: method.DefaultConfig()},
		})
		if err != nil {
			b.Fatal(err)
		}
		dirs = append(dirs, d)
	}
	return dirs
}

// BenchmarkMerge merges 8 shards of a 4,000-question synthesis;
// BenchmarkCopyShards copies the same files unmerged, the floor any merge
// has to pay (read every byte, write every byte).
func BenchmarkMerge(b *testing.B) {
	dirs := benchShards(b, 4000, 8)
	out := filepath.Join(b.TempDir(), "merged")
	b.ResetTimer()
	for b.Loop() {
		if _, err := Run(b.Context(), dirs, out); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/4000, "ns/question")
}

func BenchmarkCopyShards(b *testing.B) {
	dirs := benchShards(b, 4000, 8)
	out := b.TempDir()
	b.ResetTimer()
	for b.Loop() {
		for _, name := range []string{rundir.SFTFile, rundir.CandidatesFile, rundir.IndexFile} {
			w, err := os.Create(filepath.Join(out, name))
			if err != nil {
				b.Fatal(err)
			}
			for _, d := range dirs {
				r, err := os.Open(filepath.Join(d, name))
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.Copy(w, r); err != nil {
					b.Fatal(err)
				}
				r.Close()
			}
			if err := w.Sync(); err != nil {
				b.Fatal(err)
			}
			w.Close()
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/4000, "ns/question")
}
