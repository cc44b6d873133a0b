package export

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/regenesis-ai/regenesis/internal/method"
	"github.com/regenesis-ai/regenesis/internal/rundir"
)

// readGroup parses JSONL candidates of one question.
func readGroup(t *testing.T, jsonl string) []method.Candidate {
	t.Helper()
	path := filepath.Join(t.TempDir(), rundir.CandidatesFile)
	if err := os.WriteFile(path, []byte(strings.TrimSpace(jsonl)), 0o644); err != nil {
		t.Fatal(err)
	}
	var all []method.Candidate
	for g, err := range rundir.GroupCandidates(context.Background(), path) {
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, g.Candidates...)
	}
	return all
}

func TestGroupCandidates(t *testing.T) {
	var got []string
	for g, err := range rundir.GroupCandidates(context.Background(), filepath.Join(synthDir, rundir.CandidatesFile)) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s@%dx%d", g.Key, g.Line, len(g.Candidates)))
	}
	want := []string{"gsm8k/q1@1x4", "gsm8k/q2@5x1", "strategyqa/s3@6x3"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("groups (-want +got):\n%s", diff)
	}
}

func TestGroupCandidatesStopsEarly(t *testing.T) {
	n := 0
	for _, err := range rundir.GroupCandidates(context.Background(), filepath.Join(synthDir, rundir.CandidatesFile)) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		break
	}
	if n != 1 {
		t.Errorf("yielded %d groups after break, want 1", n)
	}
}
