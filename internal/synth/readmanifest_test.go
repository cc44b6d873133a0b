package synth

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadManifest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body string
		hasCost    bool
		method     string
		err        string
	}{
		{"with cost", `{"method":"cot","cost":{"requests":3,"tokens":9},"from_a_later_version":1}`, true, "cot", ""},
		{"before costs were recorded", `{"method":"star"}`, false, "star", ""},
		{"null cost", `{"method":"star","cost":null}`, false, "star", ""},
		{"malformed", `{"method":`, false, "", "manifest.json: unexpected end of JSON input"},
		{"wrong type", `{"method":3}`, false, "", "cannot unmarshal number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(tt.body), 0o644); err != nil {
				t.Fatal(err)
			}
			m, err := ReadManifest(dir)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if m.HasCost() != tt.hasCost || m.Method != tt.method {
				t.Errorf("HasCost %v, method %q; want %v, %q", m.HasCost(), m.Method, tt.hasCost, tt.method)
			}
			if tt.hasCost && (m.Cost.Requests != 3 || m.Cost.Tokens != 9) {
				t.Errorf("cost %+v", m.Cost)
			}
		})
	}
	if _, err := ReadManifest(t.TempDir()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing manifest: %v, want fs.ErrNotExist", err)
	}
}
