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
	// --out names the output directory (report.md, report.html, report_files/
	// inside it); --out-file names the files' prefix.
	tmp := t.TempDir()
	for _, c := range []struct {
		flag, value, prefix string
	}{
		{"--out", filepath.Join(tmp, "synthesis"), filepath.Join(tmp, "synthesis", "report")},
		{"--out-file", filepath.Join(tmp, "pages", "synth-2026"), filepath.Join(tmp, "pages", "synth-2026")},
	} {
		stdout.Reset()
		if code := Main(append([]string{"report", c.flag, c.value}, dirs...), &stdout, &stderr); code != 0 {
			t.Fatalf("%s: exit %d: %s", c.flag, code, stderr.String())
		}
		for _, p := range []string{c.prefix + ".md", c.prefix + ".html", filepath.Join(c.prefix+"_files", "r0-index-00000.js"), filepath.Join(c.prefix+"_files", "r1-q-00000.js")} {
			if _, err := os.Stat(p); err != nil {
				t.Errorf("%s: %v", c.flag, err)
			}
		}
		if !strings.Contains(stdout.String(), c.prefix+"_files") {
			t.Errorf("%s: stdout %q does not name the data folder", c.flag, stdout.String())
		}
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
