package train

import (
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
)

// Versions are the installed versions of the Python distributions the
// engines use ("transformers" -> "5.15.0"), as the preflight read them once.
// A missing entry is unknown: the config writers then write for the current
// versions (see CurrentVersions) with the keys every version accepts.
type Versions map[string]string

// CurrentVersions are the newest releases whose sources the config writers
// were checked against (docs/TRAINING.md names the commits).
func CurrentVersions() Versions {
	return Versions{
		"transformers": "5.15.0", "trl": "1.9.0", "accelerate": "1.14.0",
		"peft": "0.19.1", "llamafactory": "0.9.5", "axolotl": "0.18.0",
	}
}

// version returns the installed version of dist, when known.
func (v Versions) version(dist string) (string, bool) {
	s, ok := v[dist]
	return s, ok && s != ""
}

// atLeast reports whether dist is installed at min or later; unknown
// versions count as current.
func (v Versions) atLeast(dist, min string) bool {
	s, ok := v.version(dist)
	return !ok || !versionLess(s, min)
}

// Version thresholds found in the trainers' sources.
const (
	// transformers 5.0 deprecated warmup_ratio and made warmup_steps take a
	// ratio below 1; 5.15 removed warmup_ratio.
	tfWarmupStepsRatio = "5.0"
	tfNoWarmupRatio    = "5.15"
	// transformers 4.56 renamed from_pretrained's torch_dtype to dtype.
	tfDtype = "4.56"
	// TRL's ModelConfig took dtype in 0.24 and dropped torch_dtype in 0.27.
	trlDtype   = "0.24"
	trlNoTorch = "0.27"
	// accelerate runs FSDP2 (fsdp_version: 2) from 1.7.
	accFSDP2 = "1.7"
)

// keyRule says which versions of a distribution accept a config key: from
// since (inclusive) to until (exclusive); empty bounds are open.
type keyRule struct {
	key, dist, since, until, hint string
}

// keyRules lists the keys the TRL and LLaMA-Factory configs (and their
// command lines) may hold that some versions reject: TRL hands keys its
// parser does not know to `accelerate launch`, which aborts, and
// LLaMA-Factory refuses unknown keys.
func keyRules(engine string) []keyRule {
	common := []keyRule{
		{key: "warmup_ratio", dist: "transformers", until: tfNoWarmupRatio, hint: "transformers 5.15 removed it: use warmup_steps (a ratio below 1 from transformers 5.0)"},
	}
	switch engine {
	case EngineTRL:
		return append(common,
			keyRule{key: "max_length", dist: "trl", since: "0.16", hint: "older TRL calls it max_seq_length"},
			keyRule{key: "completion_only_loss", dist: "trl", since: "0.17"},
			keyRule{key: "assistant_only_loss", dist: "trl", since: "0.19"},
			keyRule{key: "max_seq_length", dist: "trl", until: "0.20", hint: "use max_length"},
			keyRule{key: "dtype", dist: "trl", since: trlDtype, hint: "older TRL calls it torch_dtype"},
			keyRule{key: "torch_dtype", dist: "trl", until: trlNoTorch, hint: "use dtype"},
		)
	case EngineLlamaFactory:
		return common
	}
	return nil
}

