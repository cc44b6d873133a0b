// Package cost turns token counts into money: a built-in table of hosted
// models' prices (prices.yaml, embedded), overridable by a file of the same
// format and by prices per million tokens given on the command line. A
// server that is not a known hosted API costs nothing unless a price is
// given; a hosted model the table does not list is "unknown", never a
// guess.
package cost

import (
	"bytes"
	_ "embed"
	"fmt"
	"math"
	"net/url"
	"os"
	"regexp"
	"strings"

	"github.com/goccy/go-yaml"
)

//go:embed prices.yaml
var builtin []byte

// Price is what a model costs, in US dollars per million tokens.
type Price struct {
	Input  float64 `yaml:"input" json:"input_per_million"`
	Output float64 `yaml:"output" json:"output_per_million"`
}

// Provider is one hosted API: the hosts its base URLs use and its models'
// prices.
type Provider struct {
	Name   string   `yaml:"name"`
	Hosts  []string `yaml:"hosts"`
	Source string   `yaml:"source"`
	// BatchDiscount multiplies prices of requests sent through the Batch
	// API (0.5: half price); 0 means no discount is known (1).
	BatchDiscount float64          `yaml:"batch_discount"`
	Models        map[string]Price `yaml:"models"`
}

// Table is a price table: providers by name.
type Table struct {
	Providers []Provider `yaml:"providers"`
}

// Builtin returns the embedded table.
func Builtin() (*Table, error) {
	t, err := parse(builtin, "built-in prices.yaml")
	if err != nil {
		return nil, err
	}
	return t, nil
}

// Load returns the built-in table extended by the file at path (no file
// when path is ""): a provider of the file replaces the built-in one's
// hosts, source and discount where it gives them and adds or replaces
// models; a new provider is added.
func Load(path string) (*Table, error) {
	t, err := Builtin()
	if err != nil {
		return nil, err
	}
	if path == "" {
		return t, nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("price file: %w", err)
	}
	over, err := parse(raw, path)
	if err != nil {
		return nil, err
	}
	t.merge(over)
	return t, nil
}

func parse(raw []byte, name string) (*Table, error) {
	var t Table
	if err := yaml.NewDecoder(bytes.NewReader(raw), yaml.Strict()).Decode(&t); err != nil {
		return nil, fmt.Errorf("%s: %s", name, yaml.FormatError(err, false, true))
	}
	for i, p := range t.Providers {
		where := fmt.Sprintf("%s: providers[%d]", name, i)
		if p.Name == "" {
			return nil, fmt.Errorf("%s: no name", where)
		}
		if p.BatchDiscount < 0 || p.BatchDiscount > 1 {
			return nil, fmt.Errorf("%s (%s): batch_discount %v, want between 0 and 1", where, p.Name, p.BatchDiscount)
		}
		for m, pr := range p.Models {
			if err := pr.validate(); err != nil {
				return nil, fmt.Errorf("%s (%s): model %q: %w", where, p.Name, m, err)
			}
		}
	}
	return &t, nil
}

func (p Price) validate() error {
	for _, v := range []float64{p.Input, p.Output} {
		if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("price %v, want 0 or more dollars per million tokens", v)
		}
	}
	return nil
}

func (t *Table) merge(over *Table) {
	for _, o := range over.Providers {
		i := t.index(o.Name)
		if i < 0 {
			t.Providers = append(t.Providers, o)
			continue
		}
		p := &t.Providers[i]
		if len(o.Hosts) > 0 {
			p.Hosts = o.Hosts
		}
		if o.Source != "" {
			p.Source = o.Source
		}
		if o.BatchDiscount > 0 {
			p.BatchDiscount = o.BatchDiscount
		}
		if p.Models == nil {
			p.Models = map[string]Price{}
		}
		for m, pr := range o.Models {
			p.Models[m] = pr
		}
	}
}

func (t *Table) index(name string) int {
	for i, p := range t.Providers {
		if p.Name == name {
			return i
		}
	}
	return -1
}

// provider returns the provider serving host, or nil.
func (t *Table) provider(host string) *Provider {
	host = strings.ToLower(host)
	for i, p := range t.Providers {
		for _, h := range p.Hosts {
			h = strings.ToLower(h)
			if host == h || strings.HasSuffix(host, "."+h) {
				return &t.Providers[i]
			}
		}
	}
	return nil
}

// snapshotSuffix is what a dated model name adds to its family's name:
// "-2024-07-18", "-0125".
var snapshotSuffix = regexp.MustCompile(`^-(\d{4}-\d{2}-\d{2}|\d{4})$`)

// price finds model's price: by exact name, else as a dated snapshot of a
// listed name.
func (p *Provider) price(model string) (Price, bool) {
	if pr, ok := p.Models[model]; ok {
		return pr, true
	}
	best := ""
	for name := range p.Models {
		if strings.HasPrefix(model, name) && snapshotSuffix.MatchString(model[len(name):]) && len(name) > len(best) {
			best = name
		}
	}
	if best == "" {
		return Price{}, false
	}
	return p.Models[best], true
}

