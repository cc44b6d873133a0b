package simserver

import (
	"fmt"
	"time"
)

// Defaults used where a Config field is zero.
const (
	DefaultAccuracy      = 0.6
	DefaultHintAccuracy  = 0.95
	DefaultFormatVariety = 0.25
	DefaultModel         = "regenesis-simulated"
	DefaultRetryAfter    = time.Second
	// MaxN is the largest n a request may ask for, as with OpenAI.
	MaxN = 128
)

// Config shapes the simulated model. The zero value is usable: every zero
// field takes the default documented on it.
type Config struct {
	// Model is the model name listed by /v1/models and echoed in responses.
	// Empty means DefaultModel.
	Model string
	// Seed makes every draw reproducible; two servers with the same Seed
	// and key answer the same requests identically.
	Seed int64
	// Accuracy is the mean probability, over questions, of a correct solve
	// (see the package doc for the per-question spread). Zero means
	// DefaultAccuracy; a negative value means 0.
	Accuracy float64
	// HintAccuracy is the probability that a hinted solve reaches the
	// hinted gold answer. Zero means DefaultHintAccuracy; a negative value
	// means 0.
	HintAccuracy float64
	// FormatVariety is the share of solve replies whose final answer is
	// written in another form than \boxed{X} ("The answer is X.", "#### X",
	// "Answer: (B)", "**Final answer:** X"). Boxed answers vary inside the
	// box as well ("1,234", "\$5", "50\%", "\dfrac{1}{2}"). Zero means
	// DefaultFormatVariety; a negative value means always \boxed{X}.
	FormatVariety float64
	// Latency delays every chat-completion request.
	Latency Latency
	// Faults injects failures.
	Faults Faults
	// NMode says what the server does with n > 1.
	NMode NMode
	// FineTune shapes the simulated files and fine-tuning API.
	FineTune FineTune
	// BatchDuration is how long a simulated Batch API batch takes from
	// creation to completion (batches.go); zero means DefaultBatchDuration.
	BatchDuration time.Duration
	// RateLimit enforces limits per minute with x-ratelimit-* headers
	// (ratelimit.go); zero means none.
	RateLimit RateLimit
}

// Latency is an added delay of Fixed plus a uniform draw in [0, Jitter).
type Latency struct {
	Fixed  time.Duration
	Jitter time.Duration
}

// Faults are the failure rates, each a probability in [0, 1] per request;
// their sum must not exceed 1. Which request fails is a deterministic
// function of Config.Seed and the request's number (counting from 0 in
// arrival order).
type Faults struct {
	RateLimit   float64 // 429 Too Many Requests with a Retry-After header
	ServerError float64 // 500 with an OpenAI-style error body
	Drop        float64 // the connection is closed without a response
	Truncate    float64 // 200, every choice cut short, finish_reason "length"
	Malformed   float64 // 200 with a body that is not valid JSON
	// RetryAfter is sent, in whole seconds rounded up, with 429 replies.
	// Zero means DefaultRetryAfter; a negative value sends "0".
	RetryAfter time.Duration
	// Script, when set, fixes the fault of the first len(Script) requests
	// in arrival order (FaultNone lets a request through); the rates apply
	// after it. Tests use it for exact sequences such as "429, then OK".
	Script []Fault
}

// Fault is a kind of injected failure.
type Fault uint8

// The faults.
const (
	FaultNone Fault = iota
	FaultRateLimit
	FaultServerError
	FaultDrop
	FaultTruncate
	FaultMalformed
	numFaults
)

var faultNames = [numFaults]string{"none", "rate_limit", "server_error", "drop", "truncate", "malformed"}

// String returns the fault's name, as used by the --fault flags.
func (f Fault) String() string {
	if f < numFaults {
		return faultNames[f]
	}
	return fmt.Sprintf("Fault(%d)", f)
}

// NMode is what the server does with a request for n > 1 choices.
type NMode uint8

// The n modes.
const (
	// NSupport returns n choices, as vLLM and OpenAI do.
	NSupport NMode = iota
	// NIgnore returns one choice whatever n is, as Ollama does.
	NIgnore
	// NReject answers n > 1 with 400, as some llama.cpp builds do.
	NReject
)

