package train

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestVersionLess(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"2.4.0+cu121", "2.1", false},
		{"2.0.1", "2.1", true},
		{"4.41.0", "4.41", false},
		{"0.9.1rc1", "0.9.0", false},
		{"0.19.1", "0.20", true},
		{"0.20.0.dev0", "0.20", false},
		{"3.8.10", "3.9", true},
		{"10.0", "9.9", false},
	}
	for _, tt := range tests {
		if got := versionLess(tt.a, tt.b); got != tt.want {
			t.Errorf("versionLess(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestRequirements(t *testing.T) {
	dists := func(rs []Requirement) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.Dist)
		}
		return out
	}
	tests := []struct {
		engine string
		lora   bool
		want   []string
	}{
		{EngineHF, false, []string{"torch", "transformers", "accelerate"}},
		{EngineHF, true, []string{"torch", "transformers", "accelerate", "peft"}},
		{EngineTRL, false, []string{"torch", "transformers", "accelerate", "trl"}},
		{EngineLlamaFactory, true, []string{"torch", "transformers", "llamafactory", "peft"}},
		{EngineAxolotl, false, []string{"torch", "transformers", "accelerate", "axolotl"}},
		{EngineOpenAI, false, nil},
	}
	for _, tt := range tests {
		if got := dists(Requirements(tt.engine, tt.lora)); !slices.Equal(got, tt.want) {
			t.Errorf("Requirements(%s, lora=%v) = %v, want %v", tt.engine, tt.lora, got, tt.want)
		}
	}
}

// fakeBin writes executables standing in for python3 and the engines'
// commands into a directory put first on PATH. The fake python answers
// --versions with $FAKE_VERSIONS and --check with $FAKE_CHECK; the engine
// commands record their arguments in $FAKE_LOG.
func fakeBin(t *testing.T) (dir, log string) {
	t.Helper()
	dir = t.TempDir()
	log = filepath.Join(dir, "calls.log")
	python := `#!/bin/sh
case "$2" in
--versions) echo "$*" >> "$FAKE_LOG.versions"; echo "$FAKE_VERSIONS" ;;
--check-config) echo "$*" >> "$FAKE_LOG.config"; [ -z "$FAKE_CONFIG" ] && exit 0; echo "error: $FAKE_CONFIG" >&2; exit 2 ;;
--check) echo "$*" >> "$FAKE_LOG"; [ -z "$FAKE_CHECK" ] && exit 0; echo "error: $FAKE_CHECK" >&2; exit ${FAKE_CHECK_CODE:-2} ;;
esac
`
	tool := "#!/bin/sh\necho \"$(basename \"$0\") $*\" >> \"$FAKE_LOG\"\necho trained\n"
	for name, body := range map[string]string{"python3": python, "accelerate": tool, "trl": tool, "llamafactory-cli": tool, "axolotl": tool} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("FAKE_LOG", log)
	t.Setenv("FAKE_CHECK", "")
	t.Setenv("FAKE_CHECK_CODE", "")
	t.Setenv("FAKE_CONFIG", "")
	return dir, log
}

const allInstalled = `{"python":"3.11.7","packages":{"torch":"2.4.0+cu121","transformers":"4.46.0","accelerate":"1.0.1","peft":"0.13.2","trl":"0.24.0","llamafactory":"0.9.3","axolotl":"0.9.0"}}`