// Basis says where a Pricing's price came from.
type Basis string

// The bases of a Pricing.
const (
	BasisFlags      Basis = "flags"       // --price-in / --price-out
	BasisTable      Basis = "table"       // the built-in table or --price-file
	BasisSelfHosted Basis = "self-hosted" // no known hosted API: zero
	BasisUnknown    Basis = "unknown"     // a hosted API, the model not in the table
)

// Pricing is the price a run pays: how it was found, and whether it is
// known at all.
type Pricing struct {
	Model    string `json:"model"`
	Basis    Basis  `json:"basis"`
	Provider string `json:"provider,omitempty"`
	Source   string `json:"source,omitempty"`
	// Price is the price per million tokens (meaningless when Basis is
	// BasisUnknown).
	Price Price `json:"price"`
	// Batch marks prices of requests sent through the Batch API, the
	// provider's discount applied.
	Batch bool `json:"batch,omitempty"`
}

// Known reports whether the price is known.
func (p Pricing) Known() bool { return p.Basis != BasisUnknown }

// Given are prices given on the command line; nil fields were not given.
type Given struct {
	Input, Output *float64
}

// Resolve returns the pricing of model on the servers at baseURLs: the
// given prices when both are set (one alone applies with the other taken
// from the table, or zero on a self-hosted server); else the table's price
// when a server is a known hosted API (unknown when the table lacks the
// model); else zero (self-hosted). batch applies the provider's Batch API
// discount to a table price.
func (t *Table) Resolve(model string, baseURLs []string, given Given, batch bool) (Pricing, error) {
	for _, v := range []*float64{given.Input, given.Output} {
		if v != nil {
			if err := (Price{Input: *v}).validate(); err != nil {
				return Pricing{}, err
			}
		}
	}
	pr := Pricing{Model: model, Basis: BasisSelfHosted}
	for _, raw := range baseURLs {
		u, err := url.Parse(strings.TrimSpace(raw))
		if err != nil || u.Host == "" {
			continue
		}
		p := t.provider(u.Hostname())
		if p == nil {
			continue
		}
		pr.Provider, pr.Source = p.Name, p.Source
		price, ok := p.price(model)
		if !ok {
			pr.Basis = BasisUnknown
			break
		}
		pr.Basis, pr.Price = BasisTable, price
		if batch && p.BatchDiscount > 0 {
			pr.Price.Input *= p.BatchDiscount
			pr.Price.Output *= p.BatchDiscount
			pr.Batch = true
		}
		break
	}
	if given.Input == nil && given.Output == nil {
		return pr, nil
	}
	if pr.Basis == BasisUnknown || pr.Basis == BasisSelfHosted {
		pr.Price = Price{}
	}
	if given.Input != nil {
		pr.Price.Input = *given.Input
	}
	if given.Output != nil {
		pr.Price.Output = *given.Output
	}
	pr.Basis = BasisFlags
	return pr, nil
}

// Dollars returns what prompt and completion tokens cost, false when the
// price is unknown.
func (p Pricing) Dollars(prompt, completion int64) (float64, bool) {
	if !p.Known() {
		return 0, false
	}
	return (float64(prompt)*p.Price.Input + float64(completion)*p.Price.Output) / 1e6, true
}

// Money is a run's cost in money for a manifest or results file. The
// amounts are nil when the price is unknown.
type Money struct {
	Currency string   `json:"currency"`
	Pricing  Pricing  `json:"pricing"`
	Total    *float64 `json:"total"`
	// PerQuestion and PerKeptPath divide Total (nil with none).
	PerQuestion *float64 `json:"per_question"`
	PerKeptPath *float64 `json:"per_kept_path,omitempty"`
}

// MoneyFor prices a run's tokens and divides the total by its questions
// and kept paths (with no kept path, as in an evaluation, there is no
// per-path figure).
func (p Pricing) MoneyFor(prompt, completion int64, questions, kept int) *Money {
	m := &Money{Currency: "USD", Pricing: p}
	total, ok := p.Dollars(prompt, completion)
	if !ok {
		return m
	}
	m.Total = &total
	if questions > 0 {
		v := total / float64(questions)
		m.PerQuestion = &v
	}
	if kept > 0 {
		v := total / float64(kept)
		m.PerKeptPath = &v
	}
	return m
}

// Format writes an amount of dollars for a person: "$0.0123", "$12.35";
// "unknown" for nil.
func Format(v *float64) string {
	if v == nil {
		return "unknown"
	}
	return FormatDollars(*v)
}

// FormatDollars writes dollars with four significant decimals below a
// dollar and cents above.
func FormatDollars(v float64) string {
	switch {
	case v == 0:
		return "$0"
	case math.Abs(v) >= 1:
		return fmt.Sprintf("$%.2f", v)
	case math.Abs(v) >= 0.01:
		return fmt.Sprintf("$%.4f", v)
	}
	return fmt.Sprintf("$%.2g", v)
}
