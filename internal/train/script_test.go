package train

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// python3 returns the interpreter, skipping only when there is none and the
// test does not run in CI.
func python3(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("python3 is required in CI: %v", err)
		}
		t.Skip("python3 not found")
	}
	return p
}

func TestScriptCompiles(t *testing.T) {
	py := python3(t)
	dir := t.TempDir()
	script, err := WriteScript(dir)
	if err != nil {
		t.Fatal(err)
	}
	code := "import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)"
	out, err := exec.Command(py, "-c", code, script, filepath.Join(dir, "hf_train.pyc")).CombinedOutput()
	if err != nil {
		t.Fatalf("py_compile: %v\n%s", err, out)
	}
}

// TestScriptSelftest runs the script's standard-library-only test of its
// data reading, assistant-only masking and padding.
func TestScriptSelftest(t *testing.T) {
	py := python3(t)
	script, err := WriteScript(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, "-B", script, "--selftest")
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Equal(bytes.TrimSpace(out), []byte("selftest ok")) {
		t.Fatalf("selftest: %v\n%s", err, out)
	}
}

func TestScriptVersions(t *testing.T) {
	py := python3(t)
	script, err := WriteScript(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(py, "-B", script, "--versions", "pip", "no-such-dist-regenesis").Output()
	if err != nil {
		t.Fatal(err)
	}
	var p probe
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if p.Python == "" || p.Packages["no-such-dist-regenesis"] != nil {
		t.Errorf("probe = %s", out)
	}
	if _, ok := p.Packages["pip"]; !ok {
		t.Errorf("probe lacks pip: %s", out)
	}
}

func TestScriptIsEmbedded(t *testing.T) {
	disk, err := os.ReadFile(ScriptName)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(disk, Script()) {
		t.Error("embedded script differs from the file")
	}
}