var nModeNames = [...]string{"support", "ignore", "reject"}

// String returns the mode's name as used by --n-mode.
func (m NMode) String() string {
	if int(m) < len(nModeNames) {
		return nModeNames[m]
	}
	return fmt.Sprintf("NMode(%d)", m)
}

// ParseNMode reads "support", "ignore" or "reject".
func ParseNMode(s string) (NMode, error) {
	for i, name := range nModeNames {
		if s == name {
			return NMode(i), nil
		}
	}
	return 0, fmt.Errorf("simserver: n mode %q: want support, ignore or reject", s)
}

// settings is a Config with defaults applied and values checked.
type settings struct {
	model         string
	seed          uint64
	accuracy      float64
	hintAccuracy  float64
	formatVariety float64
	latency       Latency
	faults        Faults
	retryAfter    string // header value
	nMode         NMode
	fineTune      ftSettings
	batchDuration time.Duration
}

func resolve(cfg Config) (settings, error) {
	s := settings{
		model:         cfg.Model,
		seed:          uint64(cfg.Seed),
		accuracy:      orDefault(cfg.Accuracy, DefaultAccuracy),
		hintAccuracy:  orDefault(cfg.HintAccuracy, DefaultHintAccuracy),
		formatVariety: orDefault(cfg.FormatVariety, DefaultFormatVariety),
		latency:       cfg.Latency,
		faults:        cfg.Faults,
		nMode:         cfg.NMode,
	}
	if s.model == "" {
		s.model = DefaultModel
	}
	for _, p := range []struct {
		name string
		v    float64
	}{
		{"Accuracy", s.accuracy}, {"HintAccuracy", s.hintAccuracy}, {"FormatVariety", s.formatVariety},
		{"Faults.RateLimit", cfg.Faults.RateLimit}, {"Faults.ServerError", cfg.Faults.ServerError},
		{"Faults.Drop", cfg.Faults.Drop}, {"Faults.Truncate", cfg.Faults.Truncate},
		{"Faults.Malformed", cfg.Faults.Malformed},
	} {
		if !(p.v >= 0 && p.v <= 1) { // also rejects NaN
			return settings{}, fmt.Errorf("simserver: config %s = %v: want a probability in [0, 1]", p.name, p.v)
		}
	}
	f := cfg.Faults
	if sum := f.RateLimit + f.ServerError + f.Drop + f.Truncate + f.Malformed; sum > 1+1e-9 {
		return settings{}, fmt.Errorf("simserver: config Faults: rates sum to %v, want at most 1", sum)
	}
	for i, fault := range f.Script {
		if fault >= numFaults {
			return settings{}, fmt.Errorf("simserver: config Faults.Script[%d] = %d: unknown fault", i, fault)
		}
	}
	if cfg.Latency.Fixed < 0 || cfg.Latency.Jitter < 0 {
		return settings{}, fmt.Errorf("simserver: config Latency %+v: durations must not be negative", cfg.Latency)
	}
	if cfg.NMode > NReject {
		return settings{}, fmt.Errorf("simserver: config NMode = %d: unknown mode", cfg.NMode)
	}
	ra := f.RetryAfter
	if ra == 0 {
		ra = DefaultRetryAfter
	}
	secs := int64(0)
	if ra > 0 {
		secs = int64((ra + time.Second - 1) / time.Second)
	}
	s.retryAfter = fmt.Sprint(secs)
	ft, err := resolveFineTune(cfg.FineTune)
	if err != nil {
		return settings{}, err
	}
	s.fineTune = ft
	if _, err := newRateLimiter(cfg.RateLimit); err != nil {
		return settings{}, err
	}
	switch {
	case cfg.BatchDuration < 0:
		return settings{}, fmt.Errorf("simserver: config BatchDuration = %v: want 0 (default) or more", cfg.BatchDuration)
	case cfg.BatchDuration == 0:
		s.batchDuration = DefaultBatchDuration
	default:
		s.batchDuration = cfg.BatchDuration
	}
	return s, nil
}

// orDefault maps zero to def and negative values to 0.
func orDefault(v, def float64) float64 {
	switch {
	case v == 0:
		return def
	case v < 0:
		return 0
	}
	return v
}
