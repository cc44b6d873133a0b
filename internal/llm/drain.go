package llm

import "context"

// abortKey is the context key of the abort context set by WithAbort.
type abortKey struct{}

// WithAbort returns a copy of ctx under which a stop is graceful: when ctx
// is cancelled, no new request starts, but requests already sent to a
// server run on until they finish (so that what was paid for is saved) or
// until abort ends. Without WithAbort, cancelling ctx ends requests at once.
func WithAbort(ctx, abort context.Context) context.Context {
	return context.WithValue(ctx, abortKey{}, abort)
}

// Draining returns the context that work already under way should finish
// under: one that ignores the cancellation of ctx and ends only when the
// abort context of WithAbort ends. Where ctx carries no abort context it
// returns ctx itself. The returned CancelFunc releases its resources.
func Draining(ctx context.Context) (context.Context, context.CancelFunc) {
	abort, ok := ctx.Value(abortKey{}).(context.Context)
	if !ok {
		return ctx, func() {}
	}
	d, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
	stop := context.AfterFunc(abort, func() { cancel(context.Cause(abort)) })
	return d, func() { stop(); cancel(context.Canceled) }
}
