// Package progress shows how a long run is going: a live bar on a terminal
// (items done/total, requests/s, tokens/s, retries, errors, ETA) and a plain
// line every few seconds otherwise (CI, pipes, log files).
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
)

// Snapshot is a reading of the counters of the LLM traffic behind a run.
type Snapshot struct {
	Requests         int64 // requests sent to servers (retries included)
	Cached           int64 // samples served from the run store
	Retries          int64
	Errors           int64
	CompletionTokens int64
}

// Options configure a Display.
type Options struct {
	// Label names the work, e.g. "synthesize gsm8k/train".
	Label string
	// Total is the number of items expected; 0 when unknown.
	Total int64
	// Stats, when set, is read for the request and token counters.
	Stats func() Snapshot
	// Interval between plain lines; 5s when zero.
	Interval time.Duration
	// Live forces (true) or forbids (false) the live display; nil detects
	// whether the writer is a terminal.
	Live *bool
}

// Display reports progress until Stop is called. It is safe for concurrent use.
type Display struct {
	opts  Options
	w     io.Writer
	start time.Time
	done  atomic.Int64

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
	d := &Display{opts: opts, w: w, start: time.Now(), quit: make(chan struct{})}
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
	total := d.opts.Total
	if total <= 0 {
		total = 0
	}
	d.bar = d.p.AddBar(total,
		mpb.PrependDecorators(
			decor.Name(d.opts.Label, decor.WCSyncSpaceR),
			decor.CountersNoUnit("%d/%d", decor.WCSyncSpace),
		),
		mpb.AppendDecorators(
			decor.Any(func(decor.Statistics) string { return d.rates() }, decor.WCSyncSpace),
			decor.OnComplete(decor.AverageETA(decor.ET_STYLE_GO, decor.WCSyncSpace), "done"),
		),
	)
}

// Add records n finished items.
func (d *Display) Add(n int64) {
	d.done.Add(n)
	if d.bar != nil {
		d.bar.IncrInt64(n)
	}
}

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
		fmt.Fprintln(d.w, d.line())
	})
}

func (d *Display) plainLoop() {
	defer d.wg.Done()
	t := time.NewTicker(d.opts.Interval)
	defer t.Stop()
	for {
		select {
		case <-d.quit:
			return
		case <-t.C:
			fmt.Fprintln(d.w, d.line())
		}
	}
}

// line is the plain-text status line.
func (d *Display) line() string {
	var b strings.Builder
	done := d.done.Load()
	elapsed := time.Since(d.start)
	fmt.Fprintf(&b, "%s: %d", d.opts.Label, done)
	if d.opts.Total > 0 {
		fmt.Fprintf(&b, "/%d (%.1f%%)", d.opts.Total, 100*float64(done)/float64(d.opts.Total))
	}
	fmt.Fprintf(&b, " items, %s", d.rates())
	if d.opts.Total > 0 && done > 0 && done < d.opts.Total {
		eta := time.Duration(float64(elapsed) / float64(done) * float64(d.opts.Total-done))
		fmt.Fprintf(&b, ", ETA %s", eta.Round(time.Second))
	}
	fmt.Fprintf(&b, ", elapsed %s", elapsed.Round(time.Second))
	return b.String()
}

// rates renders the request and token counters.
func (d *Display) rates() string {
	if d.opts.Stats == nil {
		return ""
	}
	s := d.opts.Stats()
	secs := time.Since(d.start).Seconds()
	if secs <= 0 {
		secs = 1e-9
	}
	return fmt.Sprintf("%.1f req/s, %.0f tok/s, %d cached, %d retries, %d errors",
		float64(s.Requests)/secs, float64(s.CompletionTokens)/secs, s.Cached, s.Retries, s.Errors)
}
