package llm

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	redact "github.com/regenesis-ai/regenesis/internal/secret"
	"log/slog"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"
)

// fleet returns the current endpoints. The slice is never changed in
// place: SetServers replaces it, so a caller may range over it freely.
func (c *Client) fleet() []*endpoint {
	c.epMu.RLock()
	defer c.epMu.RUnlock()
	return c.endpoints
}

// FleetChange says what SetServers changed, by redacted URL.
type FleetChange struct {
	Added, Removed []string
	// Failed are servers that would have joined but failed the probe;
	// they are tried again by the next SetServers that lists them.
	Failed []ProbeResult
}

// SetServers makes urls the client's servers while requests run. A server
// that stays keeps its state; a new one joins once it passes the probe
// (when model is not empty; see Probe), and a listed server that failed a
// probe is probed again and rejoins once it passes; one no longer listed takes
// no new work: its requests in flight finish there, and those that fail
// move to the other servers without using up a retry. An empty list, or
// one with a bad URL, changes nothing and returns an error.
func (c *Client) SetServers(ctx context.Context, urls []string, model string) (FleetChange, error) {
	var ch FleetChange
	if len(urls) == 0 {
		return ch, errors.New("llm: no server listed; keeping the current ones")
	}
	want := make([]*endpoint, 0, len(urls))
	seen := map[string]bool{}
	for _, u := range urls {
		ep, err := newEndpoint(u, c.opts.Concurrency)
		if err != nil {
			return ch, err
		}
		if seen[ep.url] {
			return ch, fmt.Errorf("llm: base URL %q given twice", ep.name)
		}
		seen[ep.url] = true
		want = append(want, ep)
	}
	c.epMu.RLock()
	known := map[string]*endpoint{}
	for _, ep := range c.retired {
		known[ep.url] = ep
	}
	for _, ep := range c.endpoints {
		known[ep.url] = ep
	}
	c.epMu.RUnlock()

	// Probe the newcomers before they get work, and the listed servers
	// that failed a probe before (a replica still loading its weights).
	var rejoined []*endpoint
	for i, ep := range want {
		old := known[ep.url]
		if old != nil {
			want[i] = old
			if model == "" || !old.dropped.Load() {
				continue
			}
		}
		if model == "" {
			continue
		}
		if err := c.probe(ctx, ep, model); err != nil {
			ch.Failed = append(ch.Failed, ProbeResult{Endpoint: ep.name, Err: err})
			if old == nil {
				want[i] = nil
			}
			continue
		}
		if old != nil {
			rejoined = append(rejoined, old)
		}
	}
	want = slices.DeleteFunc(want, func(ep *endpoint) bool { return ep == nil })
	if !slices.ContainsFunc(want, func(ep *endpoint) bool { return !ep.dropped.Load() || slices.Contains(rejoined, ep) }) {
		return ch, fmt.Errorf("llm: no listed server passed the probe; keeping the current ones: %w", &ProbeError{Results: ch.Failed})
	}

	c.epMu.Lock()
	defer c.epMu.Unlock()
	current := map[*endpoint]bool{}
	for _, ep := range c.endpoints {
		current[ep] = true
	}
	next := map[*endpoint]bool{}
	for _, ep := range want {
		next[ep] = true
		if !current[ep] {
			ep.removed.Store(false)
			ep.dropped.Store(false)
			ch.Added = append(ch.Added, ep.name)
			c.retired = slices.DeleteFunc(c.retired, func(r *endpoint) bool { return r == ep })
		}
	}
	for _, ep := range c.endpoints {
		if !next[ep] {
			ep.removed.Store(true)
			ch.Removed = append(ch.Removed, ep.name)
			c.retired = append(c.retired, ep)
		}
	}
	for _, ep := range rejoined {
		if current[ep] && ep.dropped.CompareAndSwap(true, false) {
			ch.Added = append(ch.Added, ep.name)
		}
	}
	c.endpoints = want
	return ch, nil
}

// anyDropped reports whether a server of the fleet failed its probe.
func (c *Client) anyDropped() bool {
	for _, ep := range c.fleet() {
		if ep.dropped.Load() {
			return true
		}
	}
	return false
}

// ServerStats is what one server did for the client: attempts sent to
// it, answered and failed, and the tokens of its answers. URL is the
// chat-completions URL without user name or password.
type ServerStats struct {
	URL              string `json:"url"`
	Requests         int64  `json:"requests"`
	Answered         int64  `json:"answered"`
	Failed           int64  `json:"failed"`
	PromptTokens     int64  `json:"prompt_tokens"`
	CompletionTokens int64  `json:"completion_tokens"`
	// Left is set for a server that left the fleet during the run (it was
	// removed from the endpoints file, or failed the probe).
	Left bool `json:"left,omitempty"`
}

