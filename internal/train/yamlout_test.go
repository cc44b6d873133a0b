package train

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestFormatPyFloat(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{1e-6, "1.0e-06"},
		{2.5e-5, "2.5e-05"},
		{3, "3.0"},
		{0, "0.0"},
		{0.03, "0.03"},
		{1e21, "1.0e+21"},
	}
	for _, tt := range tests {
		if got := formatPyFloat(tt.in); got != tt.want {
			t.Errorf("formatPyFloat(%g) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestYAMLFloatsReadAsFloatsByPyYAML checks the trap pyFloat exists for:
// PyYAML reads 1e-06 as a string.
func TestYAMLFloatsReadAsFloatsByPyYAML(t *testing.T) {
	py := python3(t)
	if err := exec.Command(py, "-c", "import yaml").Run(); err != nil {
		t.Skip("PyYAML not installed")
	}
	p := filepath.Join(t.TempDir(), "c.yaml")
	v := struct {
		LR     pyFloat `yaml:"learning_rate"`
		Epochs pyFloat `yaml:"num_train_epochs"`
	}{1e-6, 3}
	if err := writeYAML(p, "test", v); err != nil {
		t.Fatal(err)
	}
	code := `import sys, yaml; d = yaml.safe_load(open(sys.argv[1])); print(type(d["learning_rate"]).__name__, type(d["num_train_epochs"]).__name__, d["learning_rate"])`
	out, err := exec.Command(py, "-c", code, p).CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != "float float 1e-06" {
		b, _ := os.ReadFile(p)
		t.Errorf("PyYAML read %q from:\n%s", got, b)
	}
}
