package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunCommandConfigErrors(t *testing.T) {
	p := filepath.Join(t.TempDir(), "run.yaml")
	if err := os.WriteFile(p, []byte("dir: x\nrounds: 1\nroundz: 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err := execTrainRoot(t, "run", "--config", p)
	if err == nil || !strings.Contains(err.Error(), p+`:3:1: unknown field "roundz"`) {
		t.Errorf("error = %v", err)
	}
	if _, _, err := execTrainRoot(t, "run"); err == nil || !strings.Contains(err.Error(), `"config" not set`) {
		t.Errorf("error without --config = %v", err)
	}
}

func TestSubcommandInvoker(t *testing.T) {
	root := NewRoot()
	invoke := subcommandInvoker(root)
	if err := invoke(context.Background(), []string{"no-such-step", "--x"}); err == nil || !strings.Contains(err.Error(), `this build has no "no-such-step" command`) {
		t.Errorf("error = %v", err)
	}
	data := writeTrainSFT(t)
	out := t.TempDir()
	if err := invoke(context.Background(), []string{"train", "--engine", "axolotl", "--data", data, "--base-model", "m", "--out", out}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(out, "regenesis-train", "axolotl.yaml")); err != nil {
		t.Error(err)
	}
}
