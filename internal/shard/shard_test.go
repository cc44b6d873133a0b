package shard

import (
	"fmt"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	t.Parallel()
	env := map[string]string{"JOB_COMPLETION_INDEX": "3", "EMPTY": "", "WORD": "x"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	for _, tc := range []struct {
		in      string
		want    Spec
		wantErr string
	}{
		{in: "", want: Spec{}},
		{in: "0/4", want: Spec{0, 4}},
		{in: " 3 / 4 ", want: Spec{3, 4}},
		{in: "0/1", want: Spec{0, 1}},
		{in: "JOB_COMPLETION_INDEX/8", want: Spec{3, 8}},
		{in: "$JOB_COMPLETION_INDEX/8", want: Spec{3, 8}},
		{in: "4/4", wantErr: "index 4 out of range [0, 4)"},
		{in: "-1/4", wantErr: "out of range"},
		{in: "1/0", wantErr: "count \"0\""},
		{in: "1", wantErr: "want I/N"},
		{in: "MISSING/4", wantErr: "MISSING is not set"},
		{in: "EMPTY/4", wantErr: "EMPTY is not set"},
		{in: "WORD/4", wantErr: `WORD="x" is not a number`},
		{in: "JOB_COMPLETION_INDEX/2", wantErr: "index 3 out of range [0, 2)"},
		{in: "a-b/2", wantErr: "neither a number"},
	} {
		got, err := Parse(tc.in, lookup)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Parse(%q) error = %v, want %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("Parse(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

// TestPartition checks that every question is in exactly one shard, that
// the shards are near even, and that a question's shard does not change
// when the task grows.
func TestPartition(t *testing.T) {
	t.Parallel()
	const n, count = 10000, 4
	sizes := make([]int, count)
	for i := range n {
		id := fmt.Sprintf("q%d", i)
		owners := 0
		for s := range count {
			if (Spec{s, count}).Owns("gsm8k", id) {
				owners++
				sizes[s]++
			}
		}
		if owners != 1 {
			t.Fatalf("%s is owned by %d shards", id, owners)
		}
	}
	for s, k := range sizes {
		if k < n/count*9/10 || k > n/count*11/10 {
			t.Errorf("shard %d has %d of %d questions", s, k, n)
		}
	}
	// Golden values: the partition is part of the on-disk contract (shard
	// directories made by one version merge with another's).
	for _, tc := range []struct {
		id       string
		of4, of7 int
	}{
		{"q0", 3, 6}, {"q1", 3, 4}, {"train-17", 0, 5}, {"test-3", 3, 3},
	} {
		if a, b := Of("gsm8k", tc.id, 4), Of("gsm8k", tc.id, 7); a != tc.of4 || b != tc.of7 {
			t.Errorf("Of(gsm8k, %s) = %d of 4, %d of 7; want %d, %d", tc.id, a, b, tc.of4, tc.of7)
		}
	}
	if !(Spec{}).Owns("t", "x") || (Spec{}).Sharded() || (Spec{1, 3}).String() != "1/3" {
		t.Error("zero Spec must own everything and print as unsharded")
	}
}