func TestRunPreflight(t *testing.T) {
	tests := []struct {
		name     string
		engine   string
		lora     bool
		versions string
		check    string
		wantErr  string
	}{
		{"hf ready", EngineHF, false, allInstalled, "", ""},
		{"trl ready", EngineTRL, true, allInstalled, "", ""},
		{"old python", EngineHF, false, `{"python":"3.8.10","packages":{"torch":"2.4.0","transformers":"4.46.0","accelerate":"1.0.1"}}`, "", "is Python 3.8.10; the training script needs 3.9 or later"},
		{"missing and old", EngineHF, true, `{"python":"3.11.7","packages":{"torch":null,"transformers":"4.30.0","accelerate":"1.0.1","peft":null}}`, "",
			"torch is not installed (need >= 2.1); transformers 4.30.0 is too old (need >= 4.41); peft is not installed (need >= 0.11); install with: python3 -m pip install 'torch>=2.1' 'transformers>=4.41' 'peft>=0.11'"},
		{"old trl", EngineTRL, false, `{"python":"3.11.7","packages":{"torch":"2.4.0","transformers":"4.46.0","accelerate":"1.0.1","trl":"0.17.1"}}`, "", "trl 0.17.1 is too old (need >= 0.18)"},
		{"template", EngineHF, false, allInstalled, "the tokenizer of m has no chat template; pass --tokenizer with one that has",
			"preflight check of "},
		{"unknown config key", EngineTRL, false, allInstalled, "", ""},
		{"too long", EngineAxolotl, false, allInstalled, "3 of 10 examples are longer than --max-length 4096 tokens", "3 of 10 examples are longer than --max-length 4096 tokens"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, log := fakeBin(t)
			t.Setenv("FAKE_VERSIONS", tt.versions)
			t.Setenv("FAKE_CHECK", tt.check)
			if tt.name == "unknown config key" {
				const msg = "trl_sft.yaml: keys the installed trl 0.24.0 does not know: foo (trl sft would hand them to accelerate launch, which aborts)"
				t.Setenv("FAKE_CONFIG", msg)
				tt.wantErr = msg
			}
			h := DefaultHyper()
			h.LoRA = tt.lora
			out := t.TempDir()
			var stdout strings.Builder
			res, err := Run(context.Background(), Options{Engine: tt.engine, Data: "testdata/synth", BaseModel: "m", Output: out, Hyper: h, Run: true, Stdout: &stdout})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
				}
				if tt.check != "" && !strings.Contains(err.Error(), tt.check) {
					t.Errorf("error = %v, want the script's message %q", err, tt.check)
				}
				if b, _ := os.ReadFile(log); strings.Contains(string(b), " train") || strings.Contains(string(b), "launch") || strings.Contains(string(b), " sft") {
					t.Errorf("the engine ran although a check failed:\n%s", b)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != "succeeded" || res.Model != out {
				t.Errorf("result = %+v", res)
			}
			calls, _ := os.ReadFile(log)
			lines := strings.Split(strings.TrimSpace(string(calls)), "\n")
			if len(lines) != 2 || !strings.Contains(lines[0], "--check --data "+filepath.Join(mustAbs(t, "testdata/synth"), "sft.jsonl")+" --model m --max-length 4096") {
				t.Fatalf("calls:\n%s", calls)
			}
			if got, want := lines[1], filepath.Base(res.Command[0])+" "+strings.Join(res.Command[1:], " "); got != want {
				t.Errorf("engine ran as %q, want %q", got, want)
			}
			if !strings.Contains(stdout.String(), "trained") {
				t.Errorf("engine output not forwarded: %q", stdout.String())
			}
			rec, err := ReadResult(out)
			if err != nil || rec.Status != "succeeded" || rec.Data.Examples != 2 {
				t.Errorf("ReadResult = %+v, %v", rec, err)
			}
			if probes, _ := os.ReadFile(log + ".versions"); strings.Count(string(probes), "\n") != 1 {
				t.Errorf("versions probed %d times, want once", strings.Count(string(probes), "\n"))
			}
		})
	}
}

