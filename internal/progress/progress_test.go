package progress

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/regenesis-ai/regenesis/internal/llm"
)

// syncBuffer is a bytes.Buffer safe for the display's goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

var off = false

func TestLine(t *testing.T) {
	t.Parallel()
	type step struct {
		advance      time.Duration
		fresh, cache int64
		failed       int64
		kept         int64
	}
	tests := []struct {
		name  string
		total int64
		kept  bool
		stats Snapshot
		steps []step
		want  string
	}{
		{
			name:  "no ETA before the first item",
			total: 10,
			steps: []step{{advance: 30 * time.Second}},
			want:  "job: 0/10 (0.0%) items, elapsed 30s, ETA -, 0 retried, 0 failed",
		},
		{
			name:  "ETA from the rate of new items",
			total: 10,
			steps: []step{{advance: 20 * time.Second, fresh: 2}},
			// 2 items in 20s: 8 left take 80s.
			want: "job: 2/10 (20.0%) items, elapsed 20s, ETA 1m20s, 0 retried, 0 failed",
		},
		{
			name:  "cached items are done but not in the rate",
			total: 100,
			// A resume replays 90 items from the store in 1s, then one new
			// item finishes 10s later: 9 left at 1 per 11s.
			steps: []step{{advance: time.Second, cache: 90}, {advance: 10 * time.Second, fresh: 1}},
			want:  "job: 91/100 (91.0%) items, elapsed 11s, ETA 1m39s, 0 retried, 0 failed",
		},
		{
			name:  "only cached items: no ETA yet",
			total: 100,
			steps: []step{{advance: 2 * time.Second, cache: 90}},
			want:  "job: 90/100 (90.0%) items, elapsed 2s, ETA -, 0 retried, 0 failed",
		},
		{
			name:  "done",
			total: 3,
			steps: []step{{advance: 3 * time.Second, fresh: 2, cache: 1}},
			want:  "job: 3/3 (100.0%) items, elapsed 3s, ETA done, 0 retried, 0 failed",
		},
		{
			name:  "unknown total",
			steps: []step{{advance: 4 * time.Second, fresh: 5}},
			want:  "job: 5 items, elapsed 4s, ETA -, 0 retried, 0 failed",
		},
		{
			name:  "retried apart from failed, rates, kept paths",
			total: 4,
			kept:  true,
			stats: Snapshot{Requests: 40, Cached: 3, Retries: 832, CompletionTokens: 5000},
			steps: []step{{advance: 10 * time.Second, fresh: 1, kept: 7}, {failed: 2}},
			want:  "job: 1/4 (25.0%) items, elapsed 10s, ETA 30s, 7 kept paths, 4.0 req/s, 500 tok/s, 3 cached, 832 retried, 2 failed",
		},
		{
			name:  "money spent and per kept path",
			total: 4,
			kept:  true,
			stats: Snapshot{Requests: 10, CompletionTokens: 100, Spent: dollars(0.42)},
			steps: []step{{advance: 10 * time.Second, fresh: 1, kept: 4}},
			want:  "job: 1/4 (25.0%) items, elapsed 10s, ETA 30s, 4 kept paths, 1.0 req/s, 10 tok/s, 0 cached, $0.4200 spent ($0.1050/kept path), 0 retried, 0 failed",
		},
		{
			name:  "unknown price",
			total: 4,
			stats: Snapshot{Requests: 10, Unpriced: true},
			steps: []step{{advance: 10 * time.Second, fresh: 1}},
			want:  "job: 1/4 (25.0%) items, elapsed 10s, ETA 30s, 1.0 req/s, 0 tok/s, 0 cached, cost unknown, 0 retried, 0 failed",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			opts := Options{Label: "job", Total: tt.total, Kept: tt.kept, Now: clock.Now, Live: &off, Ticks: make(chan time.Time)}
			if tt.stats != (Snapshot{}) {
				opts.Stats = func() Snapshot { return tt.stats }
			}
			d := Start(&syncBuffer{}, opts)
			defer d.Stop()
			for _, s := range tt.steps {
				clock.Advance(s.advance)
				d.Add(s.fresh)
				d.AddDone(s.cache) // served from the store: done, not fresh
				d.AddFailed(s.failed)
				if s.kept > 0 {
					d.SetKept(s.kept)
				}
			}
			if got := d.line(clock.Now()); got != tt.want {
				t.Errorf("line:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

// lineWriter passes each line written to a channel.
type lineWriter chan string

func (w lineWriter) Write(p []byte) (int, error) {
	w <- string(p)
	return len(p), nil
}

func TestPlainLinesOnEveryTick(t *testing.T) {
	t.Parallel()
	lines := make(lineWriter, 4)
	clock := newFakeClock()
	ticks := make(chan time.Time)
	d := Start(lines, Options{Label: "synthesize gsm8k/train", Total: 4, Now: clock.Now, Live: &off, Ticks: ticks, Kept: true})
	clock.Advance(5 * time.Second)
	d.Add(1)
	d.SetKept(3)
	ticks <- time.Time{}
	first := <-lines
	clock.Advance(5 * time.Second)
	d.Add(3)
	d.SetKept(9)
	d.Stop()
	d.Stop() // idempotent: one final line
	final := <-lines
	if len(lines) != 0 {
		t.Errorf("unexpected line %q", <-lines)
	}
	for _, c := range []struct{ got, want string }{
		{first, "synthesize gsm8k/train: 1/4 (25.0%) items, elapsed 5s, ETA 15s, 3 kept paths, 0 retried, 0 failed\n"},
		{final, "synthesize gsm8k/train: 4/4 (100.0%) items, elapsed 10s, ETA done, 9 kept paths, 0 retried, 0 failed\n"},
	} {
		if c.got != c.want {
			t.Errorf("line:\n got %q\nwant %q", c.got, c.want)
		}
	}
}

func TestLiveDisplayShowsStatus(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	on := true
	clock := newFakeClock()
	d := Start(&buf, Options{Label: "eval", Total: 3, Live: &on, Now: clock.Now, Kept: true})
	clock.Advance(6 * time.Second)
	d.Add(1)
	d.SetKept(2)
	// The bar's own rendering shows the same status as the plain line.
	if got, want := d.status(clock.Now()), "elapsed 6s, ETA 12s, 2 kept paths, 0 retried, 0 failed"; got != want {
		t.Errorf("live status %q, want %q", got, want)
	}
	d.Add(2)
	d.Stop()
	out := buf.String()
	for _, want := range []string{"eval: 3/3 (100.0%)", "elapsed 6s", "2 kept paths", "0 retried, 0 failed"} {
		if !strings.Contains(out, want) {
			t.Errorf("live output lacks %q:\n%s", want, out)
		}
	}
}

// completer answers from a script: cached or not, or an error.
type completer struct {
	cached bool
	err    error
}

func (c completer) Complete(ctx context.Context, _ llm.Request) (*llm.Response, error) {
	if c.err != nil {
		return nil, c.err
	}
	return &llm.Response{Cached: c.cached}, nil
}

func TestCompleterMarksNewWork(t *testing.T) {
	t.Parallel()
	boom := errors.New("server down")
	tests := []struct {
		name      string
		calls     []completer
		inItem    bool
		wantFresh int64 // the display's fresh count
		wantItem  bool  // the item's marker
		wantFail  int64
	}{
		{name: "cached call outside an item", calls: []completer{{cached: true}}},
		{name: "new call outside an item counts one item", calls: []completer{{}, {}}, wantFresh: 2},
		{name: "item of cached calls", inItem: true, calls: []completer{{cached: true}, {cached: true}}},
		{name: "item with one new call", inItem: true, calls: []completer{{cached: true}, {}}, wantItem: true},
		{name: "failure after retries", calls: []completer{{err: boom}}, wantFail: 1},
		{name: "cancellation is not a failure", calls: []completer{{err: context.Canceled}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Start(&syncBuffer{}, Options{Label: "x", Live: &off, Ticks: make(chan time.Time)})
			defer d.Stop()
			ctx := context.Background()
			fresh := func() bool { return false }
			if tt.inItem {
				ctx, fresh = Item(ctx)
			}
			for _, c := range tt.calls {
				_, _ = d.Completer(c).Complete(ctx, llm.Request{})
			}
			if got := d.fresh.Load(); got != tt.wantFresh {
				t.Errorf("fresh items %d, want %d", got, tt.wantFresh)
			}
			if got := fresh(); got != tt.wantItem {
				t.Errorf("item marked fresh %v, want %v", got, tt.wantItem)
			}
			if got := d.failed.Load(); got != tt.wantFail {
				t.Errorf("failed %d, want %d", got, tt.wantFail)
			}
		})
	}
}

func dollars(v float64) *float64 { return &v }
