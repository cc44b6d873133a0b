package train

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
)

// Requirement is a Python distribution an engine needs, with the oldest
// version known to work.
type Requirement struct {
	Dist string
	Min  string
}

// exitNoChatTemplate is the script's exit status when the tokenizer has no
// chat template.
const exitNoChatTemplate = 3

// minPython is the oldest Python the script supports.
const minPython = "3.9"

// Requirements lists the Python distributions an engine needs.
func Requirements(engine string, lora bool) []Requirement {
	return requirements(engine, lora, "")
}

// requirements adds what --deepspeed needs to Requirements.
func requirements(engine string, lora bool, shard string) []Requirement {
	var rs []Requirement
	switch engine {
	case EngineHF:
		rs = []Requirement{{"torch", "2.1"}, {"transformers", "4.41"}, {"accelerate", "0.30"}}
	case EngineTRL:
		// TRL 0.17 brought completion_only_loss for prompt-completion data;
		// 0.18 made `trl sft` turn --accelerate_config into accelerate's
		// --config_file (0.17 ignored it).
		rs = []Requirement{{"torch", "2.1"}, {"transformers", "4.41"}, {"accelerate", "0.30"}, {"trl", "0.18"}}
	case EngineLlamaFactory:
		rs = []Requirement{{"torch", "2.1"}, {"transformers", "4.41"}, {"llamafactory", "0.9.0"}}
	case EngineAxolotl:
		// The `axolotl train` command arrived in 0.8.
		rs = []Requirement{{"torch", "2.1"}, {"transformers", "4.41"}, {"accelerate", "0.30"}, {"axolotl", "0.8.0"}}
	default:
		return nil
	}
	if lora {
		// peft 0.11 keeps the adapter in float32 over a bf16 base
		// (autocast_adapter_dtype); older versions train it in bf16.
		rs = append(rs, Requirement{"peft", "0.11"})
	}
	if shard == ShardZero2 || shard == ShardZero3 {
		rs = append(rs, Requirement{"deepspeed", "0.14"})
	}
	return rs
}

// probeDists are the distributions the probe reports, besides the
// requirements: the config writers read their versions.
func probeDists() []string {
	return []string{"torch", "transformers", "accelerate", "peft", "trl", "llamafactory", "axolotl", "deepspeed"}
}

// tool is the executable an engine's command starts.
func tool(engine string) string {
	switch engine {
	case EngineHF:
		return "accelerate"
	case EngineTRL:
		return "trl"
	case EngineLlamaFactory:
		return "llamafactory-cli"
	case EngineAxolotl:
		return "axolotl"
	}
	return ""
}

// probe is what the script's --versions mode prints.
type probe struct {
	Python   string             `json:"python"`
	Packages map[string]*string `json:"packages"`
}

// probeVersions runs the script's --versions probe once and returns the
// installed versions of every distribution the engines use (missing ones
// absent) and the Python version.
func probeVersions(ctx context.Context, python, scriptPath string) (Versions, string, error) {
	if _, err := exec.LookPath(python); err != nil {
		return nil, "", fmt.Errorf("python interpreter %q not found: install Python %s or later, or pass --python: %w", python, minPython, err)
	}
	args := append([]string{scriptPath, "--versions"}, probeDists()...)
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, python, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, "", fmt.Errorf("probing Python packages with %s: %w: %s", python, err, strings.TrimSpace(stderr.String()))
	}
	var p probe
	if err := json.Unmarshal(bytes.TrimSpace(out), &p); err != nil {
		return nil, "", fmt.Errorf("probing Python packages with %s: unreadable answer %q: %w", python, out, err)
	}
	v := Versions{}
	for name, ver := range p.Packages {
		if ver != nil {
			v[name] = *ver
		}
	}
	return v, p.Python, nil
}

