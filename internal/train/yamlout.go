package train

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"

	"github.com/regenesis-ai/regenesis/internal/fileio"
)

// pyFloat is a float written so that YAML 1.1 readers (PyYAML, which TRL,
// LLaMA-Factory and axolotl use) read it as a float: with a decimal point
// and a signed exponent ("1.0e-06"), never "1e-06", which they read as a string.
type pyFloat float64

// MarshalYAML implements yaml.BytesMarshaler.
func (f pyFloat) MarshalYAML() ([]byte, error) {
	return []byte(formatPyFloat(float64(f))), nil
}

func formatPyFloat(f float64) string {
	s := strconv.FormatFloat(f, 'g', -1, 64)
	mant, exp, hasExp := strings.Cut(s, "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	if !hasExp {
		return mant
	}
	if exp[0] != '-' && exp[0] != '+' {
		exp = "+" + exp
	}
	return mant + "e" + exp
}

// writeYAML writes v as YAML to path, with a comment header.
func writeYAML(path, header string, v any) error {
	b, err := yaml.MarshalWithOptions(v, yaml.Indent(2), yaml.IndentSequence(true))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	out := "# " + strings.ReplaceAll(strings.TrimSpace(header), "\n", "\n# ") + "\n" + string(b)
	if err := fileio.WriteFile(path, []byte(out)); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
