// Package progress shows how a long run is going: a live bar on a terminal
// and a plain line every few seconds otherwise (CI, pipes, log files). Both
// show the items done, the elapsed time, an ETA, the request and token
// rates, the requests retried and the calls that failed, and, where the
// caller counts them, the kept paths.
//
// The ETA comes from the rate of this run's new work only: items served
// entirely from the run store (a resumed run replaying what it already
// paid for) are counted as done but not in the rate, and there is no ETA
// until one new item has finished.
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/term"

	"github.com/regenesis-ai/regenesis/internal/cost"
)

// Snapshot is a reading of the counters of the LLM traffic behind a run.
type Snapshot struct {
	Requests         int64 // HTTP attempts sent to servers (retries included)
	Cached           int64 // samples served from the run store
	Retries          int64 // attempts that repeated a failed one
	CompletionTokens int64
	// Spent is what this run's requests cost in dollars, nil when no price
	// applies (no pricing given) or it is unknown (Unpriced).
	Spent    *float64
	Unpriced bool
}

// Options configure a Display.
type Options struct {
	// Label names the work, e.g. "synthesize gsm8k/train".
	Label string
	// Total is the number of items expected; 0 when unknown.
	Total int64
	// Stats, when set, is read for the request and token counters.
	Stats func() Snapshot
	// Kept, when true, shows the count given to SetKept ("kept paths").
	Kept bool
	// Interval between plain lines; 5s when zero.
	Interval time.Duration
	// Ticks, when set, replaces the plain-line ticker (tests drive it).
	Ticks <-chan time.Time
	// Now is the clock; time.Now when nil (tests pass a fake one).
	Now func() time.Time
	// Live forces (true) or forbids (false) the live display; nil detects
	// whether the writer is a terminal.
	Live *bool
}

// Display reports progress until Stop is called. It is safe for concurrent use.
type Display struct {
	opts  Options
	w     io.Writer
	start time.Time

	done   atomic.Int64 // items finished, new or from the store
	fresh  atomic.Int64 // items finished that needed new work
	failed atomic.Int64 // calls that failed after their retries
	kept   atomic.Int64

	// live mode
	p   *mpb.Progress
	bar *mpb.Bar

	// plain mode
	quit     chan struct{}
	wg       sync.WaitGroup
	stopOnce sync.Once
}

