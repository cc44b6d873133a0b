package train

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// python3 returns the interpreter, skipping only when there is none and the
// test does not run in CI.
func python3(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("python3 is required in CI: %v", err)
		}
		t.Skip("python3 not found")
	}
	return p
}

func TestScriptCompiles(t *testing.T) {
	py := python3(t)
	dir := t.TempDir()
	script, err := WriteScript(dir)
	if err != nil {
		t.Fatal(err)
	}
	code := "import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)"
	out, err := exec.Command(py, "-c", code, script, filepath.Join(dir, "hf_train.pyc")).CombinedOutput()
	if err != nil {
		t.Fatalf("py_compile: %v\n%s", err, out)
	}
}

// TestScriptSelftest runs the script's standard-library-only test of its
// data reading, assistant-only masking and padding.
func TestScriptSelftest(t *testing.T) {
	py := python3(t)
	script, err := WriteScript(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, "-B", script, "--selftest")
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Equal(bytes.TrimSpace(out), []byte("selftest ok")) {
		t.Fatalf("selftest: %v\n%s", err, out)
	}
}

func TestScriptVersions(t *testing.T) {
	py := python3(t)
	script, err := WriteScript(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(py, "-B", script, "--versions", "pip", "no-such-dist-regenesis").Output()
	if err != nil {
		t.Fatal(err)
	}
	var p probe
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if p.Python == "" || p.Packages["no-such-dist-regenesis"] != nil {
		t.Errorf("probe = %s", out)
	}
	if _, ok := p.Packages["pip"]; !ok {
		t.Errorf("probe lacks pip: %s", out)
	}
}

func TestScriptIsEmbedded(t *testing.T) {
	disk, err := os.ReadFile(ScriptName)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(disk, Script()) {
		t.Error("embedded script differs from the file")
	}
}

// TestScriptTrainOrder runs the script's training path against stand-ins
// for torch, transformers and peft (testdata/fakepy) that log every call:
// TrainingArguments come before the model (ZeRO-3 sharded loading), the
// dtype and warmup keywords follow the installed transformers, and --lora
// refuses a peft older than 0.11.
func TestScriptTrainOrder(t *testing.T) {
	py := python3(t)
	tests := []struct {
		name     string
		versions map[string]string
		lora     bool
		dtypeKey string
		warmup   string
		wantErr  string
	}{
		{"transformers 5", map[string]string{"transformers": "5.15.0"}, false, "dtype", "warmup_steps", ""},
		{"transformers 4.57", map[string]string{"transformers": "4.57.1"}, false, "dtype", "warmup_ratio", ""},
		{"transformers 4.46", map[string]string{"transformers": "4.46.3", "peft": "0.11.1"}, true, "torch_dtype", "warmup_ratio", ""},
		{"old peft", map[string]string{"transformers": "5.15.0", "peft": "0.10.0"}, true, "", "", "--lora needs peft 0.11 or later"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			lib := filepath.Join(dir, "lib")
			if err := os.CopyFS(lib, os.DirFS("testdata/fakepy")); err != nil {
				t.Fatal(err)
			}
			for dist, v := range tt.versions {
				di := filepath.Join(lib, dist+"-"+v+".dist-info")
				os.MkdirAll(di, 0o755)
				os.WriteFile(filepath.Join(di, "METADATA"), []byte("Metadata-Version: 2.1\nName: "+dist+"\nVersion: "+v+"\n"), 0o644)
			}
			script, err := WriteScript(dir)
			if err != nil {
				t.Fatal(err)
			}
			data := filepath.Join(dir, "train.jsonl")
			os.WriteFile(data, []byte(`{"messages":[{"role":"user","content":"2+3?"},{"role":"assistant","content":"5"}]}`+"\n"), 0o644)
			calls := filepath.Join(dir, "calls.jsonl")
			args := []string{"-B", script, "--data", data, "--model", "m", "--output", filepath.Join(dir, "out"), "--max-length", "100"}
			if tt.lora {
				args = append(args, "--lora")
			}
			cmd := exec.Command(py, args...)
			cmd.Env = append(os.Environ(), "PYTHONPATH="+lib, "FAKE_CALLS="+calls)
			out, err := cmd.CombinedOutput()
			if tt.wantErr != "" {
				if err == nil || !bytes.Contains(out, []byte(tt.wantErr)) {
					t.Fatalf("err %v, output %s; want %q", err, out, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			b, _ := os.ReadFile(calls)
			var events []map[string]any
			for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
				var e map[string]any
				if err := json.Unmarshal(line, &e); err != nil {
					t.Fatal(err)
				}
				events = append(events, e)
			}
			order := map[string]int{}
			for i, e := range events {
				if _, seen := order[e["event"].(string)]; !seen {
					order[e["event"].(string)] = i
				}
			}
			if !(order["TrainingArguments"] < order["from_pretrained"] && order["from_pretrained"] < order["Trainer"] && order["train"] < order["save_model"]) {
				t.Errorf("call order %v", order)
			}
			ta, fp := events[order["TrainingArguments"]], events[order["from_pretrained"]]
			if _, ok := ta[tt.warmup]; !ok || ta[tt.warmup] != 0.03 {
				t.Errorf("TrainingArguments %v: want %s=0.03", ta, tt.warmup)
			}
			other := map[string]string{"warmup_steps": "warmup_ratio", "warmup_ratio": "warmup_steps"}[tt.warmup]
			if _, ok := ta[other]; ok {
				t.Errorf("TrainingArguments has both warmup keys: %v", ta)
			}
			want := "float32"
			if tt.lora {
				want = "bfloat16"
			}
			if fp[tt.dtypeKey] != want {
				t.Errorf("from_pretrained %v: want %s=%s", fp, tt.dtypeKey, want)
			}
			if tr := events[order["Trainer"]]; tr["use_cache"] != false {
				t.Errorf("use_cache left on: %v", tr)
			}
		})
	}
}

// TestScriptCheckConfig runs --check-config against stand-ins for TRL's
// and LLaMA-Factory's parsers (testdata/fakepy): a key the parser does not
// know fails with exit status 2, naming it and the installed version.
func TestScriptCheckConfig(t *testing.T) {
	py := python3(t)
	if exec.Command(py, "-c", "import yaml").Run() != nil {
		t.Skip("PyYAML not installed")
	}
	tests := []struct {
		engine, config string
		wantErr        string
	}{
		{"trl", "model_name_or_path: m\nwarmup_steps: 0.03\ndtype: float32\nenv: {A: b}\n", ""},
		{"trl", "model_name_or_path: m\nwarmup_ratio: 0.03\ntorch_dtype: float32\n", "keys the installed trl 1.9.0 does not know: torch_dtype, warmup_ratio (trl sft would hand them to accelerate launch, which aborts)"},
		{"llamafactory", "model_name_or_path: m\nwarmup_ratio: 0.03\n", ""},
		{"llamafactory", "model_name_or_path: m\ncutoff: 5\n", "keys the installed llamafactory ? does not know: cutoff"},
	}
	for _, tt := range tests {
		dir := t.TempDir()
		lib := filepath.Join(dir, "lib")
		if err := os.CopyFS(lib, os.DirFS("testdata/fakepy")); err != nil {
			t.Fatal(err)
		}
		di := filepath.Join(lib, "trl-1.9.0.dist-info")
		os.MkdirAll(di, 0o755)
		os.WriteFile(filepath.Join(di, "METADATA"), []byte("Metadata-Version: 2.1\nName: trl\nVersion: 1.9.0\n"), 0o644)
		script, err := WriteScript(dir)
		if err != nil {
			t.Fatal(err)
		}
		cfg := filepath.Join(dir, "c.yaml")
		os.WriteFile(cfg, []byte(tt.config), 0o644)
		cmd := exec.Command(py, "-B", script, "--check-config", tt.engine, cfg)
		cmd.Env = append(os.Environ(), "PYTHONPATH="+lib)
		out, err := cmd.CombinedOutput()
		if tt.wantErr == "" {
			if err != nil {
				t.Errorf("%s %q: %v\n%s", tt.engine, tt.config, err, out)
			}
			continue
		}
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 2 || !bytes.Contains(out, []byte(tt.wantErr)) {
			t.Errorf("%s %q: %v\n%s\nwant exit 2 and %q", tt.engine, tt.config, err, out, tt.wantErr)
		}
	}
}
