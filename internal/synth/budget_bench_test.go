package synth

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/regenesis-ai/regenesis/internal/answer"
	"github.com/regenesis-ai/regenesis/internal/guideline"
	"github.com/regenesis-ai/regenesis/internal/llm"
	"github.com/regenesis-ai/regenesis/internal/method"
	"github.com/regenesis-ai/regenesis/internal/simserver"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// busyMeter wraps the simulated endpoint and measures, over the run, the
// time during which cap requests were in flight and the time integral of
// the requests in flight (their mean over the run, divided by cap, is the
// endpoint's utilization).
type busyMeter struct {
	inner http.Handler
	cap   int

	mu       sync.Mutex
	inFlight int
	since    time.Time // the last change of inFlight
	busy     time.Duration
	area     float64 // request-seconds
}

func (m *busyMeter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.change(+1)
	defer m.change(-1)
	m.inner.ServeHTTP(w, r)
}

func (m *busyMeter) change(d int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	if !m.since.IsZero() {
		dt := now.Sub(m.since)
		if m.inFlight >= m.cap {
			m.busy += dt
		}
		m.area += float64(m.inFlight) * dt.Seconds()
	}
	m.inFlight += d
	m.since = now
}

// demandMeter is an llm.Completer that measures, with a busyMeter's
// accounting, the requests the synthesis has asked the client for and not
// yet got back: the demand it offers the endpoint.
type demandMeter struct {
	inner llm.Completer
	level *busyMeter
}

func (d *demandMeter) Complete(ctx context.Context, r llm.Request) (*llm.Response, error) {
	d.level.change(+1)
	defer d.level.change(-1)
	return d.inner.Complete(ctx, r)
}

// share returns the share of wall at the cap and the utilization.
func (m *busyMeter) share(wall time.Duration) (atCap, utilization float64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.busy.Seconds() / wall.Seconds(), m.area / float64(m.cap) / wall.Seconds()
}

// budgetBenchQuestions returns perP questions for each chain success
// probability in ps, interleaved (one of each probability in turn, as a
// mixed task would come): toy questions drawn until the simulated model's
// probability of a right solve is within 0.02 of the target.
func budgetBenchQuestions(sim *simserver.Server, ps []float64, perP int) ([]task.Example, map[string]float64) {
	buckets := make([][]task.Example, len(ps))
	probOf := map[string]float64{}
	for i, found := 0, 0; found < perP*len(ps); i++ {
		a, b := 2+i%97, 3+i/97
		q := fmt.Sprintf("Ann has %d marbles and finds %d more. How many marbles does Ann have now? (case %d)", a, b, i)
		pq := sim.CorrectProbability(q)
		for j, p := range ps {
			if len(buckets[j]) < perP && pq > p-0.02 && pq < p+0.02 {
				id := fmt.Sprintf("b%05d", i)
				buckets[j] = append(buckets[j], task.Example{ID: id, Task: "toy", Question: q, Spec: answer.Spec{Type: answer.Number}, Answer: fmt.Sprint(a + b)})
				probOf[id] = p
				found++
				break
			}
		}
	}
	exs := make([]task.Example, 0, perP*len(ps))
	for k := range perP {
		for j := range ps {
			exs = append(exs, buckets[j][k])
		}
	}
	return exs, probOf
}

// budgetRow sums one budget's outcomes at one success probability.
type budgetRow struct {
	questions, kept, covered, sets, multi int
	similarity                            float64
	usage                                 method.Usage
	stopped                               int
}

func (r *budgetRow) add(o method.Outcome) {
	r.questions++
	r.usage.Add(o.Usage)
	if o.StoppedEarly {
		r.stopped++
	}
	kept := o.Kept()
	r.kept += len(kept)
	if len(kept) > 0 {
		r.covered++
	}
	sets := map[string]bool{}
	var paths []string
	for _, c := range kept {
		sets[strings.Join(c.GuidelineIDs, ",")] = true
		paths = append(paths, c.Path)
	}
	r.sets += len(sets)
	if s, ok := method.MeanPairwiseSimilarity(paths); ok {
		r.multi++
		r.similarity += s
	}
}

func (r *budgetRow) perKept(v int64) float64 { return float64(v) / float64(max(r.kept, 1)) }

