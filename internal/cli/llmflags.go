package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/regenesis-ai/regenesis/internal/cost"
	"github.com/regenesis-ai/regenesis/internal/llm"
	"github.com/regenesis-ai/regenesis/internal/progress"
	"github.com/regenesis-ai/regenesis/internal/secret"
	"github.com/regenesis-ai/regenesis/internal/store"
)

// llmFlags are the flags that say which model server to use and where the
// run store lives, shared by every command that calls a model.
type llmFlags struct {
	cmd       *cobra.Command
	baseURLs  []string
	endpoints string
	apiKey    string
	model     string
	// client holds the client's settings the flags are bound onto, from
	// llm.DefaultOptions.
	client  llm.Options
	store   string
	hosted  *hostedFlags
	noProbe bool
	repair  bool
	// watchInterval is how often --endpoints is re-read.
	watchInterval time.Duration
}

// addLLMFlags registers the model-server and run-store flags on cmd. The
// flags for the client's per-server concurrency and per-request timeout are
// named --server-concurrency and --request-timeout, because --concurrency
// is the commands' own (questions in flight). The API key's value is never
// a flag default, so that help output cannot show it.
func addLLMFlags(cmd *cobra.Command) *llmFlags {
	f := &llmFlags{cmd: cmd, client: llm.DefaultOptions()}
	fs := cmd.Flags()
	fs.StringSliceVar(&f.baseURLs, "base-url", nil,
		"OpenAI-compatible server, e.g. http://localhost:8000/v1 (repeatable or comma-separated: requests go to the server with the fewest in flight; default $OPENAI_BASE_URL)")
	fs.StringVar(&f.endpoints, "endpoints", "",
		"file of model servers instead of --base-url: one base URL a line, # starts a comment; re-read every --endpoints-poll, so servers join and leave while the run goes (work on a server that leaves moves to the others)")
	fs.DurationVar(&f.watchInterval, "endpoints-poll", llm.DefaultWatchInterval, "how often --endpoints is re-read")
	fs.StringVar(&f.apiKey, "api-key", "", "API key sent as a bearer token (default $OPENAI_API_KEY); never printed or stored")
	fs.StringVar(&f.model, "model", "", "model name sent to the server")
	fs.IntVar(&f.client.Concurrency, "server-concurrency", f.client.Concurrency, "most requests in flight per server")
	fs.DurationVar(&f.client.Timeout, "request-timeout", f.client.Timeout, "time limit of one HTTP attempt")
	fs.IntVar(&f.client.MaxRetries, "max-retries", f.client.MaxRetries, "retries of a failed request (429, 5xx, timeouts, dropped connections); 0 for none")
	f.hosted = addHostedFlags(fs)
	fs.StringVar(&f.store, "store", "", "run store (SQLite) every sample is committed to before use (default OUT/store.db)")
	fs.BoolVar(&f.noProbe, "no-probe", false, "skip the check, before any work, that each server answers, accepts the API key and serves --model")
	fs.DurationVar(&f.client.GiveUpAfter, "give-up-after", f.client.GiveUpAfter,
		"stop the run (saving what is done; the same command resumes) when every server has failed for this long without one success; 0 never stops")
	fs.BoolVar(&f.repair, "repair", false, "drop run-store rows that fail their checksum (changed on disk) and request them again, instead of stopping")
	return f
}

// llmSession is an open model client with its run store.
type llmSession struct {
	// Completer serves samples from Store and asks Client for the rest.
	Completer llm.Completer
	Client    *llm.Client
	Store     *store.Store
	// Model is the --model value.
	Model string
	// Pricing prices the session's tokens (package cost).
	Pricing cost.Pricing
	// Capacity is the number of requests the servers take at once
	// (--server-concurrency times the number of servers): what a command
	// sizes its work in flight by to keep them saturated.
	Capacity int
	// Ready is how many requests a command with one request per work item
	// (eval) keeps ready: readyFactor times Capacity, so that the requests
	// waiting out a retry (a Retry-After, a short backoff) do not leave a
	// server slot idle.
	Ready int

	stopWatch func() // stops the endpoints file watcher
}

// readyFactor is how many requests per server slot a command keeps ready.
const readyFactor = 4