// Servers returns, sorted by URL, what each server that was ever in the
// fleet did.
func (c *Client) Servers() []ServerStats {
	c.epMu.RLock()
	eps := append(slices.Clone(c.endpoints), c.retired...)
	c.epMu.RUnlock()
	out := make([]ServerStats, 0, len(eps))
	for _, ep := range eps {
		out = append(out, ServerStats{
			URL: withoutUserinfo(ep.url), Requests: ep.attempts.Load(), Answered: ep.answered.Load(), Failed: ep.failedN.Load(),
			PromptTokens: ep.promptTokens.Load(), CompletionTokens: ep.completion.Load(),
			Left: ep.removed.Load() || ep.dropped.Load(),
		})
	}
	slices.SortFunc(out, func(a, b ServerStats) int { return cmp.Compare(a.URL, b.URL) })
	return out
}

// withoutUserinfo is raw without user name and password, and with the
// values of credential query parameters (api_key=, token=, ...) masked,
// for records such as results.json.
func withoutUserinfo(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return redact.Shapes(redactURLString(raw))
	}
	u.User = nil
	return redact.Shapes(u.String())
}

// ReadEndpointsFile reads an endpoints file: one base URL a line; blank
// lines and everything after a '#' are ignored. Errors name the file and
// line.
func ReadEndpointsFile(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("llm: endpoints file: %w", err)
	}
	return parseEndpoints(path, b)
}

func parseEndpoints(path string, b []byte) ([]string, error) {
	var urls []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if strings.ContainsAny(line, " \t") {
			return nil, fmt.Errorf("llm: %s line %d: %q: one URL a line", path, n, redactURLString(line))
		}
		if _, err := normalizeBaseURL(line); err != nil {
			return nil, fmt.Errorf("llm: %s line %d: %w", path, n, err)
		}
		urls = append(urls, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("llm: %s: %w", path, err)
	}
	if len(urls) == 0 {
		return nil, fmt.Errorf("llm: %s lists no server (one base URL a line, # starts a comment)", path)
	}
	return urls, nil
}

// listedDropped reports whether the server named name is in the fleet,
// dropped after a failed probe (and so probed again at every read).
func listedDropped(c *Client, name string) bool {
	for _, ep := range c.fleet() {
		if ep.name == name {
			return ep.dropped.Load()
		}
	}
	return false
}

// DefaultWatchInterval is how often WatchEndpoints reads the file.
const DefaultWatchInterval = time.Second

// WatchEndpoints re-reads the endpoints file at path every interval
// (DefaultWatchInterval when zero) until ctx ends, and applies what it
// lists with SetServers (probing newcomers for model). A file that cannot
// be read or parsed, or that lists no usable server, is logged and the
// current servers are kept. It returns when ctx ends.
func (c *Client) WatchEndpoints(ctx context.Context, path string, interval time.Duration, model string) {
	if interval <= 0 {
		interval = DefaultWatchInterval
	}
	var last []byte
	var lastErr string
	failing := map[string]string{} // servers failing their probe: the cause last logged
	if b, err := os.ReadFile(path); err == nil {
		last = b // what the client was made from
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		b, err := os.ReadFile(path)
		if err == nil && bytes.Equal(b, last) && (model == "" || !c.anyDropped()) {
			continue
		}
		var urls []string
		if err == nil {
			urls, err = parseEndpoints(path, b)
		}
		var ch FleetChange
		if err == nil {
			ch, err = c.SetServers(ctx, urls, model)
		}
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if msg := err.Error(); msg != lastErr {
				c.log.Warn("llm: endpoints file not applied; keeping the current servers", slog.String("error", msg))
				lastErr = msg
			}
			continue
		}
		lastErr = ""
		if len(ch.Failed) == 0 || !slices.ContainsFunc(ch.Failed, func(f ProbeResult) bool { return !listedDropped(c, f.Endpoint) }) {
			last = b // a newcomer that failed its probe is tried again next time
		}
		for _, name := range ch.Added {
			c.log.Warn("llm: server joined", slog.String("endpoint", name))
		}
		for _, name := range ch.Removed {
			c.log.Warn("llm: server left; its requests move to the others", slog.String("endpoint", name))
		}
		for _, f := range ch.Failed {
			if msg := f.Err.Error(); failing[f.Endpoint] != msg {
				failing[f.Endpoint] = msg
				c.log.Warn("llm: listed server failed the probe; trying again later", slog.String("endpoint", f.Endpoint), slog.String("cause", msg))
			}
		}
		for _, name := range ch.Added {
			delete(failing, name)
		}
	}
}
