// Package runloop runs the whole ReGenesis loop from one YAML file:
// synthesize -> export -> train -> evaluate the base and the trained model
// -> report, for one or more rounds, each round generating with the model
// trained in the round before. Every step is resumable: a state file in the
// run directory marks the finished steps, and each step's own store makes
// re-running an unfinished one cheap.
package runloop

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/parser"

	"github.com/regenesis-ai/regenesis/internal/train"
)

// Config is the run file. docs/TRAINING.md has a full example.
type Config struct {
	// Dir holds every step's output and the state file. Like every path in
	// the file, a relative one is taken from the directory regenesis runs in.
	Dir string `yaml:"dir"`
	// Rounds is how many times the loop runs; round r > 1 generates with
	// the model trained in round r-1. Zero means 1.
	Rounds int `yaml:"rounds"`
	// Server is the OpenAI-compatible server of the round-1 generator and
	// of the base model's evaluation.
	Server     Server     `yaml:"server"`
	Synthesize Synthesize `yaml:"synthesize"`
	Export     Export     `yaml:"export"`
	Train      Train      `yaml:"train"`
	Serve      Serve      `yaml:"serve"`
	Eval       Eval       `yaml:"eval"`
	Report     Report     `yaml:"report"`
	// Shards, when Count > 1, runs the synthesize and eval steps as shards
	// launched by a command template, merged when all are complete.
	Shards Shards `yaml:"shards"`
}

// Server is an OpenAI-compatible endpoint. The API key is read by each
// step from OPENAI_API_KEY; it never goes into the file.
type Server struct {
	BaseURL string `yaml:"base_url"`
}

// Synthesize configures `regenesis synthesize`.
type Synthesize struct {
	// Model is the round-1 generator, served by Server.
	Model  string `yaml:"model"`
	Task   string `yaml:"task"`
	Method string `yaml:"method"`
	// Split is passed when set; otherwise the command's default applies.
	Split string   `yaml:"split"`
	Args  []string `yaml:"args"`
}

// Export configures `regenesis export`, run once per format. The train
// step reads the synthesis directory itself, so exports are for other uses.
type Export struct {
	Formats []string `yaml:"formats"`
	Args    []string `yaml:"args"`
}

// Train configures `regenesis train`.
type Train struct {
	Engine string `yaml:"engine"`
	// BaseModel is the model fine-tuned in round 1 (a Hugging Face id or
	// path; the API's model name for openai).
	BaseModel string `yaml:"base_model"`
	// Continue makes round r > 1 fine-tune the model of round r-1 instead
	// of BaseModel (which, as in STaR, is the default).
	Continue bool     `yaml:"continue"`
	Args     []string `yaml:"args"`
}

// Serve says how the trained model is reached: at BaseURL, started by
// Command when given. Placeholders in Command and Model: {model} is the
// trained model (a directory, or the fine-tuned id), {name} its served
// name (Model expanded), {round} the round number.
type Serve struct {
	// BaseURL is where the trained model is served; default Server.BaseURL.
	BaseURL string `yaml:"base_url"`
	// Model is the name to request; default "{model}".
	Model string `yaml:"model"`
	// Command, run with sh -c, starts the server; it is stopped after use.
	Command string `yaml:"command"`
	// ReadyTimeout bounds the wait for BaseURL/models to list Model, as a
	// Go duration ("15m"); default 20m.
	ReadyTimeout string `yaml:"ready_timeout"`

	readyTimeout time.Duration
}

// Eval configures `regenesis eval`, run for the base model once and for
// each round's trained model.
type Eval struct {
	Tasks []string `yaml:"tasks"`
	// Split is passed when set; otherwise each task's test split is used.
	Split string   `yaml:"split"`
	Args  []string `yaml:"args"`
}

// Report configures `regenesis report`.
type Report struct {
	Args []string `yaml:"args"`
}

// Load reads and checks a run file. Unknown fields and wrong types are
// errors naming file:line:column.
func Load(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var c Config
	if err := yaml.UnmarshalWithOptions(b, &c, yaml.Strict()); err != nil {
		return nil, yamlError(path, err)
	}
	if err := c.check(path, b); err != nil {
		return nil, err
	}
	return &c, nil
}

func yamlError(path string, err error) error {
	var ye yaml.Error
	if errors.As(err, &ye) && ye.GetToken() != nil {
		p := ye.GetToken().Position
		return fmt.Errorf("%s:%d:%d: %s", path, p.Line, p.Column, ye.GetMessage())
	}
	return fmt.Errorf("%s: %w", path, err)
}

// check validates the fields and fills in defaults. Errors name the
// field's position when the file has it.
func (c *Config) check(path string, src []byte) error {
	file, _ := parser.ParseBytes(src, 0)
	at := func(field string) string {
		p, err := yaml.PathString("$." + field)
		if err != nil || file == nil {
			return path
		}
		n, err := p.FilterFile(file)
		if err != nil || n == nil || n.GetToken() == nil {
			return path
		}
		return fmt.Sprintf("%s:%d:%d", path, n.GetToken().Position.Line, n.GetToken().Position.Column)
	}
	required := []struct{ field, value string }{
		{"dir", c.Dir},
		{"server.base_url", c.Server.BaseURL},
		{"synthesize.model", c.Synthesize.Model},
		{"synthesize.task", c.Synthesize.Task},
		{"train.engine", c.Train.Engine},
		{"train.base_model", c.Train.BaseModel},
	}
	for _, r := range required {
		if strings.TrimSpace(r.value) == "" {
			return fmt.Errorf("%s: %s is required", at(r.field), r.field)
		}
	}
	if !slices.Contains(train.Engines(), c.Train.Engine) {
		return fmt.Errorf("%s: train.engine: unknown engine %q (known: %s)", at("train.engine"), c.Train.Engine, strings.Join(train.Engines(), ", "))
	}
	if err := c.Shards.check(at); err != nil {
		return err
	}
	if c.Rounds < 0 {
		return fmt.Errorf("%s: rounds must not be negative, got %d", at("rounds"), c.Rounds)
	}
	c.Serve.readyTimeout = 20 * time.Minute
	if c.Serve.ReadyTimeout != "" {
		d, err := time.ParseDuration(c.Serve.ReadyTimeout)
		if err != nil || d <= 0 {
			return fmt.Errorf("%s: serve.ready_timeout: want a positive duration such as 15m, got %q", at("serve.ready_timeout"), c.Serve.ReadyTimeout)
		}
		c.Serve.readyTimeout = d
	}
	if len(c.Eval.Tasks) == 0 {
		c.Eval.Tasks = []string{c.Synthesize.Task}
	}
	if c.Rounds == 0 {
		c.Rounds = 1
	}
	if c.Synthesize.Method == "" {
		c.Synthesize.Method = "regenesis"
	}
	if c.Serve.BaseURL == "" {
		c.Serve.BaseURL = c.Server.BaseURL
	}
	if c.Serve.Model == "" {
		c.Serve.Model = "{model}"
	}
	return nil
}
