package store

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/regenesis-ai/regenesis/internal/llm"
)

// cachedCompleter serves samples from the store and asks inner only for
// the ones it lacks.
type cachedCompleter struct {
	s     *Store
	inner llm.Completer

	mu     sync.Mutex
	flying map[Key]*flight // samples some caller is fetching now
}

// flight is one sample being fetched; done closes when sample or err is set.
type flight struct {
	done   chan struct{}
	sample storedSample
	err    error
}

// NewCachedCompleter returns a Completer that serves each sample of a
// request from s when it is there and otherwise asks inner, committing
// every new sample to s before returning it. Sample i of a request is
// stored under sampleKey(canonicalRequest(req), i), so a request for more samples than
// before only asks inner for the extra ones (one request per run of
// consecutive missing indices, seeded with Seed plus the run's first index).
// Identical requests in flight at the same time share one call to inner.
// A response's Usage sums the tokens its samples cost when they were
// generated (a response's usage is split evenly over its samples), so a
// replayed run reports the same totals as the original one.
func NewCachedCompleter(s *Store, inner llm.Completer) llm.Completer {
	return &cachedCompleter{s: s, inner: inner, flying: make(map[Key]*flight)}
}

// Complete implements llm.Completer.
func (c *cachedCompleter) Complete(ctx context.Context, req llm.Request) (*llm.Response, error) {
	n := max(req.N, 1)
	canon, err := canonicalRequest(req)
	if err != nil {
		return nil, err
	}
	keys := make([]Key, n)
	for i := range keys {
		keys[i] = sampleKey(canon, i)
	}
	got := make([]*storedSample, n)
	fromStore := 0
	for {
		missing := indicesWithout(got)
		if len(missing) == 0 {
			break
		}
		// Claim before looking in the store: a sample claimed by no one is
		// either committed already or fetched by us, never by two callers.
		mine, theirs := c.claim(keys, missing)
		if len(mine) > 0 {
			stored, err := c.fetch(ctx, req, canon, keys, mine, got)
			fromStore += stored
			if err != nil {
				return nil, err
			}
		}
		retry, err := c.await(ctx, theirs, got)
		if err != nil {
			return nil, err
		}
		if !retry {
			break
		}
	}
	c.s.hits.Add(int64(fromStore))
	resp := &llm.Response{Choices: make([]llm.Choice, n), Cached: fromStore == n}
	for i, v := range got {
		resp.Choices[i] = llm.Choice{Index: i, Text: v.text, FinishReason: v.finishReason}
		resp.Usage.PromptTokens += v.promptTokens
		resp.Usage.CompletionTokens += v.completionTokens
	}
	return resp, nil
}

// claim registers a flight for every missing sample no one is fetching
// (mine) and returns the flights of those someone else is fetching (theirs).
func (c *cachedCompleter) claim(keys []Key, missing []int) (mine []int, theirs map[int]*flight) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, i := range missing {
		if f, ok := c.flying[keys[i]]; ok {
			if theirs == nil {
				theirs = make(map[int]*flight)
			}
			theirs[i] = f
			continue
		}
		c.flying[keys[i]] = &flight{done: make(chan struct{})}
		mine = append(mine, i)
	}
	return mine, theirs
}

// land ends the flight of keys[i] with a sample or an error.
func (c *cachedCompleter) land(key Key, sample storedSample, err error) {
	c.mu.Lock()
	f := c.flying[key]
	delete(c.flying, key)
	c.mu.Unlock()
	f.sample, f.err = sample, err
	close(f.done)
}

// fetch gets the samples at indices mine (claimed by this caller): first
// from the store, then from inner, one request per run of consecutive indices. Every
// claimed flight lands before fetch returns. It reports how many samples
// came from the store.
func (c *cachedCompleter) fetch(ctx context.Context, req llm.Request, canon []byte, keys []Key, mine []int, got []*storedSample) (fromStore int, err error) {
	landed := make(map[int]bool, len(mine))
	defer func() {
		for _, i := range mine {
			if !landed[i] {
				c.land(keys[i], storedSample{}, flightErr(err))
			}
		}
	}()
	found, err := c.s.lookup(ctx, pick(keys, mine))
	if err != nil {
		return 0, err
	}
	var ask []int
	for _, i := range mine {
		if v, ok := found[keys[i]]; ok {
			got[i] = &v
			landed[i] = true
			fromStore++
			c.land(keys[i], v, nil)
			continue
		}
		ask = append(ask, i)
	}
	if len(ask) == 0 {
		return fromStore, nil
	}
	c.s.misses.Add(int64(len(ask)))
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	for _, run := range runs(ask) {
		g.Go(func() error {
			samples, err := c.complete(gctx, req, canon, keys, run)
			if err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			for j, i := range run {
				got[i] = &samples[j]
				landed[i] = true
				c.land(keys[i], samples[j], nil)
			}
			return nil
		})
	}
	return fromStore, g.Wait()
}

// flightErr is the error waiting callers see when the fetching caller failed.
func flightErr(err error) error {
	if err == nil {
		return errors.New("store: sample was not fetched")
	}
	return err
}

