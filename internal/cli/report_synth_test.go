package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReportSynthesisDirs(t *testing.T) {
	dirs := []string{"../synth/testdata/golden", "../compare/testdata/regenesis"}
	var stdout, stderr bytes.Buffer
	if code := Main(append([]string{"report", "--label", "toy,gsm8k"}, dirs...), &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if want := "| kept / total paths | 1 / 3 (33.3%) | 3 / 6 (50.0%) |"; !strings.Contains(stdout.String(), want) {
		t.Errorf("compare table lacks %q:\n%s", want, stdout.String())
	}
	out := filepath.Join(t.TempDir(), "synthesis")
	stdout.Reset()
	if code := Main(append([]string{"report", "--out", out}, dirs...), &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for _, p := range []string{out + ".md", out + ".html", filepath.Join(out+"_files", "r0-index-00000.js"), filepath.Join(out+"_files", "r1-q-00000.js")} {
		if _, err := os.Stat(p); err != nil {
			t.Error(err)
		}
	}
	if !strings.Contains(stdout.String(), "synthesis_files") {
		t.Errorf("stdout %q does not name the data folder", stdout.String())
	}

	tests := []struct {
		name string
		args []string
		want string
	}{
		{"mixed kinds", []string{"report", dirs[0], "../report/testdata/base"}, "holds synthesis results but ../report/testdata/base holds evaluation results"},
		{"baseline", []string{"report", "--baseline", dirs[0], dirs[0]}, "--baseline is for evaluation directories"},
		{"not a run", []string{"report", t.TempDir()}, "is neither an evaluation directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := Main(tt.args, &stdout, &stderr); code == 0 || !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("exit %d, stderr %q; want failure mentioning %q", code, stderr.String(), tt.want)
			}
		})
	}
}
