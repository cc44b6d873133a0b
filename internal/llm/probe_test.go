package llm

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

// closedURL returns the URL of a port nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return "http://" + addr + "/v1"
}

// vllmLike is a server that lists its models and answers 404 for others,
// and wants the bearer token key when key is set.
func vllmLike(t *testing.T, key string, models ...string) string {
	t.Helper()
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		if key != "" && r.Header.Get("Authorization") != "Bearer "+key {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"error":{"message":"Incorrect API key provided","type":"invalid_request_error"}}`)
			return
		}
		if r.Method == http.MethodGet && r.URL.Path == "/v1/models" {
			var ids []string
			for _, m := range models {
				ids = append(ids, fmt.Sprintf(`{"id":%q,"object":"model"}`, m))
			}
			_, _ = io.WriteString(w, `{"object":"list","data":[`+strings.Join(ids, ",")+`]}`)
			return
		}
		var req testRequest
		if err := decodeJSON(r, &req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		for _, m := range models {
			if m == req.Model {
				writeChoices(w, "stop", "ok")
				return
			}
		}
		w.WriteHeader(http.StatusNotFound)
		_, _ = fmt.Fprintf(w, `{"object":"error","message":"The model %s does not exist.","type":"NotFoundError","code":404}`, req.Model)
	})
	return srv.URL + "/v1"
}

func TestProbe(t *testing.T) {
	t.Parallel()
	anyModel := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		// llama.cpp-like: no model list route, any model name served.
		if r.Method == http.MethodGet {
			http.NotFound(w, r)
			return
		}
		drain(r)
		writeChoices(w, "length", "O")
	}).URL
	failing := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		drain(r)
		http.Error(w, `{"error":{"message":"engine crashed"}}`, http.StatusInternalServerError)
	}).URL
	tests := []struct {
		name  string
		url   string
		key   string
		model string
		want  string // in the error; "" for usable
	}{
		{"listed model", vllmLike(t, "", "qwen"), "", "qwen", ""},
		{"unlisted model accepted", anyModel, "", "whatever", ""},
		{"unknown model", vllmLike(t, "", "qwen", "llama"), "", "mistral", `does not serve model "mistral" (it serves: qwen, llama); check --model`},
		{"no key", vllmLike(t, "sk-right", "qwen"), "", "qwen", "the server wants an API key (HTTP 401"},
		{"wrong key", vllmLike(t, "sk-right", "qwen"), "sk-wrong", "qwen", "refused the API key (HTTP 401: Incorrect API key provided); check --api-key"},
		{"closed port", closedURL(t), "", "qwen", "cannot reach the server"},
		{"500 to everything", failing, "", "qwen", "HTTP 500: engine crashed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := fastOptions(tt.url)
			opts.APIKey = tt.key
			c := newTestClient(t, opts)
			res, err := c.Probe(t.Context(), tt.model)
			if len(res) != 1 {
				t.Fatalf("got %d results, want 1", len(res))
			}
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Probe: %v", err)
				}
				if _, err := c.Complete(t.Context(), Request{Model: tt.model, Messages: []Message{{Role: "user", Content: "hi"}}}); err != nil {
					t.Errorf("Complete after a passed probe: %v", err)
				}
				return
			}
			var pe *ProbeError
			if !errors.As(err, &pe) {
				t.Fatalf("Probe error = %v, want a *ProbeError", err)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), res[0].Endpoint) {
				t.Errorf("Probe error = %q, want one naming the server and containing %q", err, tt.want)
			}
			if st := c.Stats(); st.Requests != 0 {
				t.Errorf("probe counted %d requests in Stats, want 0", st.Requests)
			}
		})
	}
}

func TestProbeDropsBadServer(t *testing.T) {
	t.Parallel()
	var goodCalls atomic.Int64
	good := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			_, _ = io.WriteString(w, `{"data":[{"id":"m"}]}`)
			return
		}
		drain(r)
		goodCalls.Add(1)
		writeChoices(w, "stop", "ok")
	})
	bad := closedURL(t)
	var logs bytes.Buffer
	opts := fastOptions("http://user:hunter2@"+strings.TrimPrefix(bad, "http://"), good.URL)
	opts.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	c := newTestClient(t, opts)
	res, err := c.Probe(t.Context(), "m")
	if err != nil {
		t.Fatalf("Probe with one good server: %v", err)
	}
	if res[0].Err == nil || res[1].Err != nil {
		t.Fatalf("results %+v, want the first bad and the second good", res)
	}
	if !strings.Contains(logs.String(), "failed the probe") || strings.Contains(logs.String(), "hunter2") {
		t.Errorf("log does not warn about the dropped server, or shows its password:\n%s", logs.String())
	}
	for i := range 10 {
		if _, err := c.Complete(t.Context(), userRequest(fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	if n := goodCalls.Load(); n != 10 {
		t.Errorf("good server got %d of 10 requests", n)
	}
	if st := c.Stats(); st.Retries != 0 {
		t.Errorf("%d retries: requests went to the dropped server", st.Retries)
	}
}

func TestProbeNoServerUsable(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, fastOptions(closedURL(t), vllmLike(t, "sk-x", "m")))
	res, err := c.Probe(t.Context(), "m")
	var pe *ProbeError
	if !errors.As(err, &pe) || len(pe.Results) != 2 {
		t.Fatalf("Probe = %v, want a *ProbeError for both servers", err)
	}
	for _, r := range res {
		if r.Err == nil || !strings.Contains(err.Error(), r.Endpoint) {
			t.Errorf("error %q does not name %s", err, r.Endpoint)
		}
	}
}
