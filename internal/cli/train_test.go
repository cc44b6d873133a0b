package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeTrainSFT(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	line := `{"messages":[{"role":"user","content":"What is 2+3?"},{"role":"assistant","content":"2+3=5. The answer is 5."}],"task":"gsm8k","question_id":"q1","method":"regenesis"}` + "\n"
	if err := os.WriteFile(filepath.Join(dir, "sft.jsonl"), []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func execTrainRoot(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	root := NewRoot()
	root.SetArgs(args)
	root.SetOut(&stdout)
	root.SetErr(&stderr)
	err := root.ExecuteContext(context.Background())
	return stdout.String(), stderr.String(), err
}

func TestTrainCommand(t *testing.T) {
	data := writeTrainSFT(t)
	tests := []struct {
		name    string
		args    []string
		wantOut string
		wantErr string
	}{
		{"trl writes and prints", []string{"--engine", "trl", "--lr", "2e-5"}, "trl sft --config ", ""},
		{"hf dry run", []string{"--engine", "hf", "--dry-run", "--lora", "--merge-lora"}, "--lr 1e-06 --scheduler cosine --warmup-ratio 0.03 --weight-decay 0 --batch-size 8", ""},
		{"openai without key", []string{"--engine", "openai", "--base-url", "http://127.0.0.1:1/v1"}, "", "no API key: set OPENAI_API_KEY or pass --api-key"},
		{"unknown engine", []string{"--engine", "deepspeed"}, "", `unknown engine "deepspeed"`},
		{"bad value", []string{"--batch-size", "0"}, "", "batch size must be positive, got 0"},
		{"fsdp", []string{"--engine", "hf", "--dry-run", "--fsdp", "--gpus-per-node", "4"}, "regenesis-train/accelerate_fsdp.yaml", ""},
		{"deepspeed for trl", []string{"--engine", "trl", "--dry-run", "--deepspeed", "zero3"}, "--accelerate_config ", ""},
		{"fsdp and deepspeed", []string{"--fsdp", "--deepspeed", "zero2"}, "", "--fsdp and --deepspeed zero2: pick one"},
		{"bad stage", []string{"--deepspeed", "zero1"}, "", `--deepspeed "zero1": want zero2 or zero3`},
		{"nodes without ip", []string{"--deepspeed", "zero3", "--nodes", "2"}, "", "pass --main-process-ip"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("OPENAI_API_KEY", "")
			out := t.TempDir()
			args := append([]string{"train", "--data", data, "--base-model", "m", "--out", out}, tt.args...)
			stdout, stderr, err := execTrainRoot(t, args...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("%v\n%s", err, stderr)
			}
			if !strings.Contains(stdout, tt.wantOut) {
				t.Errorf("stdout = %q, want it to contain %q", stdout, tt.wantOut)
			}
			if _, err := os.Stat(filepath.Join(out, "regenesis-train", "result.json")); err != nil {
				t.Error(err)
			}
		})
	}
}
