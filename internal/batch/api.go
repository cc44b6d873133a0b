// Package batch runs a command's model requests through the OpenAI Batch
// API (half the price, results within a day): each round, the requests the
// run needs and the store lacks go out as one batch file; the store records
// the pending batch; a later run polls it, downloads and validates its
// output, serves it through the run store (which commits every sample) and
// lets the method advance to its next stage, which becomes the next round.
package batch

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
)

// Endpoint is the batch endpoint of chat completions.
const Endpoint = "/v1/chat/completions"

// API is a client for the files and batches API of an OpenAI-compatible
// server.
type API struct {
	base string // ".../v1", no trailing slash
	auth string
	http *http.Client
}

// NewAPI returns a client for the server at baseURL ("http://host:8000",
// "https://api.openai.com/v1"), authenticated with key.
func NewAPI(baseURL, key string, hc *http.Client) (*API, error) {
	u, err := url.Parse(strings.TrimSpace(baseURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("batch: base URL %q: want http(s)://host[/v1]", redact(baseURL))
	}
	path := strings.TrimRight(u.Path, "/")
	path = strings.TrimSuffix(path, "/chat/completions")
	if path == "" {
		path = "/v1"
	}
	u.Path = path
	if hc == nil {
		hc = http.DefaultClient
	}
	a := &API{base: u.String(), http: hc}
	if key != "" {
		a.auth = "Bearer " + key
	}
	return a, nil
}

func redact(s string) string {
	if u, err := url.Parse(s); err == nil {
		return u.Redacted()
	}
	return "(unparseable)"
}

// Batch is the API's Batch object (the fields used here).
type Batch struct {
	ID            string  `json:"id"`
	Status        string  `json:"status"`
	InputFileID   string  `json:"input_file_id"`
	OutputFileID  *string `json:"output_file_id"`
	ErrorFileID   *string `json:"error_file_id"`
	CreatedAt     int64   `json:"created_at"`
	RequestCounts struct {
		Total     int `json:"total"`
		Completed int `json:"completed"`
		Failed    int `json:"failed"`
	} `json:"request_counts"`
	Errors *struct {
		Data []struct {
			Code    string `json:"code"`
			Message string `json:"message"`
			Line    *int   `json:"line"`
		} `json:"data"`
	} `json:"errors"`
}

// Terminal reports whether the batch will change no more.
func (b *Batch) Terminal() bool {
	switch b.Status {
	case "completed", "failed", "expired", "cancelled":
		return true
	}
	return false
}

// APIError is an HTTP error status from the files or batches API.
type APIError struct {
	Op         string
	StatusCode int
	Message    string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("batch: %s: HTTP %d: %s", e.Op, e.StatusCode, e.Message)
}

func (a *API) do(ctx context.Context, op, method, path string, body io.Reader, contentType string, out any) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, body)
	if err != nil {
		return nil, fmt.Errorf("batch: %s: %w", op, err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if a.auth != "" {
		req.Header.Set("Authorization", a.auth)
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("batch: %s: %w", op, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<30))
	if err != nil {
		return nil, fmt.Errorf("batch: %s: reading the response: %w", op, err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		msg := strings.TrimSpace(string(raw))
		if json.Unmarshal(raw, &e) == nil && e.Error.Message != "" {
			msg = e.Error.Message
		}
		if len(msg) > 500 {
			msg = msg[:500] + "..."
		}
		return nil, &APIError{Op: op, StatusCode: resp.StatusCode, Message: msg}
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return nil, fmt.Errorf("batch: %s: decoding the response: %w", op, err)
		}
	}
	return raw, nil
}

// Upload sends content as a file of purpose "batch" and returns its id.
func (a *API) Upload(ctx context.Context, name string, content []byte) (string, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if err := mw.WriteField("purpose", "batch"); err != nil {
		return "", err
	}
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		return "", err
	}
	if _, err := fw.Write(content); err != nil {
		return "", err
	}
	if err := mw.Close(); err != nil {
		return "", err
	}
	var f struct {
		ID string `json:"id"`
	}
	if _, err := a.do(ctx, "upload "+name, http.MethodPost, "/files", &buf, mw.FormDataContentType(), &f); err != nil {
		return "", err
	}
	if f.ID == "" {
		return "", fmt.Errorf("batch: upload %s: the server returned no file id", name)
	}
	return f.ID, nil
}

// Create starts a batch over the uploaded file.
func (a *API) Create(ctx context.Context, fileID string, metadata map[string]string) (*Batch, error) {
	body, _ := json.Marshal(map[string]any{
		"input_file_id": fileID, "endpoint": Endpoint, "completion_window": "24h", "metadata": metadata,
	})
	var b Batch
	if _, err := a.do(ctx, "create batch", http.MethodPost, "/batches", bytes.NewReader(body), "application/json", &b); err != nil {
		return nil, err
	}
	if b.ID == "" {
		return nil, fmt.Errorf("batch: create batch: the server returned no batch id")
	}
	return &b, nil
}

// Get returns the batch's current state.
func (a *API) Get(ctx context.Context, id string) (*Batch, error) {
	var b Batch
	if _, err := a.do(ctx, "get batch "+id, http.MethodGet, "/batches/"+url.PathEscape(id), nil, "", &b); err != nil {
		return nil, err
	}
	return &b, nil
}

// Cancel asks the server to cancel the batch.
func (a *API) Cancel(ctx context.Context, id string) (*Batch, error) {
	var b Batch
	if _, err := a.do(ctx, "cancel batch "+id, http.MethodPost, "/batches/"+url.PathEscape(id)+"/cancel", nil, "", &b); err != nil {
		return nil, err
	}
	return &b, nil
}

// Content downloads a file's bytes.
func (a *API) Content(ctx context.Context, fileID string) ([]byte, error) {
	return a.do(ctx, "download file "+fileID, http.MethodGet, "/files/"+url.PathEscape(fileID)+"/content", nil, "", nil)
}
