package train

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestWriteDataRejectsBadLines: a bad line of --data fails with the file,
// line and field (rundir's validator, whose cases are in rundir), and the
// data file is not written.
func TestWriteDataRejectsBadLines(t *testing.T) {
	ok := `{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}]}`
	tests := []struct {
		name, line, want string
	}{
		{"not json", `{"messages":`, ":2: malformed JSON: unexpected EOF"},
		{"one turn", `{"messages":[{"role":"user","content":"q"}]}`, `:2: field "messages": want at least a user and an assistant turn, got 1 turn`},
		{"unknown role", `{"messages":[{"role":"user","content":"q"},{"role":"tool","content":"a"}]}`, `:2: field "messages[1].role": "tool" is not system, user or assistant`},
		{"assistant first", `{"messages":[{"role":"assistant","content":"a"},{"role":"user","content":"q"}]}`, `:2: field "messages[1].role": the last turn is "user", want assistant`},
		{"assistant before user", `{"messages":[{"role":"assistant","content":"a"},{"role":"user","content":"q"},{"role":"assistant","content":"a"}]}`, `:2: field "messages[0].role": an assistant turn before any user turn`},
		{"ends with user", `{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"},{"role":"user","content":"q"}]}`, `:2: field "messages[2].role": the last turn is "user", want assistant`},
		{"empty reply", `{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":""}]}`, `:2: field "messages[1].content": empty`},
		{"late system", `{"messages":[{"role":"user","content":"q"},{"role":"system","content":"s"},{"role":"assistant","content":"a"}]}`, `:2: field "messages[1].role": a system turn may only come first`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeFile(t, "sft.jsonl", ok+"\n"+tt.line+"\n")
			dst := filepath.Join(t.TempDir(), "train.jsonl")
			_, _, err := writeData(t.Context(), p, dst, dataOptions(EngineHF))
			if err == nil || !strings.Contains(err.Error(), p+tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, p+tt.want)
			}
			if _, serr := os.Stat(dst); !os.IsNotExist(serr) {
				t.Errorf("%s written after a bad line (stat: %v)", dst, serr)
			}
		})
	}
}

func TestSourceFile(t *testing.T) {
	if got, err := SourceFile("testdata/synth"); err != nil || got != filepath.Join("testdata/synth", "sft.jsonl") {
		t.Errorf("SourceFile(dir) = %q, %v", got, err)
	}
	if got, err := SourceFile("testdata/synth/sft.jsonl"); err != nil || got != "testdata/synth/sft.jsonl" {
		t.Errorf("SourceFile(file) = %q, %v", got, err)
	}
	if _, err := SourceFile("testdata"); err == nil || !strings.Contains(err.Error(), "not a synthesis directory") {
		t.Errorf("SourceFile(dir without sft.jsonl) error = %v", err)
	}
}

func TestWriteData(t *testing.T) {
	tests := []struct {
		engine string
		want   []string
	}{
		{EngineHF, []string{
			`{"messages":[{"role":"user","content":"q1"},{"role":"assistant","content":"a1"}]}`,
			`{"messages":[{"role":"system","content":"s"},{"role":"user","content":"q2"},{"role":"assistant","content":"a <2>"}]}`,
		}},
		{EngineTRL, []string{
			`{"prompt":[{"role":"user","content":"q1"}],"completion":[{"role":"assistant","content":"a1"}]}`,
			`{"prompt":[{"role":"system","content":"s"},{"role":"user","content":"q2"}],"completion":[{"role":"assistant","content":"a <2>"}]}`,
		}},
	}
	src := writeFile(t, "sft.jsonl",
		`{"messages":[{"role":"user","content":"q1"},{"role":"assistant","content":"a1"}],"task":"t","hinted":false}`+"\n\n"+
			`{"messages":[{"role":"system","content":"s"},{"role":"user","content":"q2"},{"role":"assistant","content":"a <2>"}]}`+"\n")
	for _, tt := range tests {
		dst := filepath.Join(t.TempDir(), "data", "train.jsonl")
		st, _, err := writeData(t.Context(), src, dst, dataOptions(tt.engine))
		if err != nil {
			t.Fatal(err)
		}
		if want := (DataStats{Source: src, Examples: 2, MaxChars: 8}); st != want {
			t.Errorf("stats = %+v, want %+v", st, want)
		}
		if diff := cmp.Diff(tt.want, readLines(t, dst)); diff != "" {
			t.Errorf("engine %s (-want +got):\n%s", tt.engine, diff)
		}
	}
}

func TestWriteDataEmpty(t *testing.T) {
	src := writeFile(t, "sft.jsonl", "\n\n")
	_, _, err := writeData(t.Context(), src, filepath.Join(t.TempDir(), "train.jsonl"), dataOptions(EngineHF))
	if err == nil || !strings.Contains(err.Error(), "has no examples") {
		t.Errorf("error = %v, want 'has no examples'", err)
	}
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if !json.Valid(sc.Bytes()) {
			t.Errorf("%s: invalid JSON line %q", path, sc.Text())
		}
		lines = append(lines, sc.Text())
	}
	return lines
}
