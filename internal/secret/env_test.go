package secret

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadEnvHuggingFace(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want HFEnv
	}{
		{"none", nil, HFEnv{}},
		{"token and its variable", map[string]string{"HF_TOKEN": " hf_a\r\n", "HUGGING_FACE_HUB_TOKEN": "hf_b"},
			HFEnv{Token: "hf_a", TokenVar: "HF_TOKEN"}},
		{"blank HF_TOKEN falls back to the older name", map[string]string{"HF_TOKEN": "  ", "HUGGING_FACE_HUB_TOKEN": "hf_b"},
			HFEnv{Token: "hf_b", TokenVar: "HUGGING_FACE_HUB_TOKEN"}},
		{"offline: first variable set true wins", map[string]string{"HF_HUB_OFFLINE": "0", "TRANSFORMERS_OFFLINE": "yes", "HF_DATASETS_OFFLINE": "1"},
			HFEnv{OfflineVar: "TRANSFORMERS_OFFLINE"}},
		{"endpoint without trailing slash", map[string]string{"HF_ENDPOINT": "https://mirror.example//"},
			HFEnv{Endpoint: "https://mirror.example"}},
		{"cache: HF_HUB_CACHE before the legacy name", map[string]string{"HF_HUB_CACHE": "/a", "HUGGINGFACE_HUB_CACHE": "/b", "HF_HOME": "/h", "XDG_CACHE_HOME": "/x"},
			HFEnv{HubCache: "/a", Home: "/h", XDGCacheHome: "/x"}},
		{"legacy cache", map[string]string{"HUGGINGFACE_HUB_CACHE": "/b"}, HFEnv{HubCache: "/b"}},
		{"implicit token off, token path", map[string]string{"HF_HUB_DISABLE_IMPLICIT_TOKEN": "ON", "HF_TOKEN_PATH": "~/t"},
			HFEnv{DisableImplicitToken: true, TokenPath: "~/t"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ReadEnv(func(k string) string { return tt.env[k] }).HF
			if got != tt.want {
				t.Errorf("HF = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestEnvLookupAndExpand(t *testing.T) {
	vars := map[string]string{"SLURM_ARRAY_TASK_ID": "3", "HOME": "/home/u", "EMPTY": ""}
	e := ReadEnv(func(k string) string { return vars[k] })
	if v, ok := e.Lookup("SLURM_ARRAY_TASK_ID"); v != "3" || !ok {
		t.Errorf("Lookup = %q, %v; want 3, true", v, ok)
	}
	if _, ok := e.Lookup("EMPTY"); ok {
		t.Error("Lookup of an empty variable: ok, want not set")
	}
	if got := e.Expand("$HOME/x/${SLURM_ARRAY_TASK_ID}/$UNSET"); got != "/home/u/x/3/" {
		t.Errorf("Expand = %q", got)
	}
	if e.Home != "/home/u" {
		t.Errorf("Home = %q", e.Home)
	}
}

// TestOnlyThisPackageReadsTheEnvironment keeps the environment read in one
// place: no product file outside internal/secret calls os.Getenv,
// os.LookupEnv, os.Environ or os.ExpandEnv.
func TestOnlyThisPackageReadsTheEnvironment(t *testing.T) {
	root := filepath.Join("..", "..")
	banned := map[string]bool{"Getenv": true, "LookupEnv": true, "Environ": true, "ExpandEnv": true}
	fset := token.NewFileSet()
	checked := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "testdata", "node_modules":
				return filepath.SkipDir
			}
			if filepath.ToSlash(path) == "../../internal/secret" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		checked++
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if id, ok := sel.X.(*ast.Ident); ok && id.Name == "os" && banned[sel.Sel.Name] {
				t.Errorf("%s: os.%s: read the environment through secret.ReadEnv", fset.Position(sel.Pos()), sel.Sel.Name)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("checked only %d files: is the repository root %s?", checked, root)
	}
}
