package task

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSuite(t *testing.T) {
	t.Parallel()
	r := NewRegistry(dataDir(t))
	tests := []struct {
		suite string
		want  []string
	}{
		{SuiteInDomain, []string{"gsm8k", "numglue", "arc_challenge", "reclor", "strategyqa"}},
		{SuiteOOD, []string{"asdiv", "svamp", "aqua", "math500", "bbh", "anli", "openbookqa"}},
	}
	for _, tt := range tests {
		got, err := r.Suite(tt.suite)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.suite, diff)
		}
		for _, name := range got {
			if _, err := r.Get(name); err != nil {
				t.Errorf("suite %s names %s: %v", tt.suite, name, err)
			}
		}
	}
	all, _ := r.Suite(SuiteAll)
	if len(all) != 12 {
		t.Errorf("all: %v", all)
	}
	bbh, _ := r.Suite(SuiteBBH)
	if len(bbh) != 27 || bbh[0] != "bbh.boolean_expressions" {
		t.Errorf("bbh: %v", bbh)
	}
	if _, err := r.Suite("everything"); err == nil {
		t.Error("unknown suite: no error")
	}

	// Full MATH replaces MATH-500 once its test files are present.
	root := t.TempDir()
	for _, s := range mathSubjects {
		p := filepath.Join(root, "math", s, "test-00000-of-00001.parquet")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ood, _ := NewRegistry(root).Suite(SuiteOOD)
	if !slices.Contains(ood, "math") || slices.Contains(ood, "math500") {
		t.Errorf("ood with MATH present: %v", ood)
	}
}

func TestListInfo(t *testing.T) {
	t.Parallel()
	r := NewRegistry(dataDir(t))
	infos := r.List()
	if len(infos) != 14+27+3 {
		t.Errorf("%d tasks, want 44 (14 tasks, 27 BBH subtasks, 3 reference variants)", len(infos))
	}
	for _, info := range infos {
		if info.Name == "" || info.Group == "" || info.AnswerType == "" || info.Description == "" || len(info.Splits) == 0 {
			t.Errorf("incomplete info %+v", info)
		}
		if !info.HasSplit(info.TestSplit) || (info.TrainSplit != "" && !info.HasSplit(info.TrainSplit)) {
			t.Errorf("%s: test split %q or train split %q not among its splits", info.Name, info.TestSplit, info.TrainSplit)
		}
	}
	tk, _ := r.Get("reclor")
	var local []string
	for _, s := range tk.Info().Splits {
		if s.Local {
			local = append(local, s.Name)
		}
	}
	if diff := cmp.Diff([]string{"val"}, local); diff != "" {
		t.Errorf("reclor local splits (-want +got):\n%s", diff)
	}
}
