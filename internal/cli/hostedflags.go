package cli

import (
	"fmt"

	"github.com/spf13/pflag"

	"github.com/regenesis-ai/regenesis/internal/cost"
	"github.com/regenesis-ai/regenesis/internal/llm"
)

// hostedFlags are the model-server flags that matter most for hosted APIs:
// rate limits per server and prices.
type hostedFlags struct {
	fs                      *pflag.FlagSet
	rpm, tpm, tpmIn, tpmOut float64
	ignoreHeaders           bool
	priceIn, priceOut       float64
	priceFile               string
}

// addHostedFlags registers the rate-limit flags.
func addHostedFlags(fs *pflag.FlagSet) *hostedFlags {
	h := &hostedFlags{fs: fs}
	fs.Float64Var(&h.rpm, "rpm", 0, "most requests per minute per server (0: none of its own; the server's x-ratelimit-* headers are followed anyway)")
	fs.Float64Var(&h.tpm, "tpm", 0, "most tokens (prompt + completion) per minute per server (0: none)")
	fs.Float64Var(&h.tpmIn, "tpm-in", 0, "most prompt tokens per minute per server (0: none)")
	fs.Float64Var(&h.tpmOut, "tpm-out", 0, "most completion tokens per minute per server (0: none)")
	fs.BoolVar(&h.ignoreHeaders, "ignore-ratelimit-headers", false, "do not follow the servers' x-ratelimit-* headers")
	fs.Float64Var(&h.priceIn, "price-in", 0, "dollars per million prompt tokens (default: the built-in table for known hosted APIs, 0 for a self-hosted server)")
	fs.Float64Var(&h.priceOut, "price-out", 0, "dollars per million completion tokens (default as for --price-in)")
	fs.StringVar(&h.priceFile, "price-file", "", "YAML price table that extends the built-in one (format: internal/cost/prices.yaml)")
	return h
}

// pricing returns the price of model on the servers at urls, from the
// flags, the price file and the built-in table (batch: with the Batch API
// discount).
func (h *hostedFlags) pricing(model string, urls []string, batch bool) (cost.Pricing, error) {
	tab, err := cost.Load(h.priceFile)
	if err != nil {
		return cost.Pricing{}, fmt.Errorf("--price-file: %w", err)
	}
	var given cost.Given
	if h.fs.Changed("price-in") {
		given.Input = &h.priceIn
	}
	if h.fs.Changed("price-out") {
		given.Output = &h.priceOut
	}
	for _, f := range []struct {
		name string
		v    *float64
	}{{"--price-in", given.Input}, {"--price-out", given.Output}} {
		if f.v != nil && *f.v < 0 {
			return cost.Pricing{}, fmt.Errorf("%s %v: want 0 or more dollars per million tokens", f.name, *f.v)
		}
	}
	return tab.Resolve(model, urls, given, batch)
}

// describePricing is the one-line account of a pricing printed when a run
// starts, so that a user sees which price applies before paying it.
func describePricing(p cost.Pricing) string {
	switch p.Basis {
	case cost.BasisUnknown:
		return fmt.Sprintf("price: unknown for %s at %s (give --price-in/--price-out or a --price-file to see the cost)", p.Model, p.Provider)
	case cost.BasisSelfHosted:
		return "price: $0 (self-hosted server; give --price-in/--price-out to count a cost)"
	}
	src := "--price-in/--price-out"
	if p.Basis == cost.BasisTable {
		src = p.Provider + " list price, built-in table or --price-file"
	}
	batch := ""
	if p.Batch {
		batch = ", Batch API discount"
	}
	return fmt.Sprintf("price: $%g in / $%g out per million tokens (%s%s)", p.Price.Input, p.Price.Output, src, batch)
}

// rateLimits checks the flags and returns the client's limits.
func (h *hostedFlags) rateLimits() (llm.RateLimits, error) {
	for _, f := range []struct {
		name string
		v    float64
	}{{"--rpm", h.rpm}, {"--tpm", h.tpm}, {"--tpm-in", h.tpmIn}, {"--tpm-out", h.tpmOut}} {
		if f.v < 0 {
			return llm.RateLimits{}, fmt.Errorf("%s %v: want 0 (no limit) or more", f.name, f.v)
		}
	}
	return llm.RateLimits{
		RequestsPerMinute:     h.rpm,
		TokensPerMinute:       h.tpm,
		InputTokensPerMinute:  h.tpmIn,
		OutputTokensPerMinute: h.tpmOut,
		IgnoreHeaders:         h.ignoreHeaders,
	}, nil
}
