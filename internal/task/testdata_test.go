package task

import (
	"os"
	"path/filepath"
	"testing"
)

// sharedData is the benchmark data shared by the project, relative to this
// package's folder.
const sharedData = "../../../shared/data"

// dataDir returns the shared data folder, failing the test when it is absent.
func dataDir(t testing.TB) string {
	t.Helper()
	dir, err := filepath.Abs(sharedData)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "README.md")); err != nil {
		t.Fatalf("shared benchmark data not found at %s: %v", dir, err)
	}
	return dir
}
