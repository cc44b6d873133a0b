package method

import (
	"context"
	"fmt"

	"github.com/regenesis-ai/regenesis/internal/answer"
	"github.com/regenesis-ai/regenesis/internal/guideline"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// The Self-Discover prompt templates.
const (
	tmplSDSelect    = "selfdiscover/select"
	tmplSDAdapt     = "selfdiscover/adapt"
	tmplSDStructure = "selfdiscover/structure"
	tmplSDPath      = "selfdiscover/path"
)

// sdMaxPicks is the most modules taken from the selection reply; the prompt
// asks for two to four.
const sdMaxPicks = 4

// selfDiscover builds Self-Discover-style data (Zhou et al., 2024): per
// question one chain select -> adapt -> structure, that is one reasoning
// structure from the selected guidelines, then Samples paths following that
// one structure, filtered by the shared filter chain. Unlike ReGenesis there
// is no guideline set per path, so paths differ only by sampling.
type selfDiscover struct{ Base }

func newSelfDiscover(name string, d Deps, cfg Config) (Method, error) {
	b, err := NewBase(name, d, cfg, true, tmplSDSelect, tmplSDAdapt, tmplSDStructure, tmplSDPath)
	if err != nil {
		return nil, err
	}
	return &selfDiscover{b}, nil
}

// FanOut is that of the paths: Samples, or a wave of them (the stages
// before them send one request at a time).
func (m *selfDiscover) FanOut() int { return m.RoundFanOut(m.Config.Samples) }

// Synthesize builds the question's structure and samples paths from it. When
// a stage before the paths fails, the outcome is one candidate that records
// the failure.
func (m *selfDiscover) Synthesize(ctx context.Context, ex task.Example) (Outcome, error) {
	q := m.Begin(ex)
	data := q.Data()
	data.Guidelines = m.Deps.Guidelines
	// failed records a stage failure before the paths as the one candidate.
	failed := func(stage, why string, set []guideline.Guideline) (Outcome, error) {
		q.Out.Candidates = []Candidate{{
			Task: ex.Task, QuestionID: ex.ID, Method: m.Name(), Round: RoundMain,
			GuidelineIDs: guideline.IDs(set), AdaptedGuidelines: data.Adapted,
			Verdict: answer.Unchecked, Reason: StageFailed(stage, why),
		}}
		return q.Done(), nil
	}
	// step runs one stage before the paths.
	step := func(stage, tmpl string) (string, string, error) {
		reply, why, err := q.Step(ctx, stage, tmpl, data, m.Sampling(stage, m.Config.Temperature), 0)
		if err != nil {
			return "", "", fmt.Errorf("%s: %w", stage, err)
		}
		return reply, why, nil
	}

	reply, why, err := step("select", tmplSDSelect)
	if err != nil {
		return q.Done(), err
	}
	if why != "" {
		return failed("select", why, nil)
	}
	nums := ParseGuidelinePicks(reply, m.Deps.Guidelines, sdMaxPicks)
	if len(nums) == 0 {
		return failed("select", "no module number or name in reply", nil)
	}
	set := make([]guideline.Guideline, len(nums))
	for i, n := range nums {
		set[i] = m.Deps.Guidelines[n-1]
	}
	data.Guidelines = set

	for _, st := range []struct {
		stage, tmpl string
		dst         *string
	}{
		{"adapt", tmplSDAdapt, &data.Adapted},
		{"structure", tmplSDStructure, &data.Structure},
	} {
		reply, why, err := step(st.stage, st.tmpl)
		if err != nil {
			return q.Done(), err
		}
		if why != "" {
			return failed(st.stage, why, set)
		}
		*st.dst = reply
	}

	ids := guideline.IDs(set)
	_, share, err := q.Sample(ctx, Round{
		Stage: "path", Template: tmplSDPath, Temperature: m.Config.Temperature, N: m.Config.Samples, Adaptive: true,
		Decorate: func(c *Candidate) {
			c.GuidelineIDs = ids
			c.AdaptedGuidelines = data.Adapted
			c.Structure = data.Structure
		},
	}, data)
	q.Out.Agreement = share
	return q.Done(), err
}
