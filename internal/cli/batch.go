package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/regenesis-ai/regenesis/internal/batch"
	"github.com/regenesis-ai/regenesis/internal/llm"
	"github.com/regenesis-ai/regenesis/internal/method"
	"github.com/regenesis-ai/regenesis/internal/secret"
	"github.com/regenesis-ai/regenesis/internal/store"
	"github.com/regenesis-ai/regenesis/internal/task"
)

// batchFlags select the Batch API.
type batchFlags struct {
	on   bool
	wait time.Duration
}

func addBatchFlags(fs *pflag.FlagSet) *batchFlags {
	b := &batchFlags{}
	fs.BoolVar(&b.on, "batch", false, "send the requests through the server's Batch API (/v1/files, /v1/batches; half price on OpenAI, results within 24h): each run submits what the next stage needs and collects what finished; run the command again to continue")
	fs.DurationVar(&b.wait, "batch-wait", 0, "with --batch, stay and poll every this often until the run is complete (0: submit or collect, then exit)")
	return b
}

// urls returns the --base-url values or $OPENAI_BASE_URL.
func (f *llmFlags) urls() []string {
	if len(f.baseURLs) > 0 {
		return f.baseURLs
	}
	return secret.ReadEnv(nil).BaseURLs
}

// key returns --api-key or $OPENAI_API_KEY.
func (f *llmFlags) key() string {
	if f.apiKey != "" {
		return f.apiKey
	}
	return secret.ReadEnv(nil).APIKey
}

// batchAPI returns the files and batches client for the first server.
func (f *llmFlags) batchAPI() (*batch.API, error) {
	urls := f.urls()
	if len(urls) == 0 {
		return nil, errors.New("no model server: set --base-url or OPENAI_BASE_URL")
	}
	if len(urls) > 1 {
		return nil, fmt.Errorf("--batch: give one --base-url (got %d): a batch goes to one server", len(urls))
	}
	return batch.NewAPI(urls[0], f.key(), nil)
}

// queuedTolerant turns a question whose requests were queued for the next
// batch into an empty outcome, so that the scratch pass reaches every
// question.
type queuedTolerant struct{ method.Method }

// Synthesize runs the method, hiding ErrQueued.
func (q queuedTolerant) Synthesize(ctx context.Context, ex task.Example) (method.Outcome, error) {
	out, err := q.Method.Synthesize(ctx, ex)
	if errors.Is(err, batch.ErrQueued) {
		return method.Outcome{Example: ex}, nil
	}
	return out, err
}

// detached ignores the cancellation of a request's context during the
// scratch pass (which sends nothing): when one chain of a question is
// queued and its siblings' context ends, the siblings' requests still reach
// the collector, so that a multi-stage method advances every chain one
// stage per batch round.
type detached struct{ inner llm.Completer }

// Complete forwards req without the context's cancellation.
func (d detached) Complete(ctx context.Context, req llm.Request) (*llm.Response, error) {
	return d.inner.Complete(context.WithoutCancel(ctx), req)
}

// blankOnQueued answers a queued request with empty choices (never stored:
// the run store is below it), for single-stage commands (eval) whose
// scratch pass needs an answer to go on.
type blankOnQueued struct{ inner llm.Completer }

// Complete forwards req; a queued one gets blank choices.
func (b blankOnQueued) Complete(ctx context.Context, req llm.Request) (*llm.Response, error) {
	resp, err := b.inner.Complete(ctx, req)
	if errors.Is(err, batch.ErrQueued) {
		return &llm.Response{Choices: make([]llm.Choice, max(req.N, 1))}, nil
	}
	return resp, err
}