// open creates the client and opens the run store, at --store or else at
// defaultStorePath. The caller closes the session.
func (f *llmFlags) open(ctx context.Context, defaultStorePath string) (*llmSession, error) {
	if f.model == "" {
		return nil, errors.New("no model: set --model")
	}
	env := secret.ReadEnv(nil)
	urls := f.baseURLs
	if f.endpoints != "" {
		if len(urls) > 0 {
			return nil, errors.New("--endpoints and --base-url exclude each other: list every server in the endpoints file")
		}
		var err error
		if urls, err = llm.ReadEndpointsFile(f.endpoints); err != nil {
			return nil, fmt.Errorf("--endpoints: %w", err)
		}
	}
	if len(urls) == 0 {
		urls = env.BaseURLs
	}
	if len(urls) == 0 {
		return nil, errors.New("no model server: set --base-url or OPENAI_BASE_URL")
	}
	key := cmp.Or(f.apiKey, env.APIKey)
	red := redactor(ctx)
	red.Add(key)
	for _, u := range urls {
		red.Add(secret.URLSecrets(u)...)
	}
	if f.client.Concurrency < 1 {
		return nil, fmt.Errorf("--server-concurrency %d: want at least 1", f.client.Concurrency)
	}
	if f.client.Timeout <= 0 {
		return nil, fmt.Errorf("--request-timeout %v: want a positive duration", f.client.Timeout)
	}
	if f.client.MaxRetries < 0 {
		return nil, fmt.Errorf("--max-retries %d: want 0 or more", f.client.MaxRetries)
	}
	if f.watchInterval <= 0 {
		return nil, fmt.Errorf("--endpoints-poll %v: want a positive duration", f.watchInterval)
	}
	if f.client.GiveUpAfter < 0 {
		return nil, fmt.Errorf("--give-up-after %v: want a positive duration, or 0 to never stop", f.client.GiveUpAfter)
	}
	limits, err := f.hosted.rateLimits()
	if err != nil {
		return nil, err
	}
	logger := slog.New(slog.NewTextHandler(f.cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	opts := f.client
	opts.RateLimits, opts.BaseURLs, opts.APIKey, opts.Logger = limits, urls, key, logger
	client, err := llm.NewClient(opts)
	if err != nil {
		return nil, fmt.Errorf("--base-url: %w", err)
	}
	pricing, err := f.hosted.pricing(f.model, urls, false)
	if err != nil {
		return nil, err
	}
	if !f.noProbe {
		if _, err := client.Probe(ctx, f.model); err != nil {
			return nil, err
		}
	}
	path := f.store
	if path == "" {
		path = defaultStorePath
	}
	if path == "" {
		return nil, errors.New("no run store: set --store")
	}
	var storeOpts []store.Option
	if f.repair {
		storeOpts = append(storeOpts, store.WithRepair(logger))
	}
	st, err := store.Open(ctx, filepath.Clean(path), storeOpts...)
	if err != nil {
		return nil, err
	}
	stop := func() {}
	if f.endpoints != "" {
		wctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		probeModel := f.model
		if f.noProbe {
			probeModel = ""
		}
		go func() {
			defer close(done)
			client.WatchEndpoints(wctx, f.endpoints, f.watchInterval, probeModel)
		}()
		stop = func() { cancel(); <-done }
	}
	return &llmSession{
		stopWatch: sync.OnceFunc(stop),
		Completer: store.NewCachedCompleter(st, client),
		Client:    client,
		Store:     st,
		Model:     f.model,
		Pricing:   pricing,
		Capacity:  f.client.Concurrency * client.UsableServers(),
		Ready:     readyFactor * f.client.Concurrency * client.UsableServers(),
	}, nil
}

// Close stops watching the endpoints file and closes the run store after
// its pending writes commit. It may be called more than once.
func (s *llmSession) Close() error {
	s.stopWatch()
	return s.Store.Close()
}

// Progress reads the session's counters for a progress display.
func (s *llmSession) Progress() progress.Snapshot {
	cs, ss := s.Client.Stats(), s.Store.Stats()
	snap := progress.Snapshot{
		Requests:         cs.Requests,
		Cached:           ss.Hits,
		Retries:          cs.Retries,
		CompletionTokens: cs.CompletionTokens,
	}
	if v, ok := s.Pricing.Dollars(cs.PromptTokens, cs.CompletionTokens); ok {
		snap.Spent = &v
	} else {
		snap.Unpriced = true
	}
	return snap
}

// splitList splits a comma- or space-separated list, dropping empty items.
func splitList(s string) []string { return secret.SplitList(s) }
