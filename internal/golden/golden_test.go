package golden

import (
	"path/filepath"
	"strings"
	"testing"
)

// recorder is a testing.TB that records failures instead of stopping.
type recorder struct {
	testing.TB
	failed []string
}

func (r *recorder) Helper()                           {}
func (r *recorder) Errorf(format string, args ...any) { r.failed = append(r.failed, format) }
func (r *recorder) Fatalf(format string, args ...any) { r.failed = append(r.failed, format) }

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "out.txt")

	r := &recorder{TB: t}
	Check(r, path, []byte("x"))
	// The recorder does not stop at Fatalf, so the comparison after it also reports.
	if len(r.failed) == 0 || !strings.Contains(r.failed[0], "-update") {
		t.Fatalf("missing golden file: failures %q, want the first to name -update", r.failed)
	}

	*update = true
	Check(t, path, []byte("hello\n"))
	*update = false

	Check(t, path, []byte("hello\n"))
	r = &recorder{TB: t}
	Check(r, path, []byte("hullo\n"))
	if len(r.failed) != 1 {
		t.Fatalf("different output: %d failures, want 1", len(r.failed))
	}
}