// checkRequirements reports every missing or too old distribution in one
// error, with the pip line that fixes them.
func checkRequirements(python, pyVersion string, v Versions, reqs []Requirement) error {
	if versionLess(pyVersion, minPython) {
		return fmt.Errorf("%s is Python %s; the training script needs %s or later", python, pyVersion, minPython)
	}
	var problems, install []string
	for _, r := range reqs {
		got, ok := v.version(r.Dist)
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("%s is not installed (need >= %s)", r.Dist, r.Min))
		case versionLess(got, r.Min):
			problems = append(problems, fmt.Sprintf("%s %s is too old (need >= %s)", r.Dist, got, r.Min))
		default:
			continue
		}
		install = append(install, fmt.Sprintf("'%s>=%s'", r.Dist, r.Min))
	}
	if len(problems) > 0 {
		return fmt.Errorf("python packages for %s: %s; install with: %s -m pip install %s",
			python, strings.Join(problems, "; "), python, strings.Join(install, " "))
	}
	return nil
}

// versionLess reports whether version a is older than b, comparing the
// leading numeric components ("2.4.0+cu121" reads as 2.4.0, "0.9.1rc1" as 0.9.1).
func versionLess(a, b string) bool {
	x, y := versionParts(a), versionParts(b)
	for i := range max(len(x), len(y)) {
		var p, q int
		if i < len(x) {
			p = x[i]
		}
		if i < len(y) {
			q = y[i]
		}
		if p != q {
			return p < q
		}
	}
	return false
}

func versionParts(v string) []int {
	var parts []int
	for f := range strings.SplitSeq(v, ".") {
		end := 0
		for end < len(f) && f[end] >= '0' && f[end] <= '9' {
			end++
		}
		if end == 0 {
			break
		}
		n, _ := strconv.Atoi(f[:end])
		parts = append(parts, n)
		if end < len(f) {
			break
		}
	}
	return parts
}

// checkTemplate runs the script's --check mode on the source data: the
// tokenizer has a chat template, every example renders with a prompt that
// is a prefix of the conversation, and fits the maximum length.
func checkTemplate(ctx context.Context, o *Options, scriptPath, source string, log io.Writer) error {
	args := []string{scriptPath, "--check", "--data", source, "--model", o.BaseModel,
		"--max-length", strconv.Itoa(o.Hyper.MaxLength)}
	if o.Tokenizer != "" {
		args = append(args, "--tokenizer", o.Tokenizer)
	}
	if o.DropLong {
		args = append(args, "--drop-long")
	}
	if o.Engine == EngineLlamaFactory && o.Template != "" {
		// LLaMA-Factory renders with its own template then; the tokenizer
		// may have none.
		args = append(args, "--allow-no-chat-template")
	}
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, o.python(), args...)
	cmd.Stdout = log
	cmd.Stderr = io.MultiWriter(log, &stderr)
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ExitCode() == exitNoChatTemplate && o.Engine == EngineLlamaFactory && o.Template == "" {
			return fmt.Errorf("preflight check of %s: %s; LLaMA-Factory would silently fall back to its `empty` template (no roles, no end-of-turn tokens) and train on unmarked text: pass --template NAME (one of LLaMA-Factory's templates) or a --tokenizer with a chat template", source, lastLine(stderr.String()))
		}
		if errors.As(err, &ee) && (ee.ExitCode() == 2 || ee.ExitCode() == exitNoChatTemplate) {
			return fmt.Errorf("preflight check of %s with the tokenizer of %s: %s", source, o.BaseModel, lastLine(stderr.String()))
		}
		return fmt.Errorf("preflight check (%s): %w: %s", ShellQuote(append([]string{o.python()}, args...)), err, lastLine(stderr.String()))
	}
	return nil
}

// checkConfigKeys runs the script's --check-config mode: the installed
// trainer's own parser says whether it knows every key of the config.
func checkConfigKeys(ctx context.Context, o *Options, scriptPath, config string) error {
	args := []string{scriptPath, "--check-config", o.Engine, config}
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, o.python(), args...)
	cmd.Stdout = o.logw()
	cmd.Stderr = io.MultiWriter(o.logw(), &stderr)
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ExitCode() == 2 {
			return errors.New(lastLine(stderr.String()))
		}
		return fmt.Errorf("checking the keys of %s (%s): %w: %s", config, ShellQuote(append([]string{o.python()}, args...)), err, lastLine(stderr.String()))
	}
	return nil
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return strings.TrimPrefix(s, "error: ")
}
