package progress

import (
	"context"
	"errors"
	"sync/atomic"

	"github.com/regenesis-ai/regenesis/internal/llm"
)

// itemKey is the context key of an item's marker.
type itemKey struct{}

// Item returns ctx carrying a marker for the calls made on behalf of one
// item (one question), and a function that reports whether any of them
// needed new work. Wrap the item's work in it when an item makes several
// calls; Completer marks it.
func Item(ctx context.Context) (context.Context, func() bool) {
	var fresh atomic.Bool
	return context.WithValue(ctx, itemKey{}, &fresh), fresh.Load
}

// Completer wraps inner, which should be the run store's completer, so that
// the display learns what is new work and what failed:
//   - a call not served entirely from the store marks the Item of its
//     context as fresh; a call outside any Item counts as one new item by
//     itself (AddFresh(1)), which is right where each item is one call;
//   - a call that fails while its context is still live counts as failed
//     (the client's retries are behind it, so this is a final failure).
func (d *Display) Completer(inner llm.Completer) llm.Completer {
	return &tracked{inner: inner, d: d}
}

type tracked struct {
	inner llm.Completer
	d     *Display
}

// Complete forwards req and records the outcome.
func (t *tracked) Complete(ctx context.Context, req llm.Request) (*llm.Response, error) {
	resp, err := t.inner.Complete(ctx, req)
	if err != nil {
		if ctx.Err() == nil && !errors.Is(err, context.Canceled) {
			t.d.AddFailed(1)
		}
		return resp, err
	}
	if resp != nil && !resp.Cached {
		if fresh, ok := ctx.Value(itemKey{}).(*atomic.Bool); ok {
			fresh.Store(true)
		} else {
			t.d.AddFresh(1)
		}
	}
	return resp, nil
}
