package cli

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestRateLimitFlagErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--rpm", "-5"}, "--rpm -5"},
		{[]string{"--tpm", "-1"}, "--tpm -1"},
		{[]string{"--tpm-in", "-2"}, "--tpm-in -2"},
		{[]string{"--tpm-out", "-3"}, "--tpm-out -3"},
	}
	for _, tt := range tests {
		cmd, _ := newLLMFlagsCmd(t, filepath.Join(t.TempDir(), "s.db"), func(*llmSession) error { return nil })
		cmd.SetArgs(append([]string{"--model", "m", "--base-url", "http://127.0.0.1:1"}, tt.args...))
		err := cmd.Execute()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: error %v, want one naming %q", tt.args, err, tt.want)
		}
	}
}
