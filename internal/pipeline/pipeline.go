// Package pipeline runs a stream of items through a fixed number of workers
// and hands the results on in input order, holding a bounded window of items
// between the source and the consumer: memory does not grow with the length
// of the stream, and a slow item holds back the output only, not the reading
// and work of up to a window of items after it.
package pipeline

import (
	"context"
	"iter"
	"sync"
)

// Options size a Run.
type Options struct {
	// Workers is how many items are worked on at once; less than 1 means 1.
	Workers int
	// Window bounds the items taken from the source and not yet emitted
	// (being worked on, or finished and waiting for an earlier one), so the
	// source is never more than Window items ahead of emit. Less than 1
	// means 4×Workers; a window smaller than Workers is raised to Workers.
	Window int
}

// sizes returns the worker count and the window Run uses.
func (o Options) sizes() (workers, window int) {
	workers = max(o.Workers, 1)
	window = o.Window
	if window < 1 {
		window = 4 * workers
	}
	return workers, max(window, workers)
}

// job is an item on its way to a worker; seq is its position in the output.
type job[In any] struct {
	seq int
	in  In
}

// done is a worked item.
type done[In, Out any] struct {
	seq int
	in  In
	out Out
}

// Run reads src, calls work on each item from Options.Workers goroutines,
// and calls emit with each item and its result in the order src yielded
// them, from the calling goroutine. emit has returned for an item before it
// is called for the next one.
//
// The first error stops the run: an error src yields, or one work or emit
// returns, as is, or ctx.Err() when ctx ends before src is exhausted and
// every item emitted. Whichever comes first in time wins; nothing is emitted
// after it, and src is not read further. work gets a context that ends with
// ctx or at the first error. Run returns once src's iterator and every call
// of work have returned: work already under way is not abandoned but waited
// for, so it can let what it started finish (see llm.Draining), and its
// result is dropped. Run leaves no goroutine behind.
//
// At most Options.Window items are between src and emit: an item takes a
// place in the window before it is read from src and leaves it when emit
// has returned for it.
func Run[In, Out any](ctx context.Context, src iter.Seq2[In, error], opts Options, work func(context.Context, In) (Out, error), emit func(In, Out) error) error {
	workers, window := opts.sizes()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu    sync.Mutex
		first error
	)
	fail := func(err error) {
		mu.Lock()
		if first == nil {
			first = err
		}
		mu.Unlock()
		cancel()
	}

	slots := make(chan struct{}, window)
	acquire := func() bool {
		if err := ctx.Err(); err != nil {
			fail(err)
			return false
		}
		select {
		case slots <- struct{}{}:
			return true
		case <-ctx.Done():
			fail(ctx.Err())
			return false
		}
	}
	jobs := make(chan job[In])
	// The emitter receives until every worker is done, so a worker waits
	// for it at most while emit runs.
	results := make(chan done[In, Out], workers)

	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(jobs)
		if !acquire() {
			return
		}
		seq := 0
		for in, err := range src {
			if err != nil {
				fail(err)
				return
			}
			select {
			case jobs <- job[In]{seq: seq, in: in}:
			case <-ctx.Done():
				fail(ctx.Err())
				return
			}
			seq++
			if !acquire() {
				return
			}
		}
		<-slots // the place taken for an item src did not have
	})
	for range workers {
		wg.Go(func() {
			for j := range jobs {
				out, err := work(ctx, j.in)
				if err != nil {
					fail(err)
					continue
				}
				results <- done[In, Out]{seq: j.seq, in: j.in, out: out}
			}
		})
	}
	go func() {
		wg.Wait()
		close(results)
	}()

	pending := make(map[int]done[In, Out]) // finished, waiting for an earlier item
	next := 0
	for r := range results {
		if err := ctx.Err(); err != nil {
			fail(err) // a no-op after an earlier error
			continue  // stopped: wait for the workers
		}
		pending[r.seq] = r
		for p, ok := pending[next]; ok; p, ok = pending[next] {
			if err := ctx.Err(); err != nil {
				fail(err)
				break
			}
			delete(pending, next)
			next++
			if err := emit(p.in, p.out); err != nil {
				fail(err)
				break
			}
			<-slots
		}
	}
	mu.Lock()
	defer mu.Unlock()
	return first
}