// checkKeys reports the first key of the written config (or of the extra
// command-line arguments) that the installed versions reject, naming the
// key, the file and the version, before any GPU time is spent. It also
// checks that a warmup_steps ratio is only given to transformers 5.0 or later.
func checkKeys(engine, path string, extra []string, v Versions) error {
	rules := keyRules(engine)
	if rules == nil {
		return nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var cfg map[string]any
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	type entry struct {
		key, where string
		value      any
	}
	var entries []entry
	keys := make([]string, 0, len(cfg))
	for k := range cfg {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		entries = append(entries, entry{k, path, cfg[k]})
	}
	for _, a := range extra {
		var k, val string
		switch engine {
		case EngineTRL:
			if !strings.HasPrefix(a, "--") {
				continue
			}
			k, val, _ = strings.Cut(strings.TrimPrefix(a, "--"), "=")
		case EngineLlamaFactory:
			var ok bool
			if k, val, ok = strings.Cut(a, "="); !ok {
				continue
			}
		}
		entries = append(entries, entry{k, "--extra-arg " + a, val})
	}
	for _, e := range entries {
		for _, r := range rules {
			if r.key != e.key {
				continue
			}
			got, ok := v.version(r.dist)
			if !ok {
				continue
			}
			if (r.since != "" && versionLess(got, r.since)) || (r.until != "" && !versionLess(got, r.until)) {
				span := ""
				switch {
				case r.since != "" && r.until != "":
					span = fmt.Sprintf("%s %s to %s", r.dist, r.since, r.until)
				case r.since != "":
					span = fmt.Sprintf("%s %s or later", r.dist, r.since)
				default:
					span = fmt.Sprintf("%s before %s", r.dist, r.until)
				}
				msg := fmt.Sprintf("%s: key %s is not accepted by the installed %s %s (only by %s)", e.where, e.key, r.dist, got, span)
				if r.hint != "" {
					msg += "; " + r.hint
				}
				return fmt.Errorf("%s", msg)
			}
		}
		if e.key == "warmup_steps" {
			if f, ok := asFloat(e.value); ok && f != math.Trunc(f) {
				if got, ok := v.version("transformers"); ok && versionLess(got, tfWarmupStepsRatio) {
					return fmt.Errorf("%s: warmup_steps %g is a ratio, which the installed transformers %s reads as a step count (ratios need transformers 5.0 or later; use warmup_ratio)", e.where, f, got)
				}
			}
		}
	}
	return nil
}

func asFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case uint64:
		return float64(x), true
	case int64:
		return float64(x), true
	case string:
		f, err := strconv.ParseFloat(x, 64)
		return f, err == nil
	}
	return 0, false
}

// warmupKeys returns the TrainingArguments warmup key and value the
// installed transformers accepts: warmup_steps as the ratio itself from
// transformers 5.0 (the trainer resolves it against the real step count),
// warmup_ratio before; with the version unknown, warmup_steps as a whole
// number of steps computed from the data size, epochs, batch size,
// gradient accumulation and the number of processes, which every version
// accepts.
func warmupKeys(o *Options, examples int) (ratio *pyFloat, steps *pyNumber) {
	h := o.Hyper
	if tf, ok := o.Versions.version("transformers"); ok {
		if versionLess(tf, tfWarmupStepsRatio) {
			r := pyFloat(h.Warmup)
			return &r, nil
		}
		s := pyNumber(h.Warmup)
		return nil, &s
	}
	s := pyNumber(float64(warmupSteps(examples, h, o.processes())))
	return nil, &s
}

// warmupSteps is transformers' warmup step count for a ratio:
// ceil(total optimizer steps * ratio), the total being
// max(batches per process // grad_accum, 1) per epoch, times the epochs.
func warmupSteps(examples int, h Hyper, processes int) int {
	if h.Warmup == 0 || examples == 0 {
		return 0
	}
	batches := (examples + h.BatchSize*processes - 1) / (h.BatchSize * processes)
	perEpoch := max(batches/h.GradAccum, 1)
	total := int(math.Ceil(h.Epochs * float64(perEpoch)))
	return int(math.Ceil(float64(total) * h.Warmup))
}

// pyNumber is a YAML number written as an integer when whole ("12") and
// as a PyYAML-readable float otherwise ("0.03").
type pyNumber float64

// MarshalYAML implements yaml.BytesMarshaler.
func (n pyNumber) MarshalYAML() ([]byte, error) {
	if f := float64(n); f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return []byte(strconv.FormatInt(int64(f), 10)), nil
	}
	return []byte(formatPyFloat(float64(n))), nil
}

// String lists the versions as "dist version" pairs in name order.
func (v Versions) String() string {
	names := make([]string, 0, len(v))
	for k := range v {
		names = append(names, k)
	}
	slices.Sort(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = n + " " + v[n]
	}
	return strings.Join(parts, ", ")
}
