package method

import (
	"context"
	"fmt"
	"strings"

	"github.com/regenesis-ai/regenesis/internal/answer"
	"github.com/regenesis-ai/regenesis/internal/guideline"
	"github.com/regenesis-ai/regenesis/internal/prompts"
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
type selfDiscover struct {
	deps   Deps
	cfg    Config
	filter *Filter
}

func newSelfDiscover(d Deps, cfg Config) (Method, error) {
	if err := d.Validate(true); err != nil {
		return nil, err
	}
	if err := requireTemplates(d, tmplSDSelect, tmplSDAdapt, tmplSDStructure, tmplSDPath, tmplJudge); err != nil {
		return nil, err
	}
	return &selfDiscover{deps: d, cfg: cfg, filter: NewFilter(d, cfg)}, nil
}

func (m *selfDiscover) Name() string { return "selfdiscover" }

// Synthesize builds the question's structure and samples paths from it. When
// a stage before the paths fails, the outcome is one candidate that records
// the failure.
func (m *selfDiscover) Synthesize(ctx context.Context, ex task.Example) (Outcome, error) {
	out := Outcome{Example: ex, Calls: make(map[string]int)}
	calls := newCounter(&out)
	defer func() { out.Usage = calls.total() }()
	data := promptData(ex)
	data.Guidelines = m.deps.Guidelines
	// failed records a stage failure before the paths as the one candidate.
	failed := func(stage, why string, set []guideline.Guideline) Outcome {
		out.Candidates = []Candidate{{
			Task: ex.Task, QuestionID: ex.ID, Method: m.Name(), Round: RoundMain,
			GuidelineIDs: guideline.IDs(set), AdaptedGuidelines: data.Adapted,
			Verdict: answer.Unchecked, Reason: StageFailed(stage, why),
		}}
		return out
	}

	reply, why, err := m.step(ctx, ex, "select", tmplSDSelect, data, calls)
	if err != nil {
		return out, err
	}
	if why != "" {
		return failed("select", why, nil), nil
	}
	nums := ParseGuidelinePicks(reply, m.deps.Guidelines, sdMaxPicks)
	if len(nums) == 0 {
		return failed("select", "no module number or name in reply", nil), nil
	}
	set := make([]guideline.Guideline, len(nums))
	for i, n := range nums {
		set[i] = m.deps.Guidelines[n-1]
	}
	data.Guidelines = set

	for _, st := range []struct {
		stage, tmpl string
		dst         *string
	}{
		{"adapt", tmplSDAdapt, &data.Adapted},
		{"structure", tmplSDStructure, &data.Structure},
	} {
		reply, why, err := m.step(ctx, ex, st.stage, st.tmpl, data, calls)
		if err != nil {
			return out, err
		}
		if why != "" {
			return failed(st.stage, why, set), nil
		}
		*st.dst = reply
	}

	ids := guideline.IDs(set)
	r := sampleRound{
		method: m.Name(), round: RoundMain, stage: "path", tmpl: tmplSDPath,
		sampling: pathSampling(m.cfg, m.cfg.Temperature), n: m.cfg.Samples,
		adaptive: true, filter: m.filter, cfg: m.cfg,
		decorate: func(c *Candidate) {
			c.GuidelineIDs = ids
			c.AdaptedGuidelines = data.Adapted
			c.Structure = data.Structure
		},
	}
	cands, share, err := r.run(ctx, m.deps, ex, data, calls)
	out.Candidates, out.Agreement, out.Usage = cands, share, calls.total()
	out.StoppedEarly = err == nil && len(cands) < r.n
	return out, err
}

// step runs one single-sample stage and returns its trimmed reply, or why
// the reply is unusable.
func (m *selfDiscover) step(ctx context.Context, ex task.Example, stage, tmpl string, data prompts.Data, calls *counter) (reply, why string, err error) {
	text, err := m.deps.Prompts.Render(tmpl, data)
	if err != nil {
		return "", "", err
	}
	resp, err := calls.sample(ctx, m.deps, stage, text, m.sampling(stage), 1, SeedFor(m.cfg.Seed, ex.ID, stage, 0))
	if err != nil {
		return "", "", fmt.Errorf("%s: %w", stage, err)
	}
	switch {
	case len(resp.Choices) == 0:
		return "", "server returned no sample", nil
	case strings.TrimSpace(resp.Choices[0].Text) == "":
		return "", "empty reply", nil
	}
	return strings.TrimSpace(resp.Choices[0].Text), "", nil
}

func (m *selfDiscover) sampling(stage string) Sampling {
	return Sampling{Temperature: m.cfg.Temperature, TopP: m.cfg.TopP, MaxTokens: m.cfg.stageTokens(stage)}
}
