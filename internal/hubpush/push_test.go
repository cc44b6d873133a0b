package hubpush

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regenesis-ai/regenesis/internal/cost"
	"github.com/regenesis-ai/regenesis/internal/hubfake"
	"github.com/regenesis-ai/regenesis/internal/method"
	"github.com/regenesis-ai/regenesis/internal/rundir"
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
	if err := os.WriteFile(filepath.Join(dir, rundir.ManifestFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestPush(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	hub := hubfake.New("hf_secret")
	t.Cleanup(hub.Server.Close)
	api := NewAPI(hub.URL(), tokenAuth("hf_secret"), nil)
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
	repo := hub.Repos["alice/gsm8k-paths"]
	if !repo.Private {
		t.Error("--private repository created public")
	}
	parquet := repo.Tree["data/train-00000-of-00001.parquet"]
	if !parquet.LFS || len(hub.Uploads) != 1 || !strings.HasPrefix(hub.Uploads[0], "PUT ") {
		t.Errorf("parquet lfs=%v, uploads %v; want one LFS PUT", parquet.LFS, hub.Uploads)
	}
	card := string(repo.Tree["README.md"].Data)
	for _, want := range []string{"license: mit", "openai/gsm8k", "regenesis/select | `abc123`", "$0.4200", "load_dataset(\"alice/gsm8k-paths\"", "gpt-4o-mini"} {
		if !strings.Contains(card, want) {
			t.Errorf("card lacks %q:\n%s", want, card)
		}
	}
	if repo.Tree["manifest.json"].Data == nil {
		t.Error("manifest.json not pushed")
	}
	if hub.Leaks != 0 {
		t.Errorf("the Hub token went to LFS storage %d times", hub.Leaks)
	}

	// Unchanged: no commit, no upload.
	res, err = Push(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Created || res.Commit.OID != "" || len(res.Commit.Unchanged) != 3 || len(hub.Commits) != 1 || len(hub.Uploads) != 1 {
		t.Errorf("re-push: %+v, %d commits, uploads %v", res.Commit, len(hub.Commits), hub.Uploads)
	}

	// A changed manifest changes the manifest and the card only.
	writeManifest(t, dir, 5)
	res, err = Push(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(res.Commit.Changed, ","); got != "manifest.json,README.md" || len(hub.Uploads) != 1 {
		t.Errorf("after a manifest change: changed %q, uploads %v", got, hub.Uploads)
	}
}

func TestPushMultipartAndJSONL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	hub := hubfake.New("tok")
	t.Cleanup(hub.Server.Close)
	hub.MultipartOver, hub.Chunk = 100, 256
	api := NewAPI(hub.URL(), tokenAuth("tok"), nil)
	dir := synthDir(t, 4)
	if _, err := Push(ctx, Options{Dir: dir, Repo: "org/parts", API: api}); err != nil {
		t.Fatal(err)
	}
	parts := 0
	for _, u := range hub.Uploads {
		if strings.HasPrefix(u, "PART ") {
			parts++
		}
	}
	if parts < 2 {
		t.Errorf("uploads %v, want a multipart upload", hub.Uploads)
	}
	// Unknown licence source: "other" with a name, which the Hub accepts.
	if card := string(hub.Repos["org/parts"].Tree["README.md"].Data); !strings.Contains(card, "license: other") {
		t.Errorf("card without sources:\n%s", card)
	}
	if _, err := Push(ctx, Options{Dir: dir, Repo: "org/jsonl", Format: "jsonl", API: api}); err != nil {
		t.Fatal(err)
	}
	if e := hub.Repos["org/jsonl"].Tree["data/train.jsonl"]; e.LFS || !strings.Contains(string(e.Data), `"messages"`) {
		t.Errorf("jsonl data file: lfs=%v %q", e.LFS, e.Data)
	}
}

func TestPushErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	hub := hubfake.New("right")
	t.Cleanup(hub.Server.Close)
	dir := synthDir(t, 1)
	_, err := Push(ctx, Options{Dir: dir, Repo: "a/b", API: NewAPI(hub.URL(), tokenAuth("wrong"), nil)})
	var he *HTTPError
	if !errors.As(err, &he) || he.StatusCode != 401 {
		t.Errorf("wrong token: %v", err)
	}
	if _, err := Push(ctx, Options{Dir: t.TempDir(), Repo: "a/b", API: NewAPI(hub.URL(), nil, nil)}); err == nil || !strings.Contains(err.Error(), "manifest") {
		t.Errorf("no manifest: %v", err)
	}
	for _, bad := range []string{"noslash", "a/b/c", "a/--b", "/b", "a/b.git"} {
		if err := CheckRepoID(bad); err == nil {
			t.Errorf("repo id %q accepted", bad)
		}
	}
}

func TestCardMetadataRejectsBadHeaders(t *testing.T) {
	t.Parallel()
	tree := map[string]bool{"data/x.parquet": true}
	good := "---\nlicense: mit\ntask_categories: [text-generation]\nsize_categories: [n<1K]\nconfigs:\n- config_name: default\n  data_files:\n  - split: train\n    path: data/x.parquet\n---\n"
	if err := hubfake.ValidateCard([]byte(good), tree); err != nil {
		t.Fatalf("good card rejected: %v", err)
	}
	for _, bad := range []string{
		strings.Replace(good, "license: mit", "license: MIT License", 1),
		strings.Replace(good, "data/x.parquet\n---", "data/y.parquet\n---", 1),
		strings.Replace(good, "n<1K", "tiny", 1),
		"no header",
	} {
		if err := hubfake.ValidateCard([]byte(bad), tree); err == nil {
			t.Errorf("bad card accepted:\n%s", bad)
		}
	}
}

// tokenAuth authorizes with a fixed token.
type tokenAuth string

func (t tokenAuth) Authorize(r *http.Request) { r.Header.Set("Authorization", "Bearer "+string(t)) }