// TestRunFollowsVersions: the configs are written for the versions the
// probe found, and a key the installed trainer rejects stops the run
// before the engine starts, naming the key and the version.
func TestRunFollowsVersions(t *testing.T) {
	const current = `{"python":"3.12.3","packages":{"torch":"2.9.0","transformers":"5.15.0","accelerate":"1.14.0","trl":"1.9.0"}}`
	const old = `{"python":"3.10.12","packages":{"torch":"2.3.1","transformers":"4.46.3","accelerate":"0.34.2","trl":"0.18.2"}}`
	tests := []struct {
		name, versions string
		extra          []string
		want           []string // lines of trl_sft.yaml
		wantErr        string
	}{
		{"current", current, nil, []string{"warmup_steps: 0.03", "dtype: float32"}, ""},
		{"old", old, nil, []string{"warmup_ratio: 0.03", "torch_dtype: float32"}, ""},
		{"removed key on the command line", current, []string{"--warmup_ratio=0.1"}, nil,
			"--extra-arg --warmup_ratio=0.1: key warmup_ratio is not accepted by the installed transformers 5.15.0 (only by transformers before 5.15)"},
		{"ratio for old transformers", old, []string{"--warmup_steps=0.1"}, nil,
			"warmup_steps 0.1 is a ratio, which the installed transformers 4.46.3 reads as a step count"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, log := fakeBin(t)
			t.Setenv("FAKE_VERSIONS", tt.versions)
			out := t.TempDir()
			res, err := Run(context.Background(), Options{Engine: EngineTRL, Data: "testdata/synth", BaseModel: "m", Output: out,
				Hyper: DefaultHyper(), Run: true, ExtraArgs: tt.extra})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				if b, _ := os.ReadFile(log); strings.Contains(string(b), " sft") {
					t.Errorf("trl ran although a key is rejected:\n%s", b)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			b, _ := os.ReadFile(filepath.Join(res.Files[len(res.Files)-1]))
			for _, w := range tt.want {
				if !strings.Contains(string(b), "\n"+w+"\n") {
					t.Errorf("config lacks %q:\n%s", w, b)
				}
			}
		})
	}
}

func TestCheckKeys(t *testing.T) {
	tests := []struct {
		engine, config string
		v              Versions
		wantErr        string
	}{
		{EngineTRL, "torch_dtype: float32\n", Versions{"trl": "1.9.0"}, "key torch_dtype is not accepted by the installed trl 1.9.0 (only by trl before 0.27); use dtype"},
		{EngineTRL, "dtype: float32\n", Versions{"trl": "0.20.0"}, "key dtype is not accepted by the installed trl 0.20.0 (only by trl 0.24 or later)"},
		{EngineTRL, "max_seq_length: 10\n", Versions{"trl": "0.24.0"}, "key max_seq_length"},
		{EngineTRL, "completion_only_loss: true\n", Versions{"trl": "0.16.1"}, "key completion_only_loss"},
		{EngineLlamaFactory, "warmup_ratio: 0.03\n", Versions{"transformers": "5.16.0"}, "key warmup_ratio is not accepted by the installed transformers 5.16.0"},
		{EngineLlamaFactory, "warmup_steps: 0.03\n", Versions{"transformers": "4.51.0"}, "is a ratio"},
		{EngineLlamaFactory, "warmup_steps: 3\n", Versions{"transformers": "4.51.0"}, ""},
		{EngineTRL, "warmup_ratio: 0.03\ntorch_dtype: float32\n", Versions{"transformers": "4.46.0", "trl": "0.18.0"}, ""},
		{EngineTRL, "torch_dtype: float32\n", nil, ""}, // unknown versions: nothing to hold against it
		{EngineAxolotl, "warmup_ratio: 0.03\n", Versions{"transformers": "5.16.0"}, ""},
	}
	for _, tt := range tests {
		p := filepath.Join(t.TempDir(), "c.yaml")
		os.WriteFile(p, []byte(tt.config), 0o644)
		err := checkKeys(tt.engine, p, nil, tt.v)
		if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), p)) {
			t.Errorf("%s %q %v: error %v, want %q", tt.engine, tt.config, tt.v, err, tt.wantErr)
		}
	}
}

