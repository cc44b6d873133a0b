package rundir

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regenesis-ai/regenesis/internal/fileio"
)

func TestGroupCandidates(t *testing.T) {
	tests := []struct {
		name   string
		lines  []string
		groups []string // key@line x count
		line   int      // line of the error, 0 = none
		field  string
		msg    string
	}{
		{"grouped", []string{
			`{"task":"t","question_id":"1","path":"a"}`, `{"task":"t","question_id":"1","path":"b"}`,
			``, `{"task":"t","question_id":"2","path":"c"}`, `{"task":"u","question_id":"1","path":"d"}`,
		}, []string{"t/1@1x2", "t/2@4x1", "u/1@5x1"}, 0, "", ""},
		{"no task", []string{`{"task":"t","question_id":"1"}`, `{"question_id":"2"}`}, nil, 2, "task", "missing or empty"},
		{"no question id", []string{`{"task":"t","question_id":"1"}`, `{"task":"t","question_id":""}`}, nil, 2, "question_id", "missing or empty"},
		{"kept not a bool", []string{`{"task":"t","question_id":"1","kept":"yes"}`}, nil, 1, "kept", "want bool"},
		{"question again", []string{
			`{"task":"t","question_id":"1"}`, `{"task":"t","question_id":"2"}`, `{"task":"t","question_id":"1"}`,
		}, []string{"t/1@1x1"}, 3, "", "question t/1 appears again after other questions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := fileOf(t, CandidatesFile, tt.lines...)
			var groups []string
			var err error
			for g, e := range GroupCandidates(t.Context(), path) {
				if e != nil {
					err = e
					break
				}
				groups = append(groups, fmt.Sprintf("%s@%dx%d", g.Key, g.Line, len(g.Candidates)))
			}
			if diff := cmp.Diff(tt.groups, groups); diff != "" {
				t.Errorf("groups (-want +got):\n%s", diff)
			}
			if tt.line == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			le, ok := errors.AsType[*fileio.LineError](err)
			if !ok {
				t.Fatalf("err = %v (%T), want a *fileio.LineError", err, err)
			}
			if le.File != path || le.Line != tt.line || le.Field != tt.field || !strings.Contains(le.Err.Error(), tt.msg) {
				t.Errorf("error at %s:%d field %q: %v; want %s:%d field %q: %q", le.File, le.Line, le.Field, le.Err, path, tt.line, tt.field, tt.msg)
			}
		})
	}
}
