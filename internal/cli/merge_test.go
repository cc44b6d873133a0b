package cli

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

func TestMergeCommandErrors(t *testing.T) {
	empty := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"merge", "--out", t.TempDir()}, "merge needs the shard directories"},
		{[]string{"merge", empty}, `required flag(s) "out" not set`},
		{[]string{"merge", empty, "--out", filepath.Join(t.TempDir(), "m")}, "holds neither a synthesis"},
		{[]string{"merge", filepath.Join(empty, "none"), "--out", filepath.Join(t.TempDir(), "m")}, "no such file or directory"},
	} {
		var stdout, stderr bytes.Buffer
		if code := Main(tc.args, &stdout, &stderr); code == 0 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want %q", tc.args, code, stderr.String(), tc.want)
		}
	}
}
