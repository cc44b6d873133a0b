package runloop

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDocsExample loads the full run file of docs/TRAINING.md, which must
// say what testdata/run.yaml says.
func TestDocsExample(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "TRAINING.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "### Full run file")
	if !ok {
		t.Fatal(`docs/TRAINING.md has no "### Full run file" section`)
	}
	_, block, ok := strings.Cut(rest, "```yaml\n")
	if !ok {
		t.Fatal("the section has no yaml block")
	}
	block, _, _ = strings.Cut(block, "```")
	p := writeConfig(t, block)
	got, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	want, err := Load("testdata/run.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(Serve{}, Shards{})); diff != "" {
		t.Errorf("docs example differs from testdata/run.yaml (-want +got):\n%s", diff)
	}
}