// BenchmarkBudget synthesizes, with ReGenesis' default settings, 200
// questions at each per-chain success probability 0.1 ... 0.9 on the
// simulated endpoint (64 requests in flight, 25 ms each; answers always
// boxed), once with the
// paper budget and once with the adaptive one, and logs a side-by-side
// table: samples, requests and tokens per kept path, kept paths per
// question, distinct guideline sets and mean pairwise similarity of the
// kept paths; the share of the run the synthesis asked the client for at
// least the cap's requests (its demand), and the endpoint's utilization
// and share of the run at its cap.
//
//	go test ./internal/synth -run '^$' -bench BenchmarkBudget -benchtime 1x
func BenchmarkBudget(b *testing.B) {
	const (
		perP        = 200
		concurrency = 64
		latency     = 25 * time.Millisecond
	)
	ps := []float64{0.1, 0.3, 0.5, 0.7, 0.9}
	simCfg := simserver.Config{Seed: 7, Accuracy: 0.5, FormatVariety: -1, Latency: simserver.Latency{Fixed: latency}}
	probe := simserver.New(simCfg, nil)
	exs, probOf := budgetBenchQuestions(probe, ps, perP)
	key := simserver.Key(exs...)
	p := testPrompts(b)
	budgets := []string{method.BudgetPaper, method.BudgetAdaptive}
	for b.Loop() {
		rows := map[string]map[float64]*budgetRow{}
		busy, util, offered := map[string]float64{}, map[string]float64{}, map[string]float64{}
		dropped := map[string]map[string]int{}
		for _, budget := range budgets {
			sim := simserver.New(simCfg, key)
			meter := &busyMeter{inner: sim, cap: concurrency}
			ts := httptest.NewServer(meter)
			c, err := llm.NewClient(llm.Options{BaseURLs: []string{ts.URL}, Concurrency: concurrency, MaxRetries: llm.DefaultMaxRetries, GiveUpAfter: llm.DefaultGiveUpAfter})
			if err != nil {
				b.Fatal(err)
			}
			cfg := method.DefaultConfig()
			cfg.Budget = budget
			demand := &demandMeter{inner: c, level: &busyMeter{cap: concurrency}}
			m, err := method.New("regenesis", method.Deps{LLM: demand, Model: simserver.DefaultModel, Prompts: p, Guidelines: guideline.Default()}, cfg)
			if err != nil {
				b.Fatal(err)
			}
			rows[budget] = map[float64]*budgetRow{}
			for _, q := range ps {
				rows[budget][q] = &budgetRow{}
			}
			start := time.Now()
			man, err := Run(context.Background(), Options{
				Method: m, Examples: seq(exs), Prompts: p, OutDir: b.TempDir(),
				InFlight:  InFlightFor(concurrency, method.FanOut(m)),
				OnWritten: func(o method.Outcome, _ Counts) { rows[budget][probOf[o.Example.ID]].add(o) },
			})
			wall := time.Since(start)
			if err != nil {
				b.Fatal(err)
			}
			busy[budget], util[budget] = meter.share(wall)
			offered[budget], _ = demand.level.share(wall)
			dropped[budget] = man.Counts.Dropped
			ts.Close()
		}
		var sb strings.Builder
		sb.WriteString("\n| p | budget | samples / kept | requests / kept | tokens / kept | kept / question | stopped early | guideline sets / covered q. | pairwise similarity ↓ |\n")
		sb.WriteString("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
		all := map[string]*budgetRow{}
		for _, q := range ps {
			for _, budget := range budgets {
				r := rows[budget][q]
				writeBudgetRow(&sb, fmt.Sprintf("%.1f", q), budget, r)
				t := all[budget]
				if t == nil {
					t = &budgetRow{}
					all[budget] = t
				}
				t.questions += r.questions
				t.kept += r.kept
				t.covered += r.covered
				t.sets += r.sets
				t.multi += r.multi
				t.similarity += r.similarity
				t.usage.Add(r.usage)
				t.stopped += r.stopped
			}
		}
		for _, budget := range budgets {
			writeBudgetRow(&sb, "all", budget, all[budget])
		}
		pa, ad := all[method.BudgetPaper], all[method.BudgetAdaptive]
		tok := func(r *budgetRow) float64 { return r.perKept(r.usage.PromptTokens + r.usage.CompletionTokens) }
		fmt.Fprintf(&sb, "\nadaptive / paper: tokens per kept path %.2f, samples per kept path %.2f, kept paths %.3f\n",
			tok(ad)/tok(pa), ad.perKept(ad.usage.Samples)/pa.perKept(pa.usage.Samples), float64(ad.kept)/float64(pa.kept))
		for _, budget := range budgets {
			fmt.Fprintf(&sb, "%s: synthesis asked for at least cap requests %.1f%% of the run; endpoint utilization (mean requests in flight / cap) %.1f%%, at its cap %.1f%% of the run\n",
				budget, 100*offered[budget], 100*util[budget], 100*busy[budget])
		}
		for _, budget := range budgets {
			fmt.Fprintf(&sb, "%s: dropped %v\n", budget, dropped[budget])
		}
		fmt.Println(sb.String()) // b.Log cuts benchmark output at ten lines
		b.ReportMetric(tok(ad)/tok(pa), "token-ratio")
		b.ReportMetric(util[method.BudgetAdaptive], "adaptive-utilization")
		b.ReportMetric(util[method.BudgetPaper], "paper-utilization")
		b.ReportMetric(offered[method.BudgetAdaptive], "adaptive-demand-at-cap")
	}
}

func writeBudgetRow(sb *strings.Builder, p, budget string, r *budgetRow) {
	fmt.Fprintf(sb, "| %s | %s | %.1f | %.1f | %.0f | %.2f | %d / %d | %.2f | %.3f |\n",
		p, budget, r.perKept(r.usage.Samples), r.perKept(r.usage.Requests), r.perKept(r.usage.PromptTokens+r.usage.CompletionTokens),
		float64(r.kept)/float64(r.questions), r.stopped, r.questions,
		float64(r.sets)/float64(max(r.covered, 1)), r.similarity/float64(max(r.multi, 1)))
}