// TestRunLlamaFactoryNoTemplate: a tokenizer without a chat template and
// no --template would make LLaMA-Factory fall back to its empty template;
// the preflight refuses it and says so.
func TestRunLlamaFactoryNoTemplate(t *testing.T) {
	_, log := fakeBin(t)
	t.Setenv("FAKE_VERSIONS", allInstalled)
	t.Setenv("FAKE_CHECK", "the tokenizer of m has no chat template; pass --tokenizer with one that has")
	t.Setenv("FAKE_CHECK_CODE", "3")
	_, err := Run(context.Background(), Options{Engine: EngineLlamaFactory, Data: "testdata/synth", BaseModel: "m", Output: t.TempDir(), Hyper: DefaultHyper(), Run: true})
	if err == nil || !strings.Contains(err.Error(), "silently fall back to its `empty` template") || !strings.Contains(err.Error(), "--template NAME") {
		t.Fatalf("error = %v", err)
	}
	if b, _ := os.ReadFile(log); strings.Contains(string(b), "llamafactory-cli") {
		t.Errorf("llamafactory ran:\n%s", b)
	}
	// With --template the tokenizer may lack one: the check is told so.
	t.Setenv("FAKE_CHECK", "")
	if _, err := Run(context.Background(), Options{Engine: EngineLlamaFactory, Template: "qwen", Data: "testdata/synth", BaseModel: "m", Output: t.TempDir(), Hyper: DefaultHyper(), Run: true}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(log); !strings.Contains(string(b), "--allow-no-chat-template") {
		t.Errorf("check not told that LLaMA-Factory's template is used:\n%s", b)
	}
}

func TestRunModes(t *testing.T) {
	tests := []struct {
		name       string
		opts       Options
		wantStatus string
		wantCalls  int
	}{
		{"hf dry run", Options{Engine: EngineHF, DryRun: true}, "planned", 0},
		{"trl without --run", Options{Engine: EngineTRL}, "planned", 0},
		{"check only", Options{Engine: EngineLlamaFactory, CheckOnly: true}, "checked", 1},
		{"skip checks", Options{Engine: EngineHF, SkipChecks: true}, "succeeded", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, log := fakeBin(t)
			t.Setenv("FAKE_VERSIONS", allInstalled)
			o := tt.opts
			o.Data, o.BaseModel, o.Output, o.Hyper = "testdata/synth", "m", t.TempDir(), DefaultHyper()
			var stdout strings.Builder
			o.Stdout = &stdout
			res, err := Run(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != tt.wantStatus {
				t.Errorf("status = %q, want %q", res.Status, tt.wantStatus)
			}
			calls, _ := os.ReadFile(log)
			if n := strings.Count(string(calls), "\n"); n != tt.wantCalls {
				t.Errorf("%d calls, want %d:\n%s", n, tt.wantCalls, calls)
			}
			if first, _, _ := strings.Cut(stdout.String(), "\n"); first != ShellQuote(res.Command) {
				t.Errorf("printed %q, want the command %q", first, ShellQuote(res.Command))
			}
		})
	}
}

func TestRunMissingTool(t *testing.T) {
	dir, _ := fakeBin(t)
	t.Setenv("FAKE_VERSIONS", allInstalled)
	if err := os.Remove(filepath.Join(dir, "axolotl")); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	_, err := Run(context.Background(), Options{Engine: EngineAxolotl, Data: "testdata/synth", BaseModel: "m", Output: t.TempDir(), Hyper: DefaultHyper(), Run: true})
	if err == nil || !strings.Contains(err.Error(), `the axolotl engine runs "axolotl", which is not on PATH`) {
		t.Errorf("error = %v", err)
	}
}

func TestRunNoPython(t *testing.T) {
	_, err := Run(context.Background(), Options{Engine: EngineHF, Data: "testdata/synth", BaseModel: "m", Output: t.TempDir(), Hyper: DefaultHyper(), Python: "/nonexistent/python3"})
	if err == nil || !strings.Contains(err.Error(), `python interpreter "/nonexistent/python3" not found`) {
		t.Errorf("error = %v", err)
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
