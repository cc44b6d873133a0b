package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/regenesis-ai/regenesis/internal/rundir"
	"github.com/regenesis-ai/regenesis/internal/simserver"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// Credentials the runs below are given; none may appear in any file a run
// writes or in anything it prints.
const (
	urlPassword = "pw-IN-URL-3f9a1c"
	flagKey     = "sk-flag-KEY-8b2e77d0c4"
	envKey      = "sk-env-KEY-51aa09e6f2"
	queryKey    = "qk-IN-QUERY-7d41e2"
)

// TestCredentialsNeverWritten runs synthesize, export, train (a plan),
// eval, score and report with a base URL holding user:password@, an API
// key in a flag and another in the environment, then reads every file
// under the runs' root and everything printed: no credential may be there.
// The manifest's command line must parse back into the same flags.
func TestCredentialsNeverWritten(t *testing.T) {
	t.Setenv("HF_HUB_OFFLINE", "1")
	t.Setenv("OPENAI_API_KEY", envKey)
	data := sharedDataDir(t)
	reg := task.NewRegistry(data)
	var key []simserver.Entry
	tk, err := reg.Get("gsm8k")
	if err != nil {
		t.Fatal(err)
	}
	train, err := tk.First(t.Context(), "train", 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, ex := range append(train, firstExamples(t, reg, "gsm8k", 2)...) {
		key = append(key, simserver.EntryFor(ex))
	}
	srv := simserver.New(simserver.Config{Seed: 3}, key)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	u, _ := url.Parse(ts.URL)
	u.User = url.UserPassword("alice", urlPassword)
	u.Path = "/v1"
	secretURL := u.String()

	root := t.TempDir()
	synthDir, evalDir, trainDir, reportDir := filepath.Join(root, "synth"), filepath.Join(root, "eval"), filepath.Join(root, "model"), filepath.Join(root, "report")
	var printed bytes.Buffer
	run := func(args ...string) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if code := Main(args, &stdout, &stderr); code != 0 {
			t.Fatalf("%s: exit %d\n%s%s", args[0], code, stdout.String(), stderr.String())
		}
		printed.Write(stdout.Bytes())
		printed.Write(stderr.Bytes())
	}
	synthArgs := []string{"synthesize", "--data-dir", data, "--task", "gsm8k", "--limit", "2", "--method", "cot",
		"--model", srv.Model(), "--base-url", secretURL, "--api-key", flagKey, "--out", synthDir}
	run(synthArgs...)
	run("export", synthDir, "--format", "sharegpt")
	run("export", synthDir, "--format", "parquet", "--out", filepath.Join(root, "exported"))
	run("train", "--engine", "axolotl", "--data", synthDir, "--base-model", "org/m", "--out", trainDir, "--skip-checks")
	run("eval", "--data-dir", data, "--task", "gsm8k", "--limit", "2", "--model", srv.Model(), "--base-url", secretURL, "--out", evalDir)
	run("score", "--data-dir", data, "--task", "gsm8k", "--predictions", filepath.Join(evalDir, "predictions.jsonl"), "--allow-partial", "--out", filepath.Join(root, "scored"))
	run("report", evalDir, "--out", reportDir)
	// A key in the URL's query (as some gateways take it) is a credential too.
	qu := *u
	qu.User, qu.RawQuery = nil, "api_key="+queryKey
	run("eval", "--data-dir", data, "--task", "gsm8k", "--limit", "1", "--model", srv.Model(), "--base-url", qu.String(), "--out", filepath.Join(root, "eval-query"))

	files := 0
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		for _, s := range []string{urlPassword, flagKey, envKey, queryKey} {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s contains the credential %q", p, s)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 12 {
		t.Errorf("only %d files written; the runs did not all write their outputs", files)
	}
	for _, s := range []string{urlPassword, flagKey, envKey, queryKey} {
		if strings.Contains(printed.String(), s) {
			t.Errorf("output contains the credential %q:\n%s", s, printed.String())
		}
	}

	// The recorded command pastes back: parsed by the same command, it
	// gives the flags of the run, minus the credentials.
	b, err := os.ReadFile(filepath.Join(synthDir, rundir.ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	var man struct{ Command []string }
	if err := json.Unmarshal(b, &man); err != nil {
		t.Fatal(err)
	}
	if slices.ContainsFunc(man.Command, func(a string) bool { return strings.Contains(a, "[") }) {
		t.Errorf("manifest command %q has a bracketed list value", man.Command)
	}
	cmd, rest, err := NewRoot().Find(man.Command[1:])
	if err != nil || cmd.Name() != "synthesize" {
		t.Fatalf("Find(%q) = %v, %v", man.Command, cmd, err)
	}
	if err := cmd.ParseFlags(rest); err != nil {
		t.Fatalf("manifest command %q does not parse: %v", man.Command, err)
	}
	clean := *u
	clean.User = nil
	for flag, want := range map[string]string{"base-url": "[" + clean.String() + "]", "task": "[gsm8k]", "limit": "2", "method": "cot", "out": synthDir, "api-key": ""} {
		if got := cmd.Flags().Lookup(flag).Value.String(); got != want {
			t.Errorf("pasted-back --%s = %q, want %q", flag, got, want)
		}
	}
	if res, err := os.ReadFile(filepath.Join(evalDir, "results.json")); err != nil || !bytes.Contains(res, []byte(`"command_line": "regenesis eval --base-url=`+clean.String())) {
		t.Errorf("results.json lacks the pasteable command line (%v):\n%s", err, res)
	}
}

// TestTrainOpenAIErrorBodyRedacted: a fine-tuning server whose error body
// repeats the API key (as some do) must not get it printed, on any retry.
func TestTrainOpenAIErrorBodyRedacted(t *testing.T) {
	const key = "sk-proj-REPEATED-abcdef0123456789"
	calls := 0
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintf(w, `{"error":{"message":"upstream rejected header Authorization: %s (key %s)","type":"server_error"}}`, r.Header.Get("Authorization"), key)
	}))
	defer ts.Close()
	t.Setenv("OPENAI_API_KEY", "")
	var stdout, stderr bytes.Buffer
	code := Main([]string{"train", "--engine", "openai", "--data", writeTrainSFT(t), "--base-model", "gpt-x", "--out", t.TempDir(),
		"--base-url", ts.URL + "/v1", "--api-key", key, "--poll", "1ms"}, &stdout, &stderr)
	if code == 0 {
		t.Fatal("train against a failing server succeeded")
	}
	if calls < 2 {
		t.Errorf("%d calls; want the upload retried", calls)
	}
	all := stdout.String() + stderr.String()
	if strings.Contains(all, key) || strings.Contains(all, "REPEATED") {
		t.Errorf("the key was printed:\n%s", all)
	}
	if !strings.Contains(all, "500") || !strings.Contains(all, "retrying") {
		t.Errorf("the cause is not shown:\n%s", all)
	}
}
