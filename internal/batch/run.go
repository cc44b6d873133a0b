package batch

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/regenesis-ai/regenesis/internal/fileio"
	"github.com/regenesis-ai/regenesis/internal/llm"
)

// ErrQueued is returned by a Collector for a request it has queued for the
// next batch instead of answering it.
var ErrQueued = errors.New("batch: request queued for the next batch")

// Limits of one batch input file (OpenAI's: 50,000 requests, 200 MB).
const (
	MaxRequestsPerFile = 50_000
	MaxBytesPerFile    = 190 << 20
)

// DefaultMaxAttempts is how many batches a request may fail in before the
// run stops and names it.
const DefaultMaxAttempts = 3

// Meta is where the batch state lives: the run store's metadata table.
type Meta interface {
	PutMeta(ctx context.Context, key string, value []byte) error
	GetMeta(ctx context.Context, key string) ([]byte, bool, error)
}

// Meta keys.
const (
	stateKey     = "batch/state"
	outputPrefix = "batch/output/"
)

// State is what the store records about a run's batches.
type State struct {
	// Round counts the batches submitted so far (rounds of the method).
	Round int `json:"round"`
	// Pending are the batches submitted and not yet collected.
	Pending []Pending `json:"pending"`
	// Collected are batches whose validated output is saved in the store
	// (under batch/output/<id>) and not yet consumed by a finished run.
	Collected []string `json:"collected,omitempty"`
	// Failures counts, per request (custom_id), the batches it failed in.
	Failures map[string]int `json:"failures,omitempty"`
}

// Pending is one submitted batch.
type Pending struct {
	ID          string    `json:"id"`
	InputFileID string    `json:"input_file_id"`
	Round       int       `json:"round"`
	Requests    int       `json:"requests"`
	SubmittedAt time.Time `json:"submitted_at"`
	// Samples maps each request's custom_id to its number of samples (n),
	// to validate the output against.
	Samples map[string]int `json:"samples"`
}

// LoadState reads the batch state of a store (empty when it has none).
func LoadState(ctx context.Context, m Meta) (*State, error) {
	raw, ok, err := m.GetMeta(ctx, stateKey)
	if err != nil {
		return nil, err
	}
	st := &State{Failures: map[string]int{}}
	if !ok {
		return st, nil
	}
	if err := json.Unmarshal(raw, st); err != nil {
		return nil, fmt.Errorf("batch: the store's batch state: %w", err)
	}
	if st.Failures == nil {
		st.Failures = map[string]int{}
	}
	return st, nil
}

func saveState(ctx context.Context, m Meta, st *State) error {
	raw, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return m.PutMeta(ctx, stateKey, raw)
}

// CustomID is the id of a request in a batch file: the SHA-256 of its
// request body, so that a re-run of the same command asks for the same ids.
func CustomID(body []byte) string {
	h := sha256.Sum256(body)
	return "rg-" + hex.EncodeToString(h[:16])
}

// Runner submits, polls and collects a run's batches.
type Runner struct {
	API         *API
	Meta        Meta
	MaxAttempts int
}

// Polled is the outcome of a poll.
type Polled struct {
	// Running are the batches still running on the server.
	Running []*Batch
	// Collected are the batches whose output was downloaded now.
	Collected []*Batch
	// Failed counts request lines that came back failed or invalid now.
	Failed int
}

// Poll asks the server about every pending batch; a finished one has its
// output and error files downloaded and validated, the good lines saved in
// the store before anything uses them, the failed ones counted.
func (r *Runner) Poll(ctx context.Context) (*Polled, error) {
	st, err := LoadState(ctx, r.Meta)
	if err != nil {
		return nil, err
	}
	out := &Polled{}
	var still []Pending
	for _, p := range st.Pending {
		b, err := r.API.Get(ctx, p.ID)
		if err != nil {
			return nil, err
		}
		if !b.Terminal() {
			out.Running = append(out.Running, b)
			still = append(still, p)
			continue
		}
		good, failed, err := r.download(ctx, b, p)
		if err != nil {
			return nil, err
		}
		if err := r.Meta.PutMeta(ctx, outputPrefix+p.ID, good); err != nil {
			return nil, err
		}
		for _, id := range failed {
			st.Failures[id]++
		}
		out.Failed += len(failed)
		st.Collected = append(st.Collected, p.ID)
		out.Collected = append(out.Collected, b)
	}
	st.Pending = still
	if err := saveState(ctx, r.Meta, st); err != nil {
		return nil, err
	}
	return out, nil
}

