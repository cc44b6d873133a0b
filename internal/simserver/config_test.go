package simserver

import (
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  Config
		want string // "" for valid
	}{
		{"zero value", Config{}, ""},
		{"negative means zero", Config{Accuracy: -1, HintAccuracy: -1, FormatVariety: -1}, ""},
		{"accuracy over 1", Config{Accuracy: 1.5}, "Accuracy = 1.5"},
		{"hint accuracy", Config{HintAccuracy: 2}, "HintAccuracy"},
		{"fault rate", Config{Faults: Faults{Drop: -0.1}}, "Faults.Drop"},
		{"fault sum", Config{Faults: Faults{RateLimit: 0.6, ServerError: 0.6}}, "sum to 1.2"},
		{"script", Config{Faults: Faults{Script: []Fault{FaultNone, 99}}}, "Faults.Script[1]"},
		{"latency", Config{Latency: Latency{Fixed: -time.Second}}, "Latency"},
		{"n mode", Config{NMode: 7}, "NMode"},
		{"fine-tune duration", Config{FineTune: FineTune{Duration: -time.Second}}, "FineTune"},
		{"fine-tune uplift", Config{FineTune: FineTune{Uplift: 1.5}}, "FineTune.Uplift"},
		{"fine-tune negative uplift means zero", Config{FineTune: FineTune{Uplift: -1}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Validate = %v, want an error mentioning %q", err, tt.want)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	st, err := resolve(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if st.accuracy != DefaultAccuracy || st.hintAccuracy != DefaultHintAccuracy || st.formatVariety != DefaultFormatVariety ||
		st.model != DefaultModel || st.retryAfter != "1" {
		t.Errorf("defaults = %+v", st)
	}
	if ft := st.fineTune; ft.duration != DefaultFineTuneDuration || ft.uplift != DefaultUplift || ft.minExamples != DefaultMinExamples || ft.maxBytes != DefaultMaxFileBytes {
		t.Errorf("fine-tune defaults = %+v", ft)
	}
	st, _ = resolve(Config{Faults: Faults{RetryAfter: -1}})
	if st.retryAfter != "0" {
		t.Errorf("negative RetryAfter gives %q, want 0", st.retryAfter)
	}
}

func TestParseNMode(t *testing.T) {
	t.Parallel()
	for _, m := range []NMode{NSupport, NIgnore, NReject} {
		if got, err := ParseNMode(m.String()); err != nil || got != m {
			t.Errorf("ParseNMode(%q) = %v, %v", m.String(), got, err)
		}
	}
	if _, err := ParseNMode("sometimes"); err == nil {
		t.Error("ParseNMode accepted an unknown mode")
	}
}

func TestNewPanicsOnBadConfig(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("New accepted Accuracy 3")
		}
	}()
	New(Config{Accuracy: 3}, nil)
}