// complete asks inner for the consecutive samples run[0]..run[len-1] and
// commits them before returning. Through llm.Request.Persist, the client
// commits each attempt's samples while it still holds the attempt's server
// slot, so that no other request is sent before they are durable: after a
// crash, at most the requests in flight are sent again. Samples inner
// returns without persisting them (a Completer other than llm.Client) are
// committed here.
func (c *cachedCompleter) complete(ctx context.Context, req llm.Request, canon []byte, keys []Key, run []int) ([]storedSample, error) {
	sub := req
	sub.N = len(run)
	if req.Seed != nil {
		seed := *req.Seed + int64(run[0])
		sub.Seed = &seed
	}
	reqHash := sha256.Sum256(canon)
	samples := make([]storedSample, len(run))
	saved := make([]bool, len(run))
	var mu sync.Mutex
	var savedUsage llm.Usage
	// commit writes the samples at positions first.. of run. Samples that
	// arrived were paid for: they are committed even when ctx ends
	// meanwhile, so that a re-run does not ask for them again. The commit
	// waits only for the writer, which Close ends.
	commit := func(ctx context.Context, first int, choices []llm.Choice, usage llm.Usage) error {
		if first < 0 || first+len(choices) > len(run) {
			return fmt.Errorf("store: model returned samples %d..%d, want at most %d", first, first+len(choices)-1, len(run))
		}
		prompt := split(usage.PromptTokens, len(choices))
		completion := split(usage.CompletionTokens, len(choices))
		op := &writeOp{reqHash: reqHash, reqBody: canon, nowMS: time.Now().UnixMilli(), rows: make([]sampleRow, len(choices))}
		part := make([]storedSample, len(choices))
		for j, ch := range choices {
			i := run[first+j]
			part[j] = storedSample{text: ch.Text, finishReason: ch.FinishReason, promptTokens: prompt[j], completionTokens: completion[j]}
			op.rows[j] = sampleRow{key: keys[i], index: i, text: ch.Text, finishReason: ch.FinishReason,
				promptTokens: prompt[j], completionTokens: completion[j]}
		}
		if err := c.s.write(context.WithoutCancel(ctx), op); err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		for j := range part {
			samples[first+j], saved[first+j] = part[j], true
		}
		savedUsage.PromptTokens += usage.PromptTokens
		savedUsage.CompletionTokens += usage.CompletionTokens
		return nil
	}
	sub.Persist = commit
	resp, err := c.inner.Complete(ctx, sub)
	if err != nil {
		return nil, err
	}
	if len(resp.Choices) != len(run) {
		return nil, fmt.Errorf("store: model returned %d samples, want %d", len(resp.Choices), len(run))
	}
	// Commit what inner did not persist, as consecutive parts, with the
	// usage not yet accounted for.
	mu.Lock()
	var rest []int
	for j, ok := range saved {
		if !ok {
			rest = append(rest, j)
		}
	}
	left := llm.Usage{
		PromptTokens:     max(resp.Usage.PromptTokens-savedUsage.PromptTokens, 0),
		CompletionTokens: max(resp.Usage.CompletionTokens-savedUsage.CompletionTokens, 0),
	}
	mu.Unlock()
	parts := runs(rest)
	prompt := split(left.PromptTokens, len(rest))
	completion := split(left.CompletionTokens, len(rest))
	at := 0
	for _, part := range parts {
		var u llm.Usage
		for k := range part {
			u.PromptTokens += prompt[at+k]
			u.CompletionTokens += completion[at+k]
		}
		at += len(part)
		if err := commit(ctx, part[0], resp.Choices[part[0]:part[0]+len(part)], u); err != nil {
			return nil, err
		}
	}
	return samples, nil
}

// await waits for samples other callers are fetching. It reports retry
// when one of them gave up for its own reasons (its context ended) while
// ours is still live, so that the caller looks again and fetches itself.
func (c *cachedCompleter) await(ctx context.Context, theirs map[int]*flight, got []*storedSample) (retry bool, err error) {
	for i, f := range theirs {
		select {
		case <-f.done:
		case <-ctx.Done():
			return false, ctx.Err()
		}
		if f.err != nil {
			if errors.Is(f.err, context.Canceled) || errors.Is(f.err, context.DeadlineExceeded) {
				retry = true
				continue
			}
			return false, f.err
		}
		v := f.sample
		got[i] = &v
		c.s.shared.Add(1)
	}
	return retry, nil
}

// split divides total as evenly as possible over n samples, the remainder
// going to the first ones, so that the parts sum to total.
func split(total int64, n int) []int64 {
	parts := make([]int64, n)
	for j := range parts {
		parts[j] = total / int64(n)
		if int64(j) < total%int64(n) {
			parts[j]++
		}
	}
	return parts
}

// runs groups sorted indices into runs of consecutive values.
func runs(indices []int) [][]int {
	var out [][]int
	for start := 0; start < len(indices); {
		end := start + 1
		for end < len(indices) && indices[end] == indices[end-1]+1 {
			end++
		}
		out = append(out, indices[start:end])
		start = end
	}
	return out
}

func indicesWithout(got []*storedSample) []int {
	var out []int
	for i, v := range got {
		if v == nil {
			out = append(out, i)
		}
	}
	return out
}

func pick(keys []Key, indices []int) []Key {
	out := make([]Key, len(indices))
	for j, i := range indices {
		out[j] = keys[i]
	}
	return out
}
