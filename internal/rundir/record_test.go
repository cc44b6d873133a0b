package rundir

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regenesis-ai/regenesis/internal/fileio"
	"github.com/regenesis-ai/regenesis/internal/llm"
	"github.com/regenesis-ai/regenesis/internal/method"
)

// fileOf writes lines, each ended by a newline, to a new file named name.
func fileOf(t *testing.T, name string, lines ...string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestReadSFTValidates is the one rule set of a kept-path record, with the
// cases export's and train's validators each had: every rejected record
// names its file, line and field.
func TestReadSFTValidates(t *testing.T) {
	const good = `{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}],"task":"t","question_id":"1"}`
	tests := []struct {
		name  string
		line  string
		field string // "" = accepted
		msg   string
	}{
		{"user and assistant", good, "", ""},
		{"system first", `{"messages":[{"role":"system","content":"s"},{"role":"user","content":"q"},{"role":"assistant","content":"a"}]}`, "", ""},
		{"multi-turn", `{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"},{"role":"user","content":"q2"},{"role":"assistant","content":"a2"}]}`, "", ""},
		{"messages only, unknown fields", `{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}],"extra":1}`, "", ""},
		{"no messages", `{"task":"t"}`, "messages", "missing or empty"},
		{"empty messages", `{"messages":[]}`, "messages", "missing or empty"},
		{"one turn", `{"messages":[{"role":"user","content":"q"}]}`, "messages", "want at least a user and an assistant turn, got 1 turn"},
		{"unknown role", `{"messages":[{"role":"user","content":"q"},{"role":"model","content":"a"}]}`, "messages[1].role", `"model" is not system, user or assistant`},
		{"tool role", `{"messages":[{"role":"user","content":"q"},{"role":"tool","content":"a"}]}`, "messages[1].role", `"tool" is not system, user or assistant`},
		{"blank reply", `{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"  "}]}`, "messages[1].content", "empty"},
		{"empty reply", `{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":""}]}`, "messages[1].content", "empty"},
		{"empty system", `{"messages":[{"role":"system","content":""},{"role":"user","content":"q"},{"role":"assistant","content":"a"}]}`, "messages[0].content", "empty"},
		{"ends with user", `{"messages":[{"role":"assistant","content":"a"},{"role":"user","content":"q"}]}`, "messages[1].role", `the last turn is "user", want assistant`},
		{"ends with user after a reply", `{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"},{"role":"user","content":"q"}]}`, "messages[2].role", `the last turn is "user", want assistant`},
		{"assistant before user", `{"messages":[{"role":"assistant","content":"a"},{"role":"user","content":"q"},{"role":"assistant","content":"a"}]}`, "messages[0].role", "an assistant turn before any user turn"},
		{"no user turn", `{"messages":[{"role":"system","content":"s"},{"role":"assistant","content":"a"}]}`, "messages[1].role", "an assistant turn before any user turn"},
		{"late system", `{"messages":[{"role":"user","content":"q"},{"role":"system","content":"s"},{"role":"assistant","content":"a"}]}`, "messages[1].role", "a system turn may only come first"},
		{"messages not a list", `{"messages":"hi"}`, "messages", "want []llm.Message, got a JSON string"},
		{"malformed", `{"messages":`, "", "malformed JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The bad line is line 3, after a good line and a blank one.
			path := fileOf(t, SFTFile, good, "", tt.line)
			var lines []int
			var err error
			for l, e := range ReadSFT(t.Context(), path) {
				if e != nil {
					err = e
					break
				}
				lines = append(lines, l.N)
			}
			if tt.msg == "" {
				if err != nil || !cmp.Equal(lines, []int{1, 3}) {
					t.Fatalf("lines %v, err %v; want lines [1 3] accepted", lines, err)
				}
				return
			}
			le, ok := errors.AsType[*fileio.LineError](err)
			if !ok {
				t.Fatalf("err = %v (%T), want a *fileio.LineError", err, err)
			}
			if le.File != path || le.Line != 3 || le.Field != tt.field || !strings.Contains(le.Err.Error(), tt.msg) {
				t.Errorf("error at %s:%d field %q: %v; want %s:3 field %q: %q", le.File, le.Line, le.Field, le.Err, path, tt.field, tt.msg)
			}
			if !cmp.Equal(lines, []int{1}) {
				t.Errorf("read lines %v before the error, want [1]", lines)
			}
		})
	}
}

func TestReadSFTCanceled(t *testing.T) {
	path := fileOf(t, SFTFile, slices.Repeat([]string{`{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}]}`}, 3000)...)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	n := 0
	var err error
	for _, e := range ReadSFT(ctx, path) {
		if e != nil {
			err = e
			break
		}
		n++
	}
	if !errors.Is(err, context.Canceled) || n != ctxEvery-1 {
		t.Errorf("read %d lines, err %v; want %d and context.Canceled", n, err, ctxEvery-1)
	}
}

func TestKept(t *testing.T) {
	r := Kept(method.Candidate{Task: "t", QuestionID: "q", Method: "m", Hinted: true}, "U", "A")
	want := Record{
		Messages: []llm.Message{{Role: "user", Content: "U"}, {Role: "assistant", Content: "A"}},
		Meta:     Meta{Task: "t", QuestionID: "q", Method: "m", GuidelineIDs: []string{}, Hinted: true},
	}
	if diff := cmp.Diff(want, r); diff != "" {
		t.Errorf("Kept (-want +got):\n%s", diff)
	}
	if field, err := r.Validate(); err != nil {
		t.Errorf("Kept's record fails validation: field %q: %v", field, err)
	}
}
