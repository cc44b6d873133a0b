package cli

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

func TestCompareCmd(t *testing.T) {
	a := filepath.Join("..", "compare", "testdata", "regenesis")
	b := filepath.Join("..", "compare", "testdata", "star")
	t.Run("markdown", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		if code := Main([]string{"compare", a, b}, &stdout, &stderr); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
		for _, want := range []string{"| metric | " + a + " | " + b + " |", "| kept / total paths | 3 / 6 (50.0%) | 2 / 3 (66.7%) |", "### Guideline usage"} {
			if !strings.Contains(stdout.String(), want) {
				t.Errorf("output lacks %q:\n%s", want, stdout.String())
			}
		}
	})
	t.Run("json", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		if code := Main([]string{"compare", "--json", a}, &stdout, &stderr); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
		var got []struct {
			Dir     string `json:"dir"`
			Covered int    `json:"covered"`
		}
		if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Dir != a || got[0].Covered != 2 {
			t.Errorf("got %+v", got)
		}
	})
	t.Run("errors", func(t *testing.T) {
		for args, want := range map[string]string{
			"compare":                             "compare needs at least one synthesis directory",
			"compare " + filepath.Join(a, "nope"): "candidates.jsonl: no such file",
		} {
			var stdout, stderr bytes.Buffer
			if code := Main(strings.Fields(args), &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), want) {
				t.Errorf("%s: exit %d, stderr %q; want 1 and %q", args, code, stderr.String(), want)
			}
		}
	})
}
