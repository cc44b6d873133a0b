package pipeline

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// Every test runs in a synctest bubble: synctest.Wait returns once every
// goroutine of the run is blocked, which is how the tests look at a run
// mid-way without sleeping, and synctest.Test fails when a goroutine of the
// run is still blocked after the test: a leak.

// probe is a run's source, work and emit over the items 0..n-1, recording
// what happened.
type probe struct {
	t      *testing.T
	window int // the window the run must keep to

	mu        sync.Mutex
	pulled    int   // items the source has yielded
	srcBegun  bool  // the source's iterator was called
	srcDone   bool  // the source's iterator has returned
	inFlight  int   // work calls under way
	peak      int   // the most work calls under way at once
	completed []int // items whose work returned a result
	emitted   []int // items emit was called with, in call order
}

// source yields the items 0..n-1 and checks that none is yielded more than
// the window ahead of emit.
func (p *probe) source(n int) iter.Seq2[int, error] {
	return func(yield func(int, error) bool) {
		p.mu.Lock()
		p.srcBegun = true
		p.mu.Unlock()
		defer func() { p.mu.Lock(); p.srcDone = true; p.mu.Unlock() }()
		for i := range n {
			p.mu.Lock()
			p.pulled++
			if ahead := i + 1 - len(p.emitted); ahead > p.window {
				p.t.Errorf("item %d read %d items ahead of emit, window %d", i, ahead, p.window)
			}
			p.mu.Unlock()
			if !yield(i, nil) {
				return
			}
		}
	}
}

// begin and end bracket a work call.
func (p *probe) begin() {
	p.mu.Lock()
	p.inFlight++
	p.peak = max(p.peak, p.inFlight)
	p.mu.Unlock()
}

func (p *probe) end(i int, ok bool) {
	p.mu.Lock()
	p.inFlight--
	if ok {
		p.completed = append(p.completed, i)
	}
	p.mu.Unlock()
}

// emit records an item; out must be the item's work result.
func (p *probe) emit(in int, out string) error {
	if want := fmt.Sprint("out", in); out != want {
		p.t.Errorf("emit(%d, %q), want the result %q", in, out, want)
	}
	p.mu.Lock()
	p.emitted = append(p.emitted, in)
	p.mu.Unlock()
	return nil
}

// snapshot returns copies of the records.
func (p *probe) snapshot() (pulled, inFlight int, completed, emitted []int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pulled, p.inFlight, slices.Clone(p.completed), slices.Clone(p.emitted)
}

// iota returns 0..n-1.
func iota(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// TestRunOrder releases the items' work in a chosen order (so they complete
// out of order) and checks, whenever the run is blocked, that the output is
// in input order and as long as it can be, that the source is at most the
// window ahead of it, and that at most Workers items are worked on at once.
func TestRunOrder(t *testing.T) {
	tests := []struct {
		name               string
		n, workers, window int
		release            []int // the order the items' work may finish in
	}{
		{name: "reverse within the window", n: 8, workers: 8, window: 8, release: []int{7, 6, 5, 4, 3, 2, 1, 0}},
		{name: "random, window above workers", n: 60, workers: 3, window: 7, release: rand.New(rand.NewPCG(1, 2)).Perm(60)},
		{name: "random, window of workers", n: 40, workers: 4, window: 4, release: rand.New(rand.NewPCG(3, 4)).Perm(40)},
		{name: "default window", n: 30, workers: 2, release: rand.New(rand.NewPCG(5, 6)).Perm(30)},
		{name: "negative window", n: 30, workers: 3, window: -1, release: rand.New(rand.NewPCG(11, 12)).Perm(30)},
		{name: "window below workers", n: 20, workers: 5, window: 2, release: rand.New(rand.NewPCG(7, 8)).Perm(20)},
		{name: "one worker", n: 10, workers: 1, window: 3, release: rand.New(rand.NewPCG(9, 10)).Perm(10)},
		{name: "in order", n: 12, workers: 3, window: 6, release: iota(12)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				workers, window := Options{Workers: tt.workers, Window: tt.window}.sizes()
				if want := max(tt.workers, cmp(tt.window, 4*tt.workers)); window != want {
					t.Fatalf("window %d, want %d", window, want)
				}
				p := &probe{t: t, window: window}
				gates := make([]chan struct{}, tt.n)
				for i := range gates {
					gates[i] = make(chan struct{})
				}
				work := func(ctx context.Context, i int) (string, error) {
					p.begin()
					<-gates[i]
					p.end(i, true)
					return fmt.Sprint("out", i), nil
				}
				errc := make(chan error, 1)
				go func() {
					errc <- Run(context.Background(), p.source(tt.n), Options{Workers: tt.workers, Window: tt.window}, work, p.emit)
				}()
				for k, i := range tt.release {
					synctest.Wait()
					pulled, inFlight, completed, emitted := p.snapshot()
					// At the start every worker waits, and the reader with
					// the next item for them unless the window is full.
					if want := min(window, workers+1, tt.n); k == 0 && (pulled != want || inFlight != min(workers, tt.n)) {
						t.Errorf("blocked at the start with %d read, %d worked on; want %d and %d", pulled, inFlight, want, min(workers, tt.n))
					}
					if want := donePrefix(completed); !slices.Equal(emitted, iota(want)) {
						t.Fatalf("after %d releases: emitted %v, completed %v; want the items 0..%d", k, emitted, completed, want-1)
					}
					close(gates[i])
				}
				if err := <-errc; err != nil {
					t.Fatal(err)
				}
				_, _, _, emitted := p.snapshot()
				if !slices.Equal(emitted, iota(tt.n)) {
					t.Errorf("emitted %v, want 0..%d in order", emitted, tt.n-1)
				}
				if p.peak > workers {
					t.Errorf("%d items worked on at once, Workers %d", p.peak, workers)
				}
				if !p.srcDone {
					t.Error("the source's iterator did not return")
				}
			})
		})
	}
}

