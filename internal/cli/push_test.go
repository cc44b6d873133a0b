package cli

import (
	"bytes"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regenesis-ai/regenesis/internal/hubfake"
	"github.com/regenesis-ai/regenesis/internal/simserver"
)

func TestPushCommandErrors(t *testing.T) {
	t.Setenv("HF_TOKEN", "")
	t.Setenv("HUGGING_FACE_HUB_TOKEN", "")
	t.Setenv("HF_TOKEN_PATH", filepath.Join(t.TempDir(), "none"))
	t.Setenv("HF_HOME", t.TempDir())
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"push", t.TempDir(), "--repo", "not-a-repo"}, `--repo "not-a-repo"`},
		{[]string{"push", t.TempDir(), "--repo", "alice/data"}, "no Hugging Face token"},
		{[]string{"push", t.TempDir()}, `"repo" not set`},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		if code := Main(tt.args, &out, &out); code == 0 || !strings.Contains(out.String(), tt.want) {
			t.Errorf("%v: exit %d, output %q, want an error with %q", tt.args, code, out.String(), tt.want)
		}
	}
}

// TestPushCommand synthesizes on the simulated endpoint and pushes the run
// to a fake Hub (HF_ENDPOINT, HF_TOKEN): the card names the source task's
// licence and Hub repository, and a second push changes nothing.
func TestPushCommand(t *testing.T) {
	t.Setenv("HF_HUB_OFFLINE", "1")
	data := sharedDataDir(t)
	srv := simserver.New(simserver.Config{Seed: 2, Accuracy: 0.7}, gsm8kKey(t, data, 3))
	ts := httptest.NewServer(srv)
	defer ts.Close()
	out := t.TempDir()
	var buf bytes.Buffer
	if code := Main([]string{"synthesize", "--data-dir", data, "--no-download", "--task", "gsm8k", "--limit", "3",
		"--method", "star", "--samples", "4", "--model", srv.Model(), "--base-url", ts.URL, "--out", out}, &buf, &buf); code != 0 {
		t.Fatalf("synthesize: %s", buf.String())
	}
	hub := hubfake.New("hf_test_token")
	defer hub.Server.Close()
	t.Setenv("HF_ENDPOINT", hub.URL())
	t.Setenv("HF_TOKEN", "hf_test_token")
	buf.Reset()
	if code := Main([]string{"push", out, "--repo", "alice/paths", "--private"}, &buf, &buf); code != 0 {
		t.Fatalf("push: exit %d: %s", code, buf.String())
	}
	if !strings.Contains(buf.String(), "created dataset repository alice/paths") || !strings.Contains(buf.String(), "pushed data/train-00000-of-00001.parquet, manifest.json, README.md") {
		t.Errorf("push output %q", buf.String())
	}
	card := string(hub.Repos["alice/paths"].Tree["README.md"].Data)
	for _, want := range []string{"license: mit", "- openai/gsm8k", "method `star`"} {
		if !strings.Contains(card, want) {
			t.Errorf("card lacks %q:\n%s", want, card)
		}
	}
	if strings.Contains(buf.String(), "hf_test_token") {
		t.Error("the token was printed")
	}
	buf.Reset()
	if code := Main([]string{"push", out, "--repo", "alice/paths"}, &buf, &buf); code != 0 || !strings.Contains(buf.String(), "up to date") || len(hub.Commits) != 1 {
		t.Errorf("re-push: exit %d %q, %d commits", code, buf.String(), len(hub.Commits))
	}
}
