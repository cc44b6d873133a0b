package cli

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

func TestPushCommandErrors(t *testing.T) {
	t.Setenv("HF_TOKEN", "")
	t.Setenv("HUGGING_FACE_HUB_TOKEN", "")
	t.Setenv("HF_TOKEN_PATH", filepath.Join(t.TempDir(), "none"))
	t.Setenv("HF_HOME", t.TempDir())
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"push", t.TempDir(), "--repo", "not-a-repo"}, `--repo "not-a-repo"`},
		{[]string{"push", t.TempDir(), "--repo", "alice/data"}, "no Hugging Face token"},
		{[]string{"push", t.TempDir()}, `"repo" not set`},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		if code := Main(tt.args, &out, &out); code == 0 || !strings.Contains(out.String(), tt.want) {
			t.Errorf("%v: exit %d, output %q, want an error with %q", tt.args, code, out.String(), tt.want)
		}
	}
}