// cmp returns a, or b when a is less than 1.
func cmp(a, b int) int {
	if a < 1 {
		return b
	}
	return a
}

// donePrefix returns how many items from 0 on have completed.
func donePrefix(completed []int) int {
	done := map[int]bool{}
	for _, i := range completed {
		done[i] = true
	}
	n := 0
	for done[n] {
		n++
	}
	return n
}

var (
	errWork  = errors.New("work failed")
	errLater = errors.New("a later failure")
	errEmit  = errors.New("emit failed")
	errSrc   = errors.New("bad line")
)

// TestRunStops stops runs in every way a run stops: the items before the
// stop are emitted, none after it, Run returns the first error once every
// work call has returned, and the source is read no further.
func TestRunStops(t *testing.T) {
	tests := []struct {
		name string
		n    int
		// at is the item where the run stops (-1: it does not): its work,
		// emit or read does what how says once the items before it are
		// emitted. Items after it block until their context ends.
		at  int
		how string
		// emitted is how many items are emitted; Run returns want.
		emitted int
		want    error
	}{
		{name: "empty source", n: 0, at: -1},
		{name: "no stop", n: 25, at: -1, emitted: 25},
		{name: "work error", n: 25, at: 6, how: "work error", emitted: 6, want: errWork},
		{name: "work error on the first item", n: 25, at: 0, how: "work error", want: errWork},
		{name: "first error in time wins", n: 25, at: 6, how: "two work errors", emitted: 6, want: errWork},
		{name: "emit error", n: 25, at: 9, how: "emit error", emitted: 9, want: errEmit},
		{name: "source error", n: 25, at: 4, how: "source error", emitted: 4, want: errSrc},
		{name: "source error first", n: 25, at: 0, how: "source error", want: errSrc},
		{name: "cancelled before the run", n: 25, at: 0, how: "cancel before", want: context.Canceled},
		{name: "cancelled in work", n: 25, at: 5, how: "cancel", emitted: 5, want: context.Canceled},
		{name: "cancelled at the last item", n: 25, at: 24, how: "cancel", emitted: 24, want: context.Canceled},
		{name: "cancelled in emit, later items done", n: 25, at: 10, how: "cancel in emit", emitted: 11, want: context.Canceled},
		{name: "deadline", n: 25, at: 3, how: "deadline", emitted: 3, want: context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				const workers, window = 3, 8
				p := &probe{t: t, window: window}
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				if tt.how == "cancel before" {
					cancel()
				}
				// reached is closed when the items before tt.at are emitted.
				reached := make(chan struct{})
				if tt.at == 0 {
					close(reached)
				}
				src := p.source(tt.n)
				if tt.how == "source error" {
					src = func(yield func(int, error) bool) {
						for i, err := range p.source(tt.n) {
							if i == tt.at {
								<-reached
								yield(0, errSrc)
								return
							}
							if !yield(i, err) {
								return
							}
						}
					}
				}
				work := func(ctx context.Context, i int) (string, error) {
					p.begin()
					ok := false
					defer func() { p.end(i, ok) }()
					switch {
					case tt.at < 0 || i < tt.at || i == tt.at && tt.how == "emit error" || i > tt.at && tt.how == "cancel in emit":
						ok = true
						return fmt.Sprint("out", i), nil
					case i == tt.at && tt.how == "cancel in emit":
						<-reached
						synctest.Wait() // the items after it are done and wait for it
						ok = true
						return fmt.Sprint("out", i), nil
					case i == tt.at && tt.how == "source error":
						t.Errorf("work called for the item the source failed on")
					case i == tt.at && (tt.how == "work error" || tt.how == "two work errors"):
						<-reached
						return "", errWork
					case i == tt.at && tt.how == "cancel":
						<-reached
						cancel()
					case i == tt.at && tt.how == "deadline":
						<-reached
						<-ctx.Done() // the bubble's clock jumps to the deadline
						return "", ctx.Err()
					case i == tt.at+1 && tt.how == "two work errors":
						<-ctx.Done()
						return "", errLater
					}
					<-ctx.Done()
					return "", fmt.Errorf("item %d: %w", i, ctx.Err())
				}
				emit := func(i int, out string) error {
					if i == tt.at && tt.how == "emit error" {
						p.emit(i, out)
						return errEmit
					}
					if err := p.emit(i, out); err != nil {
						return err
					}
					if i+1 == tt.at {
						close(reached)
					}
					if i == tt.at && tt.how == "cancel in emit" {
						cancel()
					}
					return nil
				}
				if tt.how == "deadline" {
					var stop context.CancelFunc
					ctx, stop = context.WithTimeout(ctx, time.Hour)
					defer stop()
				}
				err := Run(ctx, src, Options{Workers: workers, Window: window}, work, emit)
				if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
					t.Fatalf("Run: %v, want %v", err, tt.want)
				}
				// A context's end may reach Run first through the reader or
				// through a work call's error; any other stop is exact.
				if ctxErr := errors.Is(tt.want, context.Canceled) || errors.Is(tt.want, context.DeadlineExceeded); tt.want != nil && !ctxErr && err != tt.want {
					t.Errorf("Run: %v, want %v itself, not a later failure", err, tt.want)
				}
				pulled, inFlight, _, emitted := p.snapshot()
				want := iota(tt.emitted)
				if tt.how == "emit error" {
					want = append(want, tt.at) // emit was called for it and failed
				}
				if !slices.Equal(emitted, want) {
					t.Errorf("emitted %v, want %v", emitted, want)
				}
				if inFlight != 0 {
					t.Errorf("Run returned with %d work calls under way", inFlight)
				}
				if p.srcBegun != p.srcDone {
					t.Error("the source's iterator did not return")
				}
				if tt.how == "cancel before" && (p.srcBegun || p.peak != 0) {
					t.Errorf("a cancelled context read %d items and worked on %d", pulled, p.peak)
				}
			})
		})
	}
}

