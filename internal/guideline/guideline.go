// Package guideline holds the pool of general, task-agnostic reasoning
// guidelines that ReGenesis adapts to each question, and reads user pools.
package guideline

import (
	"fmt"
	"strings"
)

// Guideline is one general reasoning strategy.
type Guideline struct {
	// ID is stable across versions and runs; candidates record it.
	ID string `json:"id" yaml:"id"`
	// Name is a short label for reports.
	Name string `json:"name" yaml:"name"`
	// Text is the guideline as shown to the model.
	Text string `json:"text" yaml:"text"`
	// AssumesSolution marks guidelines that presuppose a current best
	// solution to doubt or revise. The hint round leaves them out, as the
	// reference does with its three "current best solution" guidelines.
	AssumesSolution bool `json:"assumes_solution,omitempty" yaml:"assumes_solution,omitempty"`
}

// Validate checks that every guideline has an ID and a text and that IDs are
// unique.
func Validate(gs []Guideline) error {
	if len(gs) == 0 {
		return fmt.Errorf("guideline pool is empty")
	}
	seen := make(map[string]int, len(gs))
	for i, g := range gs {
		switch {
		case strings.TrimSpace(g.ID) == "":
			return fmt.Errorf("guideline %d: field id is empty", i+1)
		case strings.TrimSpace(g.Text) == "":
			return fmt.Errorf("guideline %d (%s): field text is empty", i+1, g.ID)
		}
		if j, dup := seen[g.ID]; dup {
			return fmt.Errorf("guideline %d: id %q already used by guideline %d", i+1, g.ID, j+1)
		}
		seen[g.ID] = i
	}
	return nil
}

// Merge returns base followed by extra; an extra guideline whose ID is in
// base replaces it in place. The result is validated.
func Merge(base, extra []Guideline) ([]Guideline, error) {
	out := append([]Guideline(nil), base...)
	pos := make(map[string]int, len(out))
	for i, g := range out {
		pos[g.ID] = i
	}
	for _, g := range extra {
		if i, ok := pos[g.ID]; ok {
			out[i] = g
			continue
		}
		pos[g.ID] = len(out)
		out = append(out, g)
	}
	if err := Validate(out); err != nil {
		return nil, err
	}
	return out, nil
}

// ForHint returns the guidelines the hint round chooses from: the pool
// without those that assume a current solution.
func ForHint(gs []Guideline) []Guideline {
	out := make([]Guideline, 0, len(gs))
	for _, g := range gs {
		if !g.AssumesSolution {
			out = append(out, g)
		}
	}
	return out
}

// IDs returns the IDs of gs in order.
func IDs(gs []Guideline) []string {
	ids := make([]string, len(gs))
	for i, g := range gs {
		ids[i] = g.ID
	}
	return ids
}
