package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// copySynthDir copies the export package's sample synthesis directory.
func copySynthDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"sft.jsonl", "candidates.jsonl"} {
		b, err := os.ReadFile(filepath.Join("..", "export", "testdata", "synth", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestExportCmd(t *testing.T) {
	dir := copySynthDir(t)
	tests := []struct {
		args       []string
		code       int
		wantOut    string
		wantErr    string
		wantFile   string
		noWarnings bool
	}{
		{args: []string{"export", dir}, wantOut: "wrote 3 examples to " + filepath.Join(dir, "sft_messages.jsonl"), wantFile: "sft_messages.jsonl", noWarnings: true},
		{args: []string{"export", dir, "--format", "alpaca"}, wantOut: `registered dataset "sft_alpaca" in ` + filepath.Join(dir, "dataset_info.json"), wantFile: "sft_alpaca.jsonl"},
		{args: []string{"export", dir, "-f", "dpo", "-o", filepath.Join(dir, "p", "pairs.jsonl")}, wantOut: "wrote 1 preference pairs", wantFile: "p/pairs.jsonl"},
		{args: []string{"export", dir, "-f", "dpo", "--dpo-mix-hinted", "-o", filepath.Join(dir, "p", "mixed.jsonl")}, wantOut: "wrote 3 preference pairs", wantFile: "p/mixed.jsonl"},
		{args: []string{"export", dir, "-f", "openai"}, wantErr: "warning: 3 examples: the OpenAI fine-tuning API requires at least 10", wantFile: "sft_openai.jsonl"},
		{args: []string{"export", dir, "-f", "parquet", "--token-limit", "30"}, wantErr: "warning: 3 of 3 examples are longer than ~30 tokens", wantFile: "sft.parquet"},
		{args: []string{"export", dir, "-f", "csv"}, code: 1, wantErr: `unknown export format "csv"`},
		{args: []string{"export"}, code: 1, wantErr: "accepts 1 arg(s)"},
		{args: []string{"export", filepath.Join(dir, "missing")}, code: 1, wantErr: "no such file"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args[1:], " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := Main(tt.args, &stdout, &stderr); code != tt.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tt.code, stderr.String())
			}
			if !strings.Contains(stdout.String(), tt.wantOut) {
				t.Errorf("stdout = %q, want it to contain %q", stdout.String(), tt.wantOut)
			}
			if !strings.Contains(stderr.String(), tt.wantErr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr.String(), tt.wantErr)
			}
			if tt.noWarnings && stderr.Len() > 0 {
				t.Errorf("stderr = %q, want nothing", stderr.String())
			}
			if tt.wantFile != "" {
				if _, err := os.Stat(filepath.Join(dir, tt.wantFile)); err != nil {
					t.Error(err)
				}
			}
		})
	}
}
