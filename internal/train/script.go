package train

import (
	_ "embed"
	"fmt"
	"os"
	"path/filepath"

	"github.com/regenesis-ai/regenesis/internal/fileio"
)

// ScriptName is the file name the hf training script is written under.
const ScriptName = "hf_train.py"

//go:embed hf_train.py
var script []byte

// Script returns the embedded training script: transformers + accelerate
// (+ peft for LoRA), assistant-only loss, the model's chat template. Besides
// training it has a --check preflight mode, a --selftest of its data and
// masking logic and a --versions probe, the last two needing only the
// Python standard library.
func Script() []byte { return append([]byte(nil), script...) }

// WriteScript writes the training script into dir and returns its path.
func WriteScript(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("training script: %w", err)
	}
	p := filepath.Join(dir, ScriptName)
	if err := fileio.WriteFile(p, script, fileio.Perm(0o755)); err != nil {
		return "", fmt.Errorf("training script: %w", err)
	}
	return p, nil
}
