package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// probeAttempts is how often a probe request is tried when it fails in a
// way that may pass (a dropped connection, 5xx, 429).
const probeAttempts = 3

// ProbeResult is what the probe found out about one server.
type ProbeResult struct {
	// Endpoint is the chat-completions URL, without credentials.
	Endpoint string
	// Err says why the server is not usable; nil when it is.
	Err error
}

// ProbeError is returned by Probe when no server is usable.
type ProbeError struct{ Results []ProbeResult }

// Error implements error.
func (e *ProbeError) Error() string {
	if len(e.Results) == 1 {
		return fmt.Sprintf("model server %s is not usable: %v (skip this check with --no-probe)",
			e.Results[0].Endpoint, e.Results[0].Err)
	}
	var b strings.Builder
	b.WriteString("no model server is usable (skip this check with --no-probe):")
	for _, r := range e.Results {
		fmt.Fprintf(&b, "\n  %s: %v", r.Endpoint, r.Err)
	}
	return b.String()
}

// Probe checks every server once before any work: that it answers, that
// it accepts the API key, and that it serves model. It asks GET
// /v1/models and, when the model is not listed there (or the server has no
// such route), sends a one-token chat completion. A server that fails the
// probe is dropped from the client with a warning when others are usable;
// when none is, Probe returns a *ProbeError naming each server and its
// cause. Call it before the first Complete; its requests are not counted
// in Stats.
func (c *Client) Probe(ctx context.Context, model string) ([]ProbeResult, error) {
	eps := c.fleet()
	results := make([]ProbeResult, len(eps))
	var wg sync.WaitGroup
	for i, ep := range eps {
		wg.Go(func() {
			results[i] = ProbeResult{Endpoint: ep.name, Err: c.probe(ctx, ep, model)}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return results, err
	}
	usable := 0
	for _, r := range results {
		if r.Err == nil {
			usable++
		}
	}
	if usable == 0 {
		return results, &ProbeError{Results: results}
	}
	for i, r := range results {
		if r.Err != nil {
			eps[i].dropped.Store(true)
			c.log.Warn("llm: server failed the probe; not using it",
				slog.String("endpoint", r.Endpoint), slog.String("cause", r.Err.Error()))
		}
	}
	return results, nil
}

// probeReply is one probe request's outcome.
type probeReply struct {
	status int
	body   []byte
	err    error // a transport error; status is 0 then
}

// probe checks one endpoint and returns why it is not usable, or nil.
func (c *Client) probe(ctx context.Context, ep *endpoint, model string) error {
	modelsURL := strings.TrimSuffix(ep.url, "/chat/completions") + "/models"
	r := c.probeRequest(ctx, http.MethodGet, modelsURL, nil)
	if r.err != nil {
		return c.key.redactErr(fmt.Errorf("cannot reach the server: %w (is it running, and is --base-url right?)", r.err))
	}
	if err := c.authFailure(ep, r); err != nil {
		return err
	}
	var listed []string
	if r.status == http.StatusOK {
		var list struct {
			Data []struct {
				ID string `json:"id"`
			} `json:"data"`
		}
		if json.Unmarshal(r.body, &list) == nil {
			for _, m := range list.Data {
				listed = append(listed, m.ID)
			}
		}
		if slices.Contains(listed, model) {
			return nil
		}
	}
	// No list, or the model is not on it: some servers (llama.cpp) serve
	// any name. Ask for one token.
	body, err := json.Marshal(wireRequest{Model: model, Messages: []Message{{Role: "user", Content: "Reply with OK."}}, MaxTokens: 1, N: 1})
	if err != nil {
		return fmt.Errorf("encode probe request: %w", err)
	}
	r = c.probeRequest(ctx, http.MethodPost, ep.url, body)
	if r.err != nil {
		return c.key.redactErr(fmt.Errorf("cannot reach the server: %w (is it running, and is --base-url right?)", r.err))
	}
	if err := c.authFailure(ep, r); err != nil {
		return err
	}
	if r.status == http.StatusOK || r.status == http.StatusTooManyRequests {
		if len(listed) > 0 {
			c.log.Warn("llm: server does not list the model but accepted a request for it",
				slog.String("endpoint", ep.name), slog.String("model", model), slog.String("listed", strings.Join(listed, ", ")))
		}
		return nil
	}
	apiErr := newAPIError(ep.name, r.status, r.body, c.key.redact)
	unknownModel := r.status == http.StatusNotFound ||
		(r.status >= 400 && r.status < 500 && (len(listed) > 0 || strings.Contains(strings.ToLower(apiErr.Message), "model")))
	if unknownModel {
		serves := ""
		if len(listed) > 0 {
			serves = fmt.Sprintf(" (it serves: %s)", strings.Join(listed, ", "))
		}
		return fmt.Errorf("the server does not serve model %q%s; check --model (HTTP %d: %s)", model, serves, r.status, apiErr.Message)
	}
	return fmt.Errorf("a one-token test request failed: HTTP %d: %s", r.status, apiErr.Message)
}

// authFailure describes a 401 or 403 reply; nil for any other.
func (c *Client) authFailure(ep *endpoint, r probeReply) error {
	if r.status != http.StatusUnauthorized && r.status != http.StatusForbidden {
		return nil
	}
	msg := newAPIError(ep.name, r.status, r.body, c.key.redact).Message
	if c.auth == "" {
		return fmt.Errorf("authentication failed: the server wants an API key (HTTP %d: %s); set --api-key or OPENAI_API_KEY", r.status, msg)
	}
	return fmt.Errorf("authentication failed: the server refused the API key (HTTP %d: %s); check --api-key or OPENAI_API_KEY", r.status, msg)
}

// probeRequest sends one probe request, trying again when it fails in a
// way that may pass.
func (c *Client) probeRequest(ctx context.Context, method, target string, body []byte) probeReply {
	var r probeReply
	for attempt := range probeAttempts {
		if attempt > 0 {
			if err := sleep(ctx, c.opts.BackoffBase<<(attempt-1)); err != nil {
				return probeReply{err: err}
			}
		}
		r = c.probeOnce(ctx, method, target, body)
		if r.err == nil && r.status != http.StatusTooManyRequests && r.status < 500 {
			return r
		}
		if ctx.Err() != nil {
			return probeReply{err: ctx.Err()}
		}
	}
	return r
}

func (c *Client) probeOnce(ctx context.Context, method, target string, body []byte) probeReply {
	actx, cancel := context.WithTimeout(ctx, c.opts.ProbeTimeout)
	defer cancel()
	var rd *bytes.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	var hreq *http.Request
	var err error
	if rd != nil {
		hreq, err = http.NewRequestWithContext(actx, method, target, rd)
	} else {
		hreq, err = http.NewRequestWithContext(actx, method, target, nil)
	}
	if err != nil {
		return probeReply{err: err}
	}
	hreq.Header.Set("Accept", "application/json")
	if body != nil {
		hreq.Header.Set("Content-Type", "application/json")
	}
	if c.auth != "" {
		hreq.Header.Set("Authorization", c.auth)
	}
	start := time.Now()
	hresp, err := c.http.Do(hreq)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		if errors.Is(actx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
			err = fmt.Errorf("no reply within %v", time.Since(start).Round(time.Millisecond))
		}
		return probeReply{err: err}
	}
	defer hresp.Body.Close()
	raw, err := readBody(hresp)
	if err != nil {
		return probeReply{err: err}
	}
	return probeReply{status: hresp.StatusCode, body: raw}
}
