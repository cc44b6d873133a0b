package hubpush

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regenesis-ai/regenesis/internal/cost"
	"github.com/regenesis-ai/regenesis/internal/method"
	"github.com/regenesis-ai/regenesis/internal/synth"
)

// synthDir copies export's test synthesis directory and writes a manifest.
func synthDir(t *testing.T, kept int) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"sft.jsonl", "candidates.jsonl"} {
		b, err := os.ReadFile(filepath.Join("..", "export", "testdata", "synth", f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, f), b, 0o644)
	}
	writeManifest(t, dir, kept)
	return dir
}

func writeManifest(t *testing.T, dir string, kept int) {
	t.Helper()
	total := 0.42
	m := synth.Manifest{Version: "v-test", Method: "regenesis", Task: "gsm8k", Split: "train", Model: "gpt-4o-mini",
		Config:       method.DefaultConfig(),
		PromptHashes: map[string]string{"regenesis/select": "abc123"},
		Counts:       synth.Counts{Questions: 3, QuestionsWithPath: 2, Candidates: 10, Kept: kept},
		Cost: synth.Cost{Usage: method.Usage{Requests: 9, Samples: 12, PromptTokens: 1000, CompletionTokens: 500},
			Money: &cost.Money{Currency: "USD", Pricing: cost.Pricing{Basis: cost.BasisTable}, Total: &total}},
	}
	b, _ := json.MarshalIndent(m, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, synth.ManifestFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestPush(t *testing.T) {
	ctx := context.Background()
	hub := newFakeHub(t, "hf_secret")
	api := NewAPI(hub.srv.URL, tokenAuth("hf_secret"), nil)
	dir := synthDir(t, 4)
	sources := func([]string) []Source { return []Source{{Task: "gsm8k", Hub: "openai/gsm8k", Revision: "740312a"}} }
	opts := Options{Dir: dir, Repo: "alice/gsm8k-paths", Private: true, API: api, Sources: sources}

	res, err := Push(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Created || res.Commit.OID == "" || len(res.Commit.Changed) != 3 {
		t.Fatalf("first push: %+v %+v", res, res.Commit)
	}
	repo := hub.repos["alice/gsm8k-paths"]
	if !repo.private {
		t.Error("--private repository created public")
	}
	parquet := repo.tree["data/train-00000-of-00001.parquet"]
	if !parquet.lfs || len(hub.uploads) != 1 || !strings.HasPrefix(hub.uploads[0], "PUT ") {
		t.Errorf("parquet lfs=%v, uploads %v; want one LFS PUT", parquet.lfs, hub.uploads)
	}
	card := string(repo.tree["README.md"].data)
	for _, want := range []string{"license: mit", "openai/gsm8k", "regenesis/select | `abc123`", "$0.4200", "load_dataset(\"alice/gsm8k-paths\"", "gpt-4o-mini"} {
		if !strings.Contains(card, want) {
			t.Errorf("card lacks %q:\n%s", want, card)
		}
	}
	if repo.tree["manifest.json"].data == nil {
		t.Error("manifest.json not pushed")
	}

	// Unchanged: no commit, no upload.
	res, err = Push(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Created || res.Commit.OID != "" || len(res.Commit.Unchanged) != 3 || len(hub.commits) != 1 || len(hub.uploads) != 1 {
		t.Errorf("re-push: %+v, %d commits, uploads %v", res.Commit, len(hub.commits), hub.uploads)
	}

	// A changed manifest changes the manifest and the card only.
	writeManifest(t, dir, 5)
	res, err = Push(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(res.Commit.Changed, ","); got != "manifest.json,README.md" || len(hub.uploads) != 1 {
		t.Errorf("after a manifest change: changed %q, uploads %v", got, hub.uploads)
	}
}

func TestPushMultipartAndJSONL(t *testing.T) {
	ctx := context.Background()
	hub := newFakeHub(t, "tok")
	hub.multipartOver, hub.chunk = 100, 256
	api := NewAPI(hub.srv.URL, tokenAuth("tok"), nil)
	dir := synthDir(t, 4)
	if _, err := Push(ctx, Options{Dir: dir, Repo: "org/parts", API: api}); err != nil {
		t.Fatal(err)
	}
	parts := 0
	for _, u := range hub.uploads {
		if strings.HasPrefix(u, "PART ") {
			parts++
		}
	}
	if parts < 2 {
		t.Errorf("uploads %v, want a multipart upload", hub.uploads)
	}
	// Unknown licence source: "other" with a name, which the Hub accepts.
	if card := string(hub.repos["org/parts"].tree["README.md"].data); !strings.Contains(card, "license: other") {
		t.Errorf("card without sources:\n%s", card)
	}
	if _, err := Push(ctx, Options{Dir: dir, Repo: "org/jsonl", Format: "jsonl", API: api}); err != nil {
		t.Fatal(err)
	}
	if e := hub.repos["org/jsonl"].tree["data/train.jsonl"]; e.lfs || !strings.Contains(string(e.data), `"messages"`) {
		t.Errorf("jsonl data file: lfs=%v %q", e.lfs, e.data)
	}
}

func TestPushErrors(t *testing.T) {
	ctx := context.Background()
	hub := newFakeHub(t, "right")
	dir := synthDir(t, 1)
	_, err := Push(ctx, Options{Dir: dir, Repo: "a/b", API: NewAPI(hub.srv.URL, tokenAuth("wrong"), nil)})
	var he *HTTPError
	if !errors.As(err, &he) || he.StatusCode != 401 {
		t.Errorf("wrong token: %v", err)
	}
	if _, err := Push(ctx, Options{Dir: t.TempDir(), Repo: "a/b", API: NewAPI(hub.srv.URL, nil, nil)}); err == nil || !strings.Contains(err.Error(), "manifest") {
		t.Errorf("no manifest: %v", err)
	}
	for _, bad := range []string{"noslash", "a/b/c", "a/--b", "/b", "a/b.git"} {
		if err := CheckRepoID(bad); err == nil {
			t.Errorf("repo id %q accepted", bad)
		}
	}
}

func TestCardMetadataRejectsBadHeaders(t *testing.T) {
	tree := map[string]bool{"data/x.parquet": true}
	good := "---\nlicense: mit\ntask_categories: [text-generation]\nsize_categories: [n<1K]\nconfigs:\n- config_name: default\n  data_files:\n  - split: train\n    path: data/x.parquet\n---\n"
	if err := validateCard([]byte(good), tree); err != nil {
		t.Fatalf("good card rejected: %v", err)
	}
	for _, bad := range []string{
		strings.Replace(good, "license: mit", "license: MIT License", 1),
		strings.Replace(good, "data/x.parquet\n---", "data/y.parquet\n---", 1),
		strings.Replace(good, "n<1K", "tiny", 1),
		"no header",
	} {
		if err := validateCard([]byte(bad), tree); err == nil {
			t.Errorf("bad card accepted:\n%s", bad)
		}
	}
}
