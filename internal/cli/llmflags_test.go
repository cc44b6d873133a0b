package cli

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/regenesis-ai/regenesis/internal/llm"
)

const testAPIKey = "sk-llmflags-SECRET-42"

// newLLMFlagsCmd returns a command with the LLM flags whose RunE runs fn
// with the open session.
func newLLMFlagsCmd(t *testing.T, storePath string, fn func(*llmSession) error) (*cobra.Command, *bytes.Buffer) {
	t.Helper()
	cmd := &cobra.Command{Use: "x", SilenceUsage: true, SilenceErrors: true}
	f := addLLMFlags(cmd)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		s, err := f.open(cmd.Context(), storePath)
		if err != nil {
			return err
		}
		defer s.Close()
		return fn(s)
	}
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	return cmd, &out
}

func TestLLMFlagsHelpHidesKey(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", testAPIKey)
	cmd, out := newLLMFlagsCmd(t, "", nil)
	cmd.SetArgs([]string{"--help"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	help := out.String()
	if strings.Contains(help, testAPIKey) {
		t.Errorf("help shows the API key:\n%s", help)
	}
	for _, flag := range []string{"--base-url", "--api-key", "--model", "--server-concurrency", "--request-timeout", "--max-retries", "--store"} {
		if !strings.Contains(help, flag) {
			t.Errorf("help lacks %s", flag)
		}
	}
}

func TestLLMFlagsErrors(t *testing.T) {
	fleet := filepath.Join(t.TempDir(), "endpoints.txt")
	if err := os.WriteFile(fleet, []byte("# replicas\nhttp://a:8000/v1\nlocalhost:8001\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		env  string
		want string
	}{
		{"no base URL", []string{"--model", "m"}, "", "set --base-url or OPENAI_BASE_URL"},
		{"no model", []string{"--base-url", "http://127.0.0.1:1"}, "", "set --model"},
		{"bad base URL", []string{"--model", "m", "--base-url", "localhost:8000"}, "", "--base-url: llm: base URL"},
		{"bad env base URL", []string{"--model", "m"}, "ftp://x", "scheme must be http or https"},
		{"bad concurrency", []string{"--model", "m", "--base-url", "http://h", "--server-concurrency", "0"}, "", "--server-concurrency 0"},
		{"bad retries", []string{"--model", "m", "--base-url", "http://h", "--max-retries", "-2"}, "", "--max-retries -2"},
		{"endpoints and base URL", []string{"--model", "m", "--base-url", "http://h", "--endpoints", fleet}, "", "--endpoints and --base-url exclude each other"},
		{"bad endpoints line", []string{"--model", "m", "--endpoints", fleet}, "", fleet + " line 3: llm: base URL \"localhost:8001\""},
		{"missing endpoints file", []string{"--model", "m", "--endpoints", fleet + ".none"}, "", "--endpoints: llm: endpoints file: open " + fleet + ".none"},
		{"bad endpoints poll", []string{"--model", "m", "--base-url", "http://h", "--endpoints-poll", "0s"}, "", "--endpoints-poll 0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("OPENAI_BASE_URL", tt.env)
			cmd, _ := newLLMFlagsCmd(t, filepath.Join(t.TempDir(), "store.db"), func(*llmSession) error { return nil })
			cmd.SetArgs(tt.args)
			err := cmd.ExecuteContext(context.Background())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestLLMFlagsSession(t *testing.T) {
	var auth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		auth = r.Header.Get("Authorization")
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"choices":[{"index":0,"message":{"role":"assistant","content":"42"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1}}`)
	}))
	defer srv.Close()
	t.Setenv("OPENAI_BASE_URL", srv.URL+"/v1")
	t.Setenv("OPENAI_API_KEY", testAPIKey)
	dir := t.TempDir()
	storePath := filepath.Join(dir, "out", "store.db")
	req := llm.Request{Model: "m", Messages: []llm.Message{{Role: "user", Content: "6*7?"}}, MaxTokens: 8}
	for run := range 2 {
		cmd, _ := newLLMFlagsCmd(t, storePath, func(s *llmSession) error {
			resp, err := s.Completer.Complete(context.Background(), req)
			if err != nil {
				return err
			}
			if resp.Choices[0].Text != "42" || resp.Cached != (run == 1) {
				t.Errorf("run %d: response %+v", run, resp)
			}
			p := s.Progress()
			if wantRequests := int64(1 - run); p.Requests != wantRequests || p.Cached != int64(run) {
				t.Errorf("run %d: progress %+v", run, p)
			}
			return nil
		})
		cmd.SetArgs([]string{"--model", "m"})
		if err := cmd.ExecuteContext(context.Background()); err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
	}
	if auth != "Bearer "+testAPIKey {
		t.Errorf("server got Authorization %q", auth)
	}
	// Nothing in the run directory holds the key.
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte(testAPIKey)) {
			t.Errorf("%s contains the API key", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