// outputLine is one line of a batch output or error file.
type outputLine struct {
	CustomID string `json:"custom_id"`
	Response *struct {
		StatusCode int             `json:"status_code"`
		Body       json.RawMessage `json:"body"`
	} `json:"response"`
	Error *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// saved is a validated output line as the store keeps it.
type saved struct {
	CustomID string          `json:"custom_id"`
	Body     json.RawMessage `json:"body"`
}

// download reads b's output and error files and returns the good lines
// (as saved JSONL) and the custom_ids of the requests that failed.
func (r *Runner) download(ctx context.Context, b *Batch, p Pending) ([]byte, []string, error) {
	answered := map[string]bool{}
	var good bytes.Buffer
	var failed []string
	read := func(fileID string) error {
		raw, err := r.API.Content(ctx, fileID)
		if err != nil {
			return err
		}
		for l, err := range fileio.ReadLines[outputLine]("file "+fileID, bytes.NewReader(raw)) {
			if err != nil {
				return fmt.Errorf("batch %s: %w", b.ID, err)
			}
			ol, n := l.Value, l.N
			want, ours := p.Samples[ol.CustomID]
			if !ours || answered[ol.CustomID] {
				return fmt.Errorf("batch %s: file %s line %d: custom_id %q was not asked for, or answered twice", b.ID, fileID, n, ol.CustomID)
			}
			answered[ol.CustomID] = true
			if ol.Error != nil || ol.Response == nil || ol.Response.StatusCode != 200 {
				failed = append(failed, ol.CustomID)
				continue
			}
			if _, err := llm.DecodeChatResponse(ol.Response.Body, want); err != nil {
				failed = append(failed, ol.CustomID)
				continue
			}
			enc, _ := json.Marshal(saved{CustomID: ol.CustomID, Body: ol.Response.Body})
			good.Write(enc)
			good.WriteByte('\n')
		}
		return nil
	}
	for _, id := range []*string{b.OutputFileID, b.ErrorFileID} {
		if id != nil && *id != "" {
			if err := read(*id); err != nil {
				return nil, nil, err
			}
		}
	}
	// Requests without a line (an expired or cancelled batch) failed too.
	for _, id := range slices.Sorted(maps.Keys(p.Samples)) {
		if !answered[id] {
			failed = append(failed, id)
		}
	}
	return good.Bytes(), failed, nil
}

// Collector returns a Completer that answers from the collected outputs
// and queues every other request for the next batch (ErrQueued).
func (r *Runner) Collector(ctx context.Context) (*Collector, error) {
	st, err := LoadState(ctx, r.Meta)
	if err != nil {
		return nil, err
	}
	c := &Collector{results: map[string]json.RawMessage{}, queued: map[string]queued{},
		failures: st.Failures, maxAttempts: r.MaxAttempts}
	if c.maxAttempts <= 0 {
		c.maxAttempts = DefaultMaxAttempts
	}
	for _, id := range st.Collected {
		raw, _, err := r.Meta.GetMeta(ctx, outputPrefix+id)
		if err != nil {
			return nil, err
		}
		for l, err := range fileio.ReadLines[saved]("the store's output of batch "+id, bytes.NewReader(raw)) {
			if err != nil {
				return nil, fmt.Errorf("batch: %w", err)
			}
			c.results[l.Value.CustomID] = l.Value.Body
		}
	}
	return c, nil
}

// Collector is an llm.Completer over collected batch outputs; see
// Runner.Collector. It is safe for concurrent use.
type Collector struct {
	results     map[string]json.RawMessage
	failures    map[string]int
	maxAttempts int

	mu     sync.Mutex
	queued map[string]queued
}

type queued struct {
	body []byte
	n    int
}

// Complete answers req from a collected output, or queues it.
func (c *Collector) Complete(ctx context.Context, req llm.Request) (*llm.Response, error) {
	body, err := llm.ChatRequestBody(req)
	if err != nil {
		return nil, err
	}
	id := CustomID(body)
	n := max(req.N, 1)
	if raw, ok := c.results[id]; ok {
		resp, err := llm.DecodeChatResponse(raw, n)
		if err != nil {
			return nil, fmt.Errorf("batch: output of request %s: %w", id, err)
		}
		return resp, nil
	}
	if f := c.failures[id]; f >= c.maxAttempts {
		return nil, fmt.Errorf("batch: request %s failed in %d batches; run the command without --batch to send it directly", id, f)
	}
	c.mu.Lock()
	c.queued[id] = queued{body: body, n: n}
	c.mu.Unlock()
	return nil, ErrQueued
}

// Queued returns the number of requests queued.
func (c *Collector) Queued() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.queued)
}

