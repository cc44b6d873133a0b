package runloop

import (
	"fmt"
	"strings"

	"github.com/regenesis-ai/regenesis/internal/train"
)

// The argument lists of the subcommands the loop runs. Each step's Args
// from the config come last, so they can add flags or override earlier ones.

func synthArgs(c *Config, baseURL, model, out string) []string {
	args := []string{"synthesize",
		"--task", c.Synthesize.Task,
		"--method", c.Synthesize.Method,
	}
	if c.Synthesize.Split != "" {
		args = append(args, "--split", c.Synthesize.Split)
	}
	args = append(args, "--base-url", baseURL, "--model", model, "--out", out)
	return append(args, c.Synthesize.Args...)
}

func exportArgs(c *Config, synthDir, format string) []string {
	args := []string{"export", synthDir, "--format", format}
	return append(args, c.Export.Args...)
}

func trainArgs(c *Config, baseModel, synthDir, out string) []string {
	args := []string{"train",
		"--engine", c.Train.Engine,
		"--data", synthDir,
		"--base-model", baseModel,
		"--out", out,
	}
	switch c.Train.Engine {
	case train.EngineTRL, train.EngineLlamaFactory, train.EngineAxolotl:
		args = append(args, "--run")
	}
	return append(args, c.Train.Args...)
}

func evalArgs(c *Config, baseURL, model, out string) []string {
	args := []string{"eval", "--task", strings.Join(c.Eval.Tasks, ",")}
	if c.Eval.Split != "" {
		args = append(args, "--split", c.Eval.Split)
	}
	args = append(args, "--base-url", baseURL, "--model", model, "--out", out)
	return append(args, c.Eval.Args...)
}

// reportArgs compares every evaluation against the base model's, writing
// report.md and report.html into the directory out.
func reportArgs(c *Config, evalDirs []string, out string) []string {
	labels := []string{"base"}
	for i := 1; i < len(evalDirs); i++ {
		labels = append(labels, fmt.Sprintf("round-%d", i))
	}
	args := []string{"report", "--baseline", evalDirs[0], "--label", strings.Join(labels, ","), "--out", out}
	args = append(args, c.Report.Args...)
	return append(args, evalDirs...)
}
