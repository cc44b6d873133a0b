package method

import (
	"testing"

	"github.com/regenesis-ai/regenesis/internal/guideline"
	"github.com/regenesis-ai/regenesis/internal/prompts"
)

// TestFanOut checks each method's per-question fan-out: the requests of
// its main round in flight at once, from its configuration.
func TestFanOut(t *testing.T) {
	p, err := prompts.Load("")
	if err != nil {
		t.Fatal(err)
	}
	pool := guideline.Default()
	if len(pool) != 25 {
		t.Fatalf("default pool has %d guidelines; the table assumes 25", len(pool))
	}
	def := DefaultConfig()
	with := func(edit func(*Config)) Config {
		c := DefaultConfig()
		edit(&c)
		return c
	}
	adaptive := func(c *Config) { c.Budget = BudgetAdaptive }
	tests := []struct {
		method string
		cfg    Config
		want   int
	}{
		{"regenesis", def, 45}, // 25 single guidelines + 20 picked sets
		{"regenesis", with(func(c *Config) { c.SingleGuidelines = false }), 20},
		{"regenesis", with(func(c *Config) { c.SelectSamples = 8 }), 33},
		{"regenesis", with(adaptive), 2},
		{"regenesis", with(func(c *Config) { adaptive(c); c.BudgetWave = 0 }), 5}, // a wave of keep_per_question
		{"regenesis", with(func(c *Config) { adaptive(c); c.BudgetWave = 60 }), 45},
		{"cot", def, 45},
		{"cot", with(func(c *Config) { c.Samples = 10 }), 10},
		{"cot", with(func(c *Config) { adaptive(c); c.BudgetWave = 3 }), 3},
		{"star", with(func(c *Config) { c.Samples = 12 }), 12},
		{STaRZeroShot, with(adaptive), 2},
		{STaRFewShot, def, 1},
		{STaRFewShot, with(func(c *Config) { c.Samples = 30 }), 1},
		{"lmsi", with(func(c *Config) { c.Samples = 16 }), 16},
		{LMSIZeroShot, with(adaptive), 2},
		{LMSIFewShot, def, 32},
		{LMSIFewShot, with(adaptive), 32}, // the paper's settings run every path
		{"selfdiscover", with(func(c *Config) { c.Samples = 9 }), 9},
		{"selfdiscover", with(adaptive), 2},
		{"gold", def, 0},
		{"gold-answer", def, 0},
	}
	covered := map[string]bool{}
	for _, tt := range tests {
		covered[tt.method] = true
		m, err := New(tt.method, Deps{LLM: &fakeLLM{}, Model: "m", Prompts: p, Guidelines: pool}, tt.cfg)
		if err != nil {
			t.Fatal(err)
		}
		if got := FanOut(m); got != tt.want {
			t.Errorf("%s (samples %d, select %d, budget %s, wave %d): fan-out %d, want %d",
				tt.method, tt.cfg.Samples, tt.cfg.SelectSamples, tt.cfg.Budget, tt.cfg.BudgetWave, got, tt.want)
		}
	}
	for _, name := range Names() {
		if !covered[name] {
			t.Errorf("method %s has no fan-out case", name)
		}
	}
}

// TestRegistry checks registering a method and the registry's refusals.
func TestRegistry(t *testing.T) {
	r := Builtins()
	ctor := func(name string, d Deps, cfg Config) (Method, error) { return gold{name: name}, nil }
	if err := r.Register("regenesis", ctor); err == nil {
		t.Error("registering a taken name: no error")
	}
	if err := r.Register("", ctor); err == nil {
		t.Error("registering no name: no error")
	}
	if err := r.Register("mine", ctor); err != nil {
		t.Fatal(err)
	}
	m, err := r.New("mine", Deps{}, DefaultConfig())
	if err != nil || m.Name() != "mine" {
		t.Fatalf("New(mine) = %v, %v", m, err)
	}
	if len(r.Names()) != len(Names())+1 {
		t.Errorf("names %v, want the built-in ones and mine", r.Names())
	}
	for _, n := range Names() {
		if n == "mine" {
			t.Error("registering into one registry changed the built-in one")
		}
	}
	// A method that does not report its fan-out is refused.
	type bare struct{ Method }
	if err := r.Register("bare", func(string, Deps, Config) (Method, error) { return bare{gold{}}, nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := r.New("bare", Deps{}, DefaultConfig()); err == nil {
		t.Error("a method without FanOut: no error")
	}
}