// Start begins reporting to w.
func Start(w io.Writer, opts Options) *Display {
	if opts.Interval <= 0 {
		opts.Interval = 5 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	d := &Display{opts: opts, w: w, start: opts.Now(), quit: make(chan struct{})}
	live := isTerminal(w)
	if opts.Live != nil {
		live = *opts.Live
	}
	if live {
		d.startLive()
	} else {
		d.wg.Add(1)
		go d.plainLoop()
	}
	return d
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func (d *Display) startLive() {
	d.p = mpb.New(mpb.WithOutput(d.w), mpb.WithRefreshRate(200*time.Millisecond), mpb.WithWidth(30))
	d.bar = d.p.AddBar(max(d.opts.Total, 0),
		mpb.PrependDecorators(
			decor.Name(d.opts.Label, decor.WCSyncSpaceR),
			decor.CountersNoUnit("%d/%d", decor.WCSyncSpace),
		),
		mpb.AppendDecorators(
			decor.Any(func(decor.Statistics) string { return d.status(d.opts.Now()) }, decor.WCSyncSpace),
		),
	)
}

// Add records n finished items that needed new work (at least one sample
// not served from the run store).
func (d *Display) Add(n int64) {
	d.fresh.Add(n)
	d.AddDone(n)
}

// AddDone records n finished items without saying whether they needed new
// work; callers that learn it apart (see Tracker) use it with AddFresh.
func (d *Display) AddDone(n int64) {
	d.done.Add(n)
	if d.bar != nil {
		d.bar.IncrInt64(n)
	}
}

// AddFresh records that n items needed new work, without counting them as
// done (AddDone does, possibly later: output is written in input order).
func (d *Display) AddFresh(n int64) { d.fresh.Add(n) }

// AddFailed records n calls that failed after their retries.
func (d *Display) AddFailed(n int64) { d.failed.Add(n) }

// SetKept sets the count of kept paths shown when Options.Kept is set.
func (d *Display) SetKept(n int64) { d.kept.Store(n) }

// Stop ends the display and writes a final summary line.
func (d *Display) Stop() {
	d.stopOnce.Do(func() {
		close(d.quit)
		if d.bar != nil {
			if d.opts.Total <= 0 || d.done.Load() < d.opts.Total {
				d.bar.Abort(false)
			}
			d.p.Wait()
		}
		d.wg.Wait()
		fmt.Fprintln(d.w, d.line(d.opts.Now()))
	})
}

func (d *Display) plainLoop() {
	defer d.wg.Done()
	ticks := d.opts.Ticks
	if ticks == nil {
		t := time.NewTicker(d.opts.Interval)
		defer t.Stop()
		ticks = t.C
	}
	for {
		select {
		case <-d.quit:
			return
		case <-ticks:
			fmt.Fprintln(d.w, d.line(d.opts.Now()))
		}
	}
}

// line is the plain-text status line at time now.
func (d *Display) line(now time.Time) string {
	var b strings.Builder
	done := d.done.Load()
	fmt.Fprintf(&b, "%s: %d", d.opts.Label, done)
	if d.opts.Total > 0 {
		fmt.Fprintf(&b, "/%d (%.1f%%)", d.opts.Total, 100*float64(done)/float64(d.opts.Total))
	}
	b.WriteString(" items, ")
	b.WriteString(d.status(now))
	return b.String()
}

// status renders everything but the label and the counts of items: the
// live bar shows those itself.
func (d *Display) status(now time.Time) string {
	elapsed := max(now.Sub(d.start), 0)
	parts := []string{"elapsed " + elapsed.Round(time.Second).String(), d.eta(elapsed)}
	if d.opts.Kept {
		parts = append(parts, fmt.Sprintf("%d kept paths", d.kept.Load()))
	}
	var s Snapshot
	if d.opts.Stats != nil {
		s = d.opts.Stats()
		secs := elapsed.Seconds()
		if secs <= 0 {
			secs = 1e-9
		}
		parts = append(parts,
			fmt.Sprintf("%.1f req/s", float64(s.Requests)/secs),
			fmt.Sprintf("%.0f tok/s", float64(s.CompletionTokens)/secs),
			fmt.Sprintf("%d cached", s.Cached))
		if m := d.money(s); m != "" {
			parts = append(parts, m)
		}
	}
	parts = append(parts, fmt.Sprintf("%d retried", s.Retries), fmt.Sprintf("%d failed", d.failed.Load()))
	return strings.Join(parts, ", ")
}

// money renders what the run spent, and per kept path when paths are
// counted: "$0.0123 spent ($0.0004/kept path)", "cost unknown".
func (d *Display) money(s Snapshot) string {
	switch {
	case s.Unpriced:
		return "cost unknown"
	case s.Spent == nil:
		return ""
	}
	out := cost.FormatDollars(*s.Spent) + " spent"
	if k := d.kept.Load(); d.opts.Kept && k > 0 {
		out += " (" + cost.FormatDollars(*s.Spent/float64(k)) + "/kept path)"
	}
	return out
}

// eta estimates the time left from the rate of new items: "ETA -" until
// one has finished, "done" when every item is.
func (d *Display) eta(elapsed time.Duration) string {
	done, fresh, total := d.done.Load(), d.fresh.Load(), d.opts.Total
	switch {
	case total > 0 && done >= total:
		return "ETA done"
	case total <= 0 || fresh <= 0 || elapsed <= 0:
		return "ETA -"
	}
	left := float64(total - done)
	eta := time.Duration(left / float64(fresh) * float64(elapsed))
	return "ETA " + eta.Round(time.Second).String()
}
