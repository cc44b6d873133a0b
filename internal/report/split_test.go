package report

import (
	"testing"

	"github.com/regenesis-ai/regenesis/internal/eval"
)

func TestRunSplit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		res  eval.Results
		want string
	}{
		{"given", eval.Results{Split: "dev", Tasks: map[string]*eval.TaskResult{"a": {Split: "dev"}}}, "dev"},
		{"per-task defaults", eval.Results{Tasks: map[string]*eval.TaskResult{
			"gsm8k": {Split: "test"}, "strategyqa": {Split: "dev"}, "svamp": {Split: "test"}}}, "dev, test"},
		{"none", eval.Results{}, ""},
	}
	for _, tt := range tests {
		if got := runSplit(&tt.res); got != tt.want {
			t.Errorf("%s: runSplit = %q, want %q", tt.name, got, tt.want)
		}
	}
}
