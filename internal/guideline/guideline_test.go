package guideline

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cespare/xxhash/v2"
	"github.com/google/go-cmp/cmp"
)

func TestDefault(t *testing.T) {
	t.Parallel()
	gs := Default()
	if len(gs) < 25 {
		t.Fatalf("default pool has %d guidelines, want at least 25", len(gs))
	}
	if err := Validate(gs); err != nil {
		t.Fatal(err)
	}
	if got := len(ForHint(gs)); got != len(gs)-3 {
		t.Errorf("ForHint keeps %d of %d, want all but the 3 that assume a solution", got, len(gs))
	}
	gs[0].Text = "changed"
	if Default()[0].Text == "changed" {
		t.Error("Default shares its slice between calls")
	}
}

func TestLoad(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file, content string
		want                []Guideline
		wantErr             string
	}{
		{
			name: "yaml", file: "g.yaml",
			content: "- id: a\n  name: A\n  text: Do a.\n- id: b\n  text: Do b.\n  assumes_solution: true\n",
			want:    []Guideline{{ID: "a", Name: "A", Text: "Do a."}, {ID: "b", Name: "b", Text: "Do b.", AssumesSolution: true}},
		},
		{
			name: "json", file: "g.json",
			content: `[{"id":"a","name":"A","text":"Do a."}]`,
			want:    []Guideline{{ID: "a", Name: "A", Text: "Do a."}},
		},
		{
			name: "text", file: "g.txt",
			content: "# my pool\nDo a.\n\n  Do b.  \n",
			want: []Guideline{
				{ID: "u-" + hex8("Do a."), Name: "u-" + hex8("Do a."), Text: "Do a."},
				{ID: "u-" + hex8("Do b."), Name: "u-" + hex8("Do b."), Text: "Do b."},
			},
		},
		{name: "yaml unknown field", file: "g.yml", content: "- id: a\n  txt: Do a.\n", wantErr: "g.yml"},
		{name: "json missing text", file: "g.json", content: `[{"id":"a"}]`, wantErr: "guideline 1 (a): field text is empty"},
		{name: "duplicate id", file: "g.json", content: `[{"id":"a","text":"x"},{"id":"a","text":"y"}]`, wantErr: `guideline 2: id "a" already used by guideline 1`},
		{name: "duplicate line", file: "g.txt", content: "Do a.\nDo b.\nDo a.\n", wantErr: "g.txt:3: same guideline as line 1"},
		{name: "empty", file: "g.txt", content: "# nothing\n", wantErr: "pool is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), tt.file)
			if err := os.WriteFile(p, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := Load(p)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Load: %v, want error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Load (-want +got):\n%s", diff)
			}
		})
	}
}

func hex8(s string) string {
	return fmt.Sprintf("%08x", uint32(xxhash.Sum64String(s)))
}

func TestMerge(t *testing.T) {
	t.Parallel()
	base := []Guideline{{ID: "a", Text: "A"}, {ID: "b", Text: "B"}}
	got, err := Merge(base, []Guideline{{ID: "b", Text: "B2"}, {ID: "c", Text: "C"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []Guideline{{ID: "a", Text: "A"}, {ID: "b", Text: "B2"}, {ID: "c", Text: "C"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Merge (-want +got):\n%s", diff)
	}
	if base[1].Text != "B" {
		t.Error("Merge modified base")
	}
}

func TestReference(t *testing.T) {
	t.Parallel()
	gs := Reference()
	if len(gs) != 25 {
		t.Fatalf("reference pool has %d guidelines, want the authors' 25", len(gs))
	}
	if err := Validate(gs); err != nil {
		t.Fatal(err)
	}
	hint := ForHint(gs)
	if len(hint) != 22 {
		t.Errorf("hint pool has %d, want 22", len(hint))
	}
	for i, g := range gs {
		if !strings.HasPrefix(g.ID, "ref-") || g.Name == "" {
			t.Errorf("guideline %d: id %q name %q", i+1, g.ID, g.Name)
		}
		if g.AssumesSolution != (i >= 22) {
			t.Errorf("guideline %d (%s): assumes_solution %v; the authors' last three assume a solution", i+1, g.ID, g.AssumesSolution)
		}
	}
	// The reference pool shares no id with the default one, so a run's
	// guideline ids say which pool it used.
	def := map[string]bool{}
	for _, g := range Default() {
		def[g.ID] = true
	}
	for _, g := range gs {
		if def[g.ID] {
			t.Errorf("id %s is in both pools", g.ID)
		}
	}
	for _, name := range PoolNames() {
		p, err := Builtin(name)
		if err != nil || len(p) != 25 {
			t.Errorf("Builtin(%s): %d, %v", name, len(p), err)
		}
	}
	if _, err := Builtin("nope"); err == nil || !strings.Contains(err.Error(), "reference") {
		t.Errorf("unknown pool: %v", err)
	}
}
