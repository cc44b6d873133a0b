package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/regenesis-ai/regenesis/internal/eval"
	"github.com/regenesis-ai/regenesis/internal/method"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// TestConfigPrecedence checks the order the method settings come from:
// the defaults (or --profile's), then --config, then every flag the user
// set, even one set to its default value.
func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	custom := file("custom.yaml", "temperature: 0.5\nkeep_per_question: 3\nhint: false\nseed: 9\nbudget: adaptive\nbudget_wave: 0\n")
	reference := file("reference.yaml", "profile: reference\nmax_tokens: 4096\n")
	def := method.DefaultConfig()
	tests := []struct {
		name    string
		args    []string
		config  string
		profile string
		check   func(c method.Config) string
	}{
		{"defaults", nil, "", "", func(c method.Config) string {
			return diffConfig(c, def)
		}},
		{"file over defaults", nil, custom, "", func(c method.Config) string {
			want := def
			want.Temperature, want.KeepPerQuestion, want.Hint, want.Seed = 0.5, 3, false, 9
			want.Budget, want.BudgetWave = method.BudgetAdaptive, 0
			return diffConfig(c, want)
		}},
		{"flag over file", []string{"--temperature", "0.7", "--keep=4", "--seed", "11"}, custom, "", func(c method.Config) string {
			want := def
			want.Temperature, want.KeepPerQuestion, want.Hint, want.Seed = 0.7, 4, false, 11
			want.Budget, want.BudgetWave = method.BudgetAdaptive, 0
			return diffConfig(c, want)
		}},
		{"flag set to its default overrides the file", []string{"--temperature=1.2", "--keep", "5", "--hint", "--seed=0", "--budget", "paper", "--budget-wave", "2"}, custom, "", func(c method.Config) string {
			return diffConfig(c, def)
		}},
		{"false bool flag over a default true", []string{"--dedup=false", "--single-guidelines=false"}, "", "", func(c method.Config) string {
			want := def
			want.Dedup, want.SingleGuidelines = false, false
			return diffConfig(c, want)
		}},
		{"flag without a file", []string{"--samples", "7", "--filter", "majority", "--top-p", "0.95"}, "", "", func(c method.Config) string {
			want := def
			want.Samples, want.Filter, want.TopP = 7, method.FilterMajority, 0.95
			return diffConfig(c, want)
		}},
		{"profile key of the file, then the file, then flags", []string{"--judge=false"}, reference, "", func(c method.Config) string {
			want, _ := method.ProfileConfig(method.ProfileReference)
			want.MaxTokens, want.Judge = 4096, false
			return diffConfig(c, want)
		}},
		{"--profile over the file's profile key", nil, custom, method.ProfileReference, func(c method.Config) string {
			want, _ := method.ProfileConfig(method.ProfileReference)
			want.Temperature, want.KeepPerQuestion, want.Hint, want.Seed = 0.5, 3, false, 9
			want.Budget, want.BudgetWave = method.BudgetAdaptive, 0
			return diffConfig(c, want)
		}},
		{"flag equal to the default over a profile's value", []string{"--dedup=false", "--select-max-tokens", "512"}, "", method.ProfileReference, func(c method.Config) string {
			want, _ := method.ProfileConfig(method.ProfileReference)
			want.SelectMaxTokens = 512
			return diffConfig(c, want)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cfg method.Config
			fs := configFlags(&cfg)
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			o := synthFlags{configFile: tt.config, profile: tt.profile}
			if err := o.config(fs, &cfg); err != nil {
				t.Fatal(err)
			}
			if d := tt.check(cfg); d != "" {
				t.Error(d)
			}
		})
	}
}

// TestConfigFlagsErrors checks that a value made invalid by a flag is
// reported as the flags' fault, and one from the file as the file's.
func TestConfigFlagsErrors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("top_p: 3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, config string
		args         []string
		want         string
	}{
		{"flag", "", []string{"--top-p", "2"}, "flags: config field top_p"},
		{"file", bad, nil, "config " + bad},
		{"flag cannot mend a bad file", bad, []string{"--top-p", "0.9"}, "config " + bad},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cfg method.Config
			fs := configFlags(&cfg)
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			o := synthFlags{configFile: tt.config}
			err := o.config(fs, &cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// diffConfig says how got differs from want, "" when not at all.
func diffConfig(got, want method.Config) string {
	if got == want {
		return ""
	}
	return fmt.Sprintf("config\n got %+v\nwant %+v", got, want)
}

// TestEvalFlagsBindOptions checks that eval's flags start at
// eval.DefaultOptions, that a flag the user gives wins, and that
// --protocol bbh-3shot's defaults give way to an explicit flag, even one
// equal to the zero-shot default.
func TestEvalFlagsBindOptions(t *testing.T) {
	def := eval.DefaultOptions()
	tests := []struct {
		name      string
		args      []string
		want      func(o *eval.Options)
		wantSuite string
	}{
		{"defaults", nil, func(*eval.Options) {}, ""},
		{"flags", []string{"--mode", "maj", "--samples", "5", "--temperature", "0.9", "--top-p=0.8", "--seed", "3", "--limit", "7", "--split", "dev", "--concurrency", "6", "--max-tokens", "512"},
			func(o *eval.Options) {
				o.Mode, o.Samples, o.Temperature, o.TopP, o.Seed = eval.Majority, 5, 0.9, 0.8, 3
				o.Limit, o.Split, o.Concurrency, o.MaxTokens = 7, "dev", 6, 512
			}, ""},
		{"bbh defaults", []string{"--protocol", eval.ProtocolBBH},
			func(o *eval.Options) { o.Protocol, o.MaxTokens = eval.ProtocolBBH, eval.BBHMaxTokens }, task.SuiteBBHReference},
		{"bbh with an explicit default max tokens", []string{"--protocol", eval.ProtocolBBH, "--max-tokens", fmt.Sprint(eval.DefaultMaxTokens), "--suite", "bbh"},
			func(o *eval.Options) { o.Protocol = eval.ProtocolBBH }, "bbh"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var o evalFlags
			fs := pflag.NewFlagSet("eval", pflag.ContinueOnError)
			fs.StringVar(&o.suite, "suite", "", "")
			o.bind(fs)
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			o.protocolDefaults(fs)
			want := def
			tt.want(&want)
			got := o.opt
			if got.Protocol != want.Protocol || got.Mode != want.Mode || got.Samples != want.Samples ||
				got.Temperature != want.Temperature || got.TopP != want.TopP || got.MaxTokens != want.MaxTokens ||
				got.Seed != want.Seed || got.Limit != want.Limit || got.Split != want.Split || got.Concurrency != want.Concurrency {
				t.Errorf("options\n got %+v\nwant %+v", got, want)
			}
			if o.suite != tt.wantSuite {
				t.Errorf("suite %q, want %q", o.suite, tt.wantSuite)
			}
		})
	}
}
