package train

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/regenesis-ai/regenesis/internal/fileio"
)

// ResultFile is the name of the record each hand-off leaves in
// Output/regenesis-train.
const ResultFile = "result.json"

// Result records a training hand-off.
type Result struct {
	Engine    string `json:"engine"`
	BaseModel string `json:"base_model"`
	// Status is "planned" (files written, nothing run), "checked",
	// "running" (an openai job being followed), "succeeded", "failed" or
	// "cancelled".
	Status string `json:"status"`
	// Model is the trained model: a local directory, or the fine-tuned
	// model's id for openai.
	Model    string    `json:"model,omitempty"`
	JobID    string    `json:"job_id,omitempty"`
	Epochs   int       `json:"epochs,omitempty"`
	DataFile string    `json:"data_file"`
	Data     DataStats `json:"data"`
	Files    []string  `json:"files,omitempty"`
	Command  []string  `json:"command,omitempty"`
	Updated  time.Time `json:"updated"`
}

// ReadResult reads the record a hand-off left under output.
func ReadResult(output string) (*Result, error) {
	p := filepath.Join(output, WorkDirName, ResultFile)
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	var r Result
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	return &r, nil
}

func writeResult(output string, r *Result) error {
	r.Updated = time.Now().UTC().Truncate(time.Second)
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return fileio.WriteFile(filepath.Join(output, WorkDirName, ResultFile), append(b, '\n'))
}

// needsRunFlag reports whether an engine only writes its files unless asked
// to run.
func needsRunFlag(engine string) bool {
	return engine == EngineTRL || engine == EngineLlamaFactory || engine == EngineAxolotl
}

// Run hands training to the engine: it writes the data and configs, prints
// the command, checks what can be checked before GPU hours are spent, and
// runs the command (hf always; trl, llamafactory and axolotl with Run;
// openai uploads, creates the job and follows it). DryRun stops after
// printing; CheckOnly after the checks. The result is also recorded in
// Output/regenesis-train/result.json.
func Run(ctx context.Context, o Options) (*Result, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	if err := o.absPaths(); err != nil {
		return nil, err
	}
	res := &Result{Engine: o.Engine, BaseModel: o.BaseModel, Status: "planned"}
	save := func() error { return writeResult(o.Output, res) }
	if o.Engine == EngineOpenAI && o.OpenAI.Follow != "" {
		if prev, err := ReadResult(o.Output); err == nil {
			res = prev
		}
		return res, runOpenAI(ctx, &o, res, save)
	}
	// The installed versions are read once, before the configs are
	// written, so that the writers use the keys those versions accept.
	var pyVersion string
	probeErr := errors.New("not probed")
	if o.Engine != EngineOpenAI && !o.DryRun && !o.SkipChecks && o.Versions == nil {
		dir := filepath.Join(o.Output, WorkDirName)
		if scriptPath, err := WriteScript(dir); err != nil {
			return nil, err
		} else if o.Versions, pyVersion, probeErr = probeVersions(ctx, o.python(), scriptPath); probeErr != nil {
			if o.Run || o.CheckOnly || !needsRunFlag(o.Engine) {
				return nil, probeErr
			}
			fmt.Fprintf(o.logw(), "could not read the installed versions (%v); the configs use keys every version accepts\n", probeErr)
		} else {
			fmt.Fprintf(o.logw(), "installed: %s\n", o.Versions)
		}
	}
	plan, err := Prepare(ctx, o)
	if err != nil {
		return nil, err
	}
	res.DataFile, res.Data, res.Files, res.Command = plan.Data, plan.Stats, plan.Files, plan.Command
	fmt.Fprintf(o.logw(), "wrote %d examples from %s to %s\n", plan.Stats.Examples, plan.Stats.Source, plan.Data)
	if o.Engine == EngineOpenAI {
		if o.DryRun {
			fmt.Fprintf(o.stdout(), "would upload %s to the files endpoint and create a fine-tuning job for %s\n", plan.Data, o.BaseModel)
			return res, save()
		}
		if err := save(); err != nil {
			return nil, err
		}
		return res, runOpenAI(ctx, &o, res, save)
	}
	fmt.Fprintln(o.stdout(), ShellQuote(plan.Command))
	if err := save(); err != nil {
		return nil, err
	}
	if o.DryRun || (needsRunFlag(o.Engine) && !o.Run && !o.CheckOnly) {
		if !o.DryRun {
			fmt.Fprintf(o.logw(), "configs written; run the command above, or pass --run\n")
		}
		return res, nil
	}
	if !o.SkipChecks {
		if probeErr != nil {
			return res, probeErr
		}
		if err := preflight(ctx, &o, plan, pyVersion); err != nil {
			return res, err
		}
		res.Status = "checked"
		if err := save(); err != nil {
			return nil, err
		}
	}
	if o.CheckOnly {
		return res, nil
	}
	if err := execute(ctx, &o, plan.Command); err != nil {
		res.Status = "failed"
		return res, errors.Join(err, save())
	}
	res.Status, res.Model = "succeeded", plan.Model
	return res, save()
}

// preflight checks, with the versions read once, the interpreter and the
// packages, that the installed trainer accepts every key of the written
// config, the engine's command and (through the script's --check mode)
// the chat template and lengths.
func preflight(ctx context.Context, o *Options, plan *Plan, pyVersion string) error {
	scriptPath, err := WriteScript(plan.WorkDir)
	if err != nil {
		return err
	}
	if err := checkRequirements(o.python(), pyVersion, o.Versions, requirements(o.Engine, o.Hyper.LoRA, o.Distributed.Shard)); err != nil {
		return err
	}
	if cfg := plan.Config(); cfg != "" {
		if err := checkKeys(o.Engine, cfg, o.ExtraArgs, o.Versions); err != nil {
			return err
		}
		if o.Engine == EngineTRL || o.Engine == EngineLlamaFactory {
			if err := checkConfigKeys(ctx, o, scriptPath, cfg); err != nil {
				return err
			}
		}
	}
	if t := tool(o.Engine); t != "" {
		if _, err := exec.LookPath(t); err != nil {
			return fmt.Errorf("the %s engine runs %q, which is not on PATH: %w", o.Engine, t, err)
		}
	}
	return checkTemplate(ctx, o, scriptPath, plan.Stats.Source, o.logw())
}

// execute runs the training command, forwarding its output. On
// cancellation it sends the command an interrupt and gives it time to save.
func execute(ctx context.Context, o *Options, argv []string) error {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdout = o.stdout()
	cmd.Stderr = o.logw()
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 30 * time.Second
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("training interrupted: %w", ctx.Err())
		}
		return fmt.Errorf("training command failed (%s): %w", ShellQuote(argv), err)
	}
	return nil
}