// runBatched drives a command through the Batch API: poll the pending
// batches (collecting the finished ones), run a scratch pass that serves
// what the store and the collected outputs hold and queues the rest, then
// either submit the queued requests as the next round or, when nothing is
// queued, run the real pass (every sample then comes from the store). It
// returns the real pass's result, or the zero value when the run is not
// complete yet. With --batch-wait it polls until complete; Ctrl-C while
// waiting offers to cancel the pending batches.
func runBatched[T any](ctx context.Context, cmd interface {
	OutOrStdout() io.Writer
	ErrOrStderr() io.Writer
	InOrStdin() io.Reader
}, bf *batchFlags, lf *llmFlags, sess *llmSession, outDir string,
	pass func(ctx context.Context, c llm.Completer, outDir string, scratch bool) (T, error)) (T, error) {
	var zero T
	api, err := lf.batchAPI()
	if err != nil {
		return zero, err
	}
	r := &batch.Runner{API: api, Meta: sess.Store}
	out, errw := cmd.OutOrStdout(), cmd.ErrOrStderr()
	scratch := filepath.Join(outDir, ".batch-scratch")
	defer os.RemoveAll(scratch)
	for {
		polled, err := r.Poll(ctx)
		if err != nil {
			return zero, err
		}
		for _, b := range polled.Collected {
			fmt.Fprintf(errw, "batch %s %s: %d completed, %d failed; output saved in the run store\n",
				b.ID, b.Status, b.RequestCounts.Completed, b.RequestCounts.Failed)
		}
		if len(polled.Running) == 0 {
			coll, err := r.Collector(ctx)
			if err != nil {
				return zero, err
			}
			completer := store.NewCachedCompleter(sess.Store, coll)
			if _, err := pass(ctx, completer, scratch, true); err != nil {
				return zero, err
			}
			if coll.Queued() == 0 {
				res, err := pass(ctx, completer, outDir, false)
				if err != nil {
					return zero, err
				}
				return res, r.Finish(ctx)
			}
			made, err := r.Submit(ctx, coll, map[string]string{"tool": "regenesis", "dir": filepath.Base(outDir)})
			for _, p := range made {
				fmt.Fprintf(out, "submitted batch %s (round %d): %d requests\n", p.ID, p.Round, p.Requests)
			}
			if err != nil {
				return zero, err
			}
		} else {
			for _, b := range polled.Running {
				fmt.Fprintf(out, "batch %s: %s (%d of %d requests done)\n", b.ID, b.Status,
					b.RequestCounts.Completed+b.RequestCounts.Failed, b.RequestCounts.Total)
			}
		}
		if bf.wait <= 0 {
			fmt.Fprintf(out, "the run continues when the batches finish: run the same command again to collect them (regenesis batches %s lists them; --cancel cancels them)\n", outDir)
			return zero, nil
		}
		if err := sleepCtx(ctx, bf.wait); err != nil {
			offerCancel(cmd, r, outDir)
			return zero, err
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// offerCancel, after an interrupt while batches run, asks on a terminal
// whether to cancel them on the server, and otherwise says how to: a
// pending batch is never left or cancelled silently.
func offerCancel(cmd interface {
	OutOrStdout() io.Writer
	ErrOrStderr() io.Writer
	InOrStdin() io.Reader
}, r *batch.Runner, outDir string) {
	errw := cmd.ErrOrStderr()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := batch.LoadState(ctx, r.Meta)
	if err != nil || len(st.Pending) == 0 {
		return
	}
	in, ok := cmd.InOrStdin().(*os.File)
	if !ok || !term.IsTerminal(int(in.Fd())) {
		fmt.Fprintf(errw, "interrupted: %d batch(es) still run on the server and will be billed; cancel them with: regenesis batches %s --cancel\n", len(st.Pending), outDir)
		return
	}
	fmt.Fprintf(errw, "interrupted: %d batch(es) still run on the server. Cancel them? [y/N] ", len(st.Pending))
	line, _ := bufio.NewReader(in).ReadString('\n')
	if a := strings.ToLower(strings.TrimSpace(line)); a != "y" && a != "yes" {
		fmt.Fprintf(errw, "left running; run the command again to collect them\n")
		return
	}
	cancelled, err := r.CancelAll(ctx)
	for _, b := range cancelled {
		fmt.Fprintf(errw, "batch %s: %s\n", b.ID, b.Status)
	}
	if err != nil {
		fmt.Fprintf(errw, "cancelling: %v\n", err)
	}
}