// TestRunWaitsForWorkUnderWay: when ctx ends, work under way is not
// abandoned: Run returns only once it has returned, and does not emit it.
func TestRunWaitsForWorkUnderWay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := &probe{t: t, window: 4}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		release := make(chan struct{})
		var finished atomic.Int64
		work := func(_ context.Context, i int) (string, error) {
			p.begin()
			<-release // finishes what it started, whatever ctx says
			finished.Add(1)
			p.end(i, true)
			return fmt.Sprint("out", i), nil
		}
		errc := make(chan error, 1)
		go func() { errc <- Run(ctx, p.source(100), Options{Workers: 2, Window: 4}, work, p.emit) }()
		synctest.Wait()
		cancel()
		synctest.Wait()
		select {
		case err := <-errc:
			t.Fatalf("Run returned %v with work under way", err)
		default:
		}
		close(release)
		if err := <-errc; !errors.Is(err, context.Canceled) {
			t.Fatalf("Run: %v, want context.Canceled", err)
		}
		pulled, _, _, emitted := p.snapshot()
		if finished.Load() != 2 || len(emitted) != 0 || pulled != 3 {
			t.Errorf("%d work calls finished, %d emitted, %d read; want 2, 0 and 3", finished.Load(), len(emitted), pulled)
		}
	})
}

// TestRunEmitOneAtATime: emit runs one call at a time, never two at once.
func TestRunEmitOneAtATime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var in, peak atomic.Int64
		emit := func(int, int) error {
			n := in.Add(1)
			if n > peak.Load() {
				peak.Store(n)
			}
			synctest.Wait() // let any other emit call start
			in.Add(-1)
			return nil
		}
		src := func(yield func(int, error) bool) {
			for i := range 50 {
				if !yield(i, nil) {
					return
				}
			}
		}
		work := func(_ context.Context, i int) (int, error) { return i, nil }
		if err := Run(context.Background(), src, Options{Workers: 8}, work, emit); err != nil {
			t.Fatal(err)
		}
		if peak.Load() != 1 {
			t.Errorf("%d emit calls at once", peak.Load())
		}
	})
}

// BenchmarkRun measures the pipeline's own cost per item (work and emit do
// nothing), beside a plain loop over the same source.
func BenchmarkRun(b *testing.B) {
	src := func(n int) iter.Seq2[int, error] {
		return func(yield func(int, error) bool) {
			for i := range n {
				if !yield(i, nil) {
					return
				}
			}
		}
	}
	work := func(_ context.Context, i int) (int, error) { return i, nil }
	var sum int
	emit := func(_, out int) error { sum += out; return nil }
	b.Run("loop", func(b *testing.B) {
		for i, err := range src(b.N) {
			if err != nil {
				b.Fatal(err)
			}
			out, _ := work(context.Background(), i)
			_ = emit(i, out)
		}
	})
	for _, workers := range []int{1, 8, 64} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			if err := Run(context.Background(), src(b.N), Options{Workers: workers}, work, emit); err != nil {
				b.Fatal(err)
			}
		})
	}
}