// Submit uploads the queued requests as batch files (split at the API's
// limits), creates a batch for each and records them as pending in the
// store. It returns the batches created.
func (r *Runner) Submit(ctx context.Context, c *Collector, metadata map[string]string) ([]Pending, error) {
	st, err := LoadState(ctx, r.Meta)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	ids := slices.Sorted(func(yield func(string) bool) {
		for id := range c.queued {
			if !yield(id) {
				return
			}
		}
	})
	c.mu.Unlock()
	st.Round++
	var made []Pending
	for len(ids) > 0 {
		var file bytes.Buffer
		p := Pending{Round: st.Round, Samples: map[string]int{}}
		for len(ids) > 0 && p.Requests < MaxRequestsPerFile {
			q := c.queued[ids[0]]
			line, _ := json.Marshal(struct {
				CustomID string          `json:"custom_id"`
				Method   string          `json:"method"`
				URL      string          `json:"url"`
				Body     json.RawMessage `json:"body"`
			}{ids[0], "POST", Endpoint, q.body})
			if p.Requests > 0 && file.Len()+len(line)+1 > MaxBytesPerFile {
				break
			}
			file.Write(line)
			file.WriteByte('\n')
			p.Samples[ids[0]] = q.n
			p.Requests++
			ids = ids[1:]
		}
		name := fmt.Sprintf("regenesis-round%d-%d.jsonl", st.Round, len(made)+1)
		fileID, err := r.API.Upload(ctx, name, file.Bytes())
		if err != nil {
			return made, err
		}
		b, err := r.API.Create(ctx, fileID, metadata)
		if err != nil {
			return made, err
		}
		p.ID, p.InputFileID, p.SubmittedAt = b.ID, fileID, time.Now().UTC()
		st.Pending = append(st.Pending, p)
		// Record each batch as soon as it exists, so that a crash leaves
		// none unknown to the store.
		if err := saveState(ctx, r.Meta, st); err != nil {
			return made, fmt.Errorf("batch %s was created but not recorded (cancel it with the provider's tools): %w", b.ID, err)
		}
		made = append(made, p)
	}
	return made, nil
}

// Finish forgets the collected outputs after a run used them to the end
// (their samples are in the store) and the failure counts.
func (r *Runner) Finish(ctx context.Context) error {
	st, err := LoadState(ctx, r.Meta)
	if err != nil {
		return err
	}
	for _, id := range st.Collected {
		if err := r.Meta.PutMeta(ctx, outputPrefix+id, nil); err != nil {
			return err
		}
	}
	st.Collected, st.Failures = nil, nil
	return saveState(ctx, r.Meta, st)
}

// CancelAll asks the server to cancel every pending batch and returns
// those it cancelled; their state stays pending until a poll sees them
// cancelled (and collects any partial output).
func (r *Runner) CancelAll(ctx context.Context) ([]*Batch, error) {
	st, err := LoadState(ctx, r.Meta)
	if err != nil {
		return nil, err
	}
	var out []*Batch
	for _, p := range st.Pending {
		b, err := r.API.Cancel(ctx, p.ID)
		if err != nil {
			return out, err
		}
		out = append(out, b)
	}
	return out, nil
}
