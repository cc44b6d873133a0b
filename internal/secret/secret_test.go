package secret

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"
)

func TestRedactorString(t *testing.T) {
	t.Parallel()
	r := NewRedactor("key-from-env-1234", "", "ab")
	tests := []struct{ name, in, want string }{
		{"userinfo", "POST http://user:pa55@127.0.0.1:8000/v1/chat/completions: refused", "POST http://127.0.0.1:8000/v1/chat/completions: refused"},
		{"user only", "https://tok3n@api.example.com/v1", "https://api.example.com/v1"},
		{"query token", "https://h/v1?api_key=abc123&model=x", "https://h/v1?api_key=REDACTED&model=x"},
		{"query several", "u?token=t1;sig=s2&x=1&access_token=t3", "u?token=REDACTED;sig=REDACTED&x=1&access_token=REDACTED"},
		{"bearer", `401: {"error":"bad header Authorization: Bearer sk-live-abcdef"}`, `401: {"error":"bad header Authorization: REDACTED"}`},
		{"bare bearer", "sent bearer abcdef123 to h", "sent bearer REDACTED to h"},
		{"json field", `{"api_key": "k\"ey", "model": "m"}`, `{"api_key": "REDACTED", "model": "m"}`},
		{"openai shape", "Incorrect API key provided: sk-proj-ABCDEFGHIJKLMNOPQRST.", "Incorrect API key provided: REDACTED."},
		{"hf shape", "token hf_abcdefghijklmnopqrstu rejected", "token REDACTED rejected"},
		{"known value", "the server said key-from-env-1234 is invalid", "the server said REDACTED is invalid"},
		{"short values ignored", "abc ab", "abc ab"},
		{"nothing", "connection refused", "connection refused"},
		{"ordinary words", "basic arithmetic; the token count; disk-space-for-the-whole-run", "basic arithmetic; the token count; disk-space-for-the-whole-run"},
		{"basic auth header", "Authorization: Basic dXNlcjpwYXNz", "Authorization: REDACTED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := r.String(tt.in); got != tt.want {
				t.Errorf("String(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestRedactorErrorAndWriter(t *testing.T) {
	t.Parallel()
	r := NewRedactor()
	r.Add("s3cr3t-value")
	base := fmt.Errorf("request: %w (body: s3cr3t-value)", fs.ErrPermission)
	err := r.Error(base)
	if strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("Error kept the secret: %v", err)
	}
	if !errors.Is(err, fs.ErrPermission) {
		t.Error("Error lost the chain")
	}
	if r.Error(nil) != nil {
		t.Error("Error(nil) != nil")
	}
	var buf bytes.Buffer
	w := r.Writer(&buf)
	n, werr := fmt.Fprintf(w, "retrying: got s3cr3t-value from http://u:p@h/v1\n")
	if werr != nil || n != len("retrying: got s3cr3t-value from http://u:p@h/v1\n") {
		t.Errorf("Write: %d, %v", n, werr)
	}
	if got := buf.String(); got != "retrying: got REDACTED from http://h/v1\n" {
		t.Errorf("writer wrote %q", got)
	}
	if Underlying(w) != &buf {
		t.Error("Underlying did not unwrap")
	}
}

func TestEnv(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		EnvBaseURL: "http://u:envpass@a:8000/v1, http://b:8000/v1?token=qtok",
		EnvAPIKey:  " sk-env ",
		EnvDataDir: "/data",
		EnvHFToken: "hf_tok",
	}
	e := ReadEnv(func(k string) string { return env[k] })
	if len(e.BaseURLs) != 2 || e.APIKey != "sk-env" || e.DataDir != "/data" || e.HF.Token != "hf_tok" {
		t.Fatalf("ReadEnv: %+v", e)
	}
	got := strings.Join(e.Secrets(), " ")
	for _, want := range []string{"sk-env", "hf_tok", "envpass", "qtok"} {
		if !strings.Contains(got, want) {
			t.Errorf("Secrets %q lacks %q", got, want)
		}
	}
}

func TestCommandLine(t *testing.T) {
	t.Parallel()
	r := NewRedactor("sk-flag-key")
	argv := CommandLine(r, []string{"regenesis", "eval"}, []Flag{
		{Name: "task", Values: []string{"gsm8k", "svamp"}},
		{Name: "base-url", Values: []string{"http://u:p@a:1/v1", "http://b:2/v1?key=k9"}},
		{Name: "api-key", Values: []string{"sk-flag-key"}},
		{Name: "judge", Values: []string{"true"}, Bool: true},
		{Name: "dedup", Values: []string{"false"}, Bool: true},
		{Name: "prompts", Values: []string{"my prompts"}},
	}, []string{"runs/x"})
	want := []string{"regenesis", "eval", "--base-url=http://a:1/v1", "--base-url=http://b:2/v1?key=REDACTED",
		"--dedup=false", "--judge", "--prompts=my prompts", "--task=gsm8k", "--task=svamp", "runs/x"}
	if strings.Join(argv, "\n") != strings.Join(want, "\n") {
		t.Errorf("CommandLine\n got %q\nwant %q", argv, want)
	}
	if got := ShellJoin(argv); got != `regenesis eval --base-url=http://a:1/v1 '--base-url=http://b:2/v1?key=REDACTED' --dedup=false --judge '--prompts=my prompts' --task=gsm8k --task=svamp runs/x` {
		t.Errorf("ShellJoin: %s", got)
	}
}
