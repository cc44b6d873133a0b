package cli

import (
	"fmt"

	"github.com/spf13/pflag"

	"github.com/regenesis-ai/regenesis/internal/llm"
)

// hostedFlags are the model-server flags that matter most for hosted APIs:
// rate limits per server.
type hostedFlags struct {
	rpm, tpm, tpmIn, tpmOut float64
	ignoreHeaders           bool
}

// addHostedFlags registers the rate-limit flags.
func addHostedFlags(fs *pflag.FlagSet) *hostedFlags {
	h := &hostedFlags{}
	fs.Float64Var(&h.rpm, "rpm", 0, "most requests per minute per server (0: none of its own; the server's x-ratelimit-* headers are followed anyway)")
	fs.Float64Var(&h.tpm, "tpm", 0, "most tokens (prompt + completion) per minute per server (0: none)")
	fs.Float64Var(&h.tpmIn, "tpm-in", 0, "most prompt tokens per minute per server (0: none)")
	fs.Float64Var(&h.tpmOut, "tpm-out", 0, "most completion tokens per minute per server (0: none)")
	fs.BoolVar(&h.ignoreHeaders, "ignore-ratelimit-headers", false, "do not follow the servers' x-ratelimit-* headers")
	return h
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
