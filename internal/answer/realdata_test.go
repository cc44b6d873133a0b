package answer

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// dataDir is the shared benchmark data, relative to this package.
var dataDir = filepath.Join("..", "..", "..", "shared", "data")

// jsonlRecords streams the records of a JSONL file in the shared data.
func jsonlRecords(tb testing.TB, rel string, fn func(line int, rec map[string]any)) {
	tb.Helper()
	f, err := os.Open(filepath.Join(dataDir, rel))
	if err != nil {
		tb.Fatalf("shared benchmark data: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 1<<20)
	for line := 1; sc.Scan(); line++ {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			tb.Fatalf("%s:%d: %v", rel, line, err)
		}
		fn(line, rec)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
}

// TestMATH500GoldRoundTrip boxes every MATH-500 gold answer the way a model
// would and checks that it is extracted, equal to itself, and keyed stably.
func TestMATH500GoldRoundTrip(t *testing.T) {
	t.Parallel()
	spec := Spec{Type: Math}
	n := 0
	jsonlRecords(t, "math500/test.jsonl", func(line int, rec map[string]any) {
		gold, _ := rec["answer"].(string)
		reply := "Step 1: work it out.\nThe final answer is $\\boxed{" + gold + "}$."
		got, ok := Extract(reply, spec, Strict)
		if !ok || !Equal(got, gold, spec) {
			t.Errorf("math500:%d: Extract = %q, %v; not equal to gold %q", line, got, ok, gold)
		}
		if Canonical(got, spec) != Canonical(gold, spec) {
			t.Errorf("math500:%d: Canonical(%q) = %q, Canonical(gold %q) = %q", line, got, Canonical(got, spec), gold, Canonical(gold, spec))
		}
		n++
	})
	if n != 500 {
		t.Errorf("read %d MATH-500 answers, want 500", n)
	}
}

// TestGSM8KGoldLenient reads the gold of every GSM8K test item from its own
// reference solution (which ends in "#### N") in lenient mode, and checks
// that a wrong number is not accepted.
func TestGSM8KGoldLenient(t *testing.T) {
	t.Parallel()
	spec := Spec{Type: Number}
	n := 0
	jsonlRecords(t, "gsm8k/test.jsonl", func(line int, rec map[string]any) {
		sol, _ := rec["answer"].(string)
		_, gold, ok := strings.Cut(sol, "####")
		if !ok {
			t.Fatalf("gsm8k/test.jsonl:%d: no ####", line)
		}
		gold = strings.ReplaceAll(strings.TrimSpace(gold), ",", "")
		got, ok := Extract(sol, spec, Lenient)
		if !ok || !Equal(got, gold, spec) {
			t.Errorf("gsm8k:%d: Extract = %q, %v; want %q", line, got, ok, gold)
		}
		if Equal(got+"1", gold, spec) {
			t.Errorf("gsm8k:%d: %q accepted for gold %q", line, got+"1", gold)
		}
		n++
	})
	if n != 1319 {
		t.Errorf("read %d GSM8K answers, want 1319", n)
	}
}
