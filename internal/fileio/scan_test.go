package fileio

import (
	"strings"
	"testing"
)

func TestScanLines(t *testing.T) {
	in := "\xEF\xBB\xBF first \n\n  \r\nsecond\r\nthird"
	type got struct {
		n    int
		text string
	}
	var lines []got
	for l, err := range ScanLines("f.txt", strings.NewReader(in)) {
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, got{l.N, string(l.Bytes)})
	}
	want := []got{{1, "first"}, {4, "second"}, {5, "third"}}
	if len(lines) != len(want) {
		t.Fatalf("lines = %v, want %v", lines, want)
	}
	for i := range want {
		if lines[i] != want[i] {
			t.Errorf("line %d = %v, want %v", i, lines[i], want[i])
		}
	}
}

func TestScanLinesTooLong(t *testing.T) {
	in := "ok\n" + strings.Repeat("x", MaxLine+2) + "\n"
	var n int
	var last error
	for _, err := range ScanLines("big.jsonl", strings.NewReader(in)) {
		if err != nil {
			last = err
			break
		}
		n++
	}
	if n != 1 || last == nil || !strings.Contains(last.Error(), "big.jsonl:2: line longer than") {
		t.Fatalf("read %d lines, error %v; want 1 line then big.jsonl:2: line longer than ...", n, last)
	}
}
