package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/regenesis-ai/regenesis/internal/task"
)

// TestSimulateServer starts the command on a free port, sends it a greedy
// request for a GSM8K test question, and stops it with the context, as
// Ctrl-C does.
func TestSimulateServer(t *testing.T) {
	t.Setenv("HF_HUB_OFFLINE", "1")
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	root := NewRoot()
	root.SetArgs([]string{"simulate-server", "--data-dir", sharedDataDir(t),
		"--task", "gsm8k", "--split", "test", "--addr", "127.0.0.1:0", "--accuracy", "1"})
	root.SetOut(pw)
	root.SetErr(pw)
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx); pw.Close() }()

	lines := bufio.NewScanner(pr)
	var header []string
	baseURL := ""
	for baseURL == "" && lines.Scan() {
		header = append(header, lines.Text())
		if rest, ok := strings.CutPrefix(lines.Text(), "use --base-url "); ok {
			baseURL, _, _ = strings.Cut(rest, " ")
		}
	}
	if baseURL == "" {
		t.Fatalf("no base URL printed; output: %q, error: %v", header, <-done)
	}
	if !strings.Contains(header[0], "TEST DOUBLE") || !strings.Contains(header[0], "1319 questions (gsm8k/test)") {
		t.Errorf("first line %q: want the TEST DOUBLE notice and the key size", header[0])
	}

	body := `{"model":"m","temperature":0,"messages":[{"role":"user","content":"Solve step by step.\n\nJanet\u2019s ducks lay 16 eggs per day. She eats three for breakfast every morning and bakes muffins for her friends every day with four. She sells the remainder at the farmers' market daily for $2 per fresh duck egg. How much in dollars does she make every day at the farmers' market?"}]}`
	resp, err := http.Post(baseURL+"/chat/completions", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Choices []struct {
			Message struct{ Content string }
		}
	}
	err = json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	if err != nil || len(out.Choices) != 1 || !strings.Contains(out.Choices[0].Message.Content, "18") {
		t.Fatalf("reply %+v, %v: want the gold answer 18 at accuracy 1", out, err)
	}

	cancel()
	var rest strings.Builder
	for lines.Scan() {
		rest.WriteString(lines.Text() + "\n")
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("command returned %v after Ctrl-C, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("command did not stop")
	}
	if !strings.Contains(rest.String(), "stopped after 1 requests (1 answered") || !strings.Contains(rest.String(), "stage solve") {
		t.Errorf("closing summary %q", rest.String())
	}
}

func TestSimulateServerFlagErrors(t *testing.T) {
	t.Setenv("HF_HUB_OFFLINE", "1")
	data := sharedDataDir(t)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--data-dir", data}, "at least one --task"},
		{[]string{"--data-dir", data, "--task", "gsm8k", "--accuracy", "1.5"}, "Accuracy = 1.5"},
		{[]string{"--data-dir", data, "--task", "gsm8k", "--n-mode", "maybe"}, "--n-mode"},
		{[]string{"--data-dir", data, "--task", "nope"}, `unknown task "nope"`},
		{[]string{"--data-dir", data, "--task", "gsm8k", "--split", "dev"}, "no such split"},
		{[]string{"--data-dir", data, "--task", "gsm8k", "--fault-drop", "0.7", "--fault-server-error", "0.7"}, "sum to"},
		{[]string{"--data-dir", data, "--task", "gsm8k", "--ft-duration", "0s"}, "--ft-duration"},
		{[]string{"--data-dir", data, "--task", "gsm8k", "--ft-min-examples", "0"}, "--ft-min-examples"},
		{[]string{"--data-dir", data, "--task", "gsm8k", "--ft-uplift", "2"}, "FineTune.Uplift"},
	}
	for _, tt := range tests {
		var stdout, stderr strings.Builder
		code := Main(append([]string{"simulate-server"}, tt.args...), &stdout, &stderr)
		if code != 1 || !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("args %q: exit %d, stderr %q; want exit 1 mentioning %q", tt.args, code, stderr.String(), tt.want)
		}
	}
}

// TestDefaultKeySplits checks that without --split the answer key takes the
// train and test splits that are on disk, and never one that would have to
// be downloaded (AQuA's train split is only on the Hub).
func TestDefaultKeySplits(t *testing.T) {
	reg := task.NewRegistry("../../../shared/data")
	tests := []struct {
		task string
		want []string
	}{
		{"gsm8k", []string{"train", "test"}},
		{"aqua", []string{"test"}},
		{"svamp", []string{"test"}},
		{"reclor", []string{"val"}},
	}
	for _, tt := range tests {
		tk, err := reg.Get(tt.task)
		if err != nil {
			t.Fatal(err)
		}
		if got := defaultKeySplits(tk.Info()); !slices.Equal(got, tt.want) {
			t.Errorf("%s: default splits %v, want %v", tt.task, got, tt.want)
		}
	}
}
