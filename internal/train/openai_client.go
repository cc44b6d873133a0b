package train

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// APIError is an error answer of the fine-tuning API.
type APIError struct {
	Method, Path string
	Status       int
	Message      string
	Type, Code   string
}

// Error names the request and the API's reason.
func (e *APIError) Error() string {
	s := fmt.Sprintf("%s %s: %d %s", e.Method, e.Path, e.Status, http.StatusText(e.Status))
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Code != "" {
		s += " (code " + e.Code + ")"
	}
	return s
}

// transient reports whether a failed request may succeed when repeated.
func transient(err error) bool {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Status == http.StatusTooManyRequests || ae.Status >= 500
	}
	return !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}

// ftClient talks to the files and fine-tuning endpoints. The key goes
// only into the Authorization header, never into errors or logs.
type ftClient struct {
	base string
	key  string
	http *http.Client
}

func newFTClient(o OpenAIOptions) (*ftClient, error) {
	base := strings.TrimRight(o.BaseURL, "/")
	if base == "" {
		base = "https://api.openai.com/v1"
	}
	u, err := url.Parse(base)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("openai base URL %q: want an absolute http(s) URL such as https://api.openai.com/v1", o.BaseURL)
	}
	if o.APIKey == "" {
		return nil, errors.New("openai engine: no API key: set OPENAI_API_KEY or pass --api-key")
	}
	timeout := o.HTTPTimeout
	if timeout <= 0 {
		timeout = 2 * time.Minute
	}
	return &ftClient{base: base, key: o.APIKey, http: &http.Client{Timeout: timeout}}, nil
}

// ftFile is the answer to a file upload.
type ftFile struct {
	ID       string `json:"id"`
	Bytes    int64  `json:"bytes"`
	Filename string `json:"filename"`
}

// Job is a fine-tuning job as the API describes it.
type Job struct {
	ID             string    `json:"id"`
	Model          string    `json:"model"`
	Status         string    `json:"status"`
	FineTunedModel string    `json:"fine_tuned_model"`
	TrainedTokens  int64     `json:"trained_tokens"`
	Error          *JobError `json:"error"`
}

// JobError says why a job failed.
type JobError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Param   string `json:"param"`
}

// jobEvent is one line of a job's event log.
type jobEvent struct {
	ID        string `json:"id"`
	CreatedAt int64  `json:"created_at"`
	Level     string `json:"level"`
	Message   string `json:"message"`
}

// jobRequest creates a supervised fine-tuning job.
type jobRequest struct {
	Model        string    `json:"model"`
	TrainingFile string    `json:"training_file"`
	Suffix       string    `json:"suffix,omitempty"`
	Seed         *int      `json:"seed,omitempty"`
	Method       jobMethod `json:"method"`
}

type jobMethod struct {
	Type       string `json:"type"`
	Supervised struct {
		Hyperparameters jobHyper `json:"hyperparameters"`
	} `json:"supervised"`
}

type jobHyper struct {
	NEpochs      int     `json:"n_epochs,omitempty"`
	BatchSize    int     `json:"batch_size,omitempty"`
	LRMultiplier float64 `json:"learning_rate_multiplier,omitempty"`
}

func (c *ftClient) upload(ctx context.Context, path string) (*ftFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		err := mw.WriteField("purpose", "fine-tune")
		if err == nil {
			var part io.Writer
			if part, err = mw.CreateFormFile("file", filepath.Base(path)); err == nil {
				if _, err = io.Copy(part, f); err == nil {
					err = mw.Close()
				}
			}
		}
		pw.CloseWithError(err)
	}()
	// Closing the reader ends the writing goroutine however the request ends.
	defer pr.Close()
	var out ftFile
	if err := c.do(ctx, http.MethodPost, "/files", pr, mw.FormDataContentType(), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func (c *ftClient) createJob(ctx context.Context, req jobRequest) (*Job, error) {
	b, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	var job Job
	if err := c.do(ctx, http.MethodPost, "/fine_tuning/jobs", bytes.NewReader(b), "application/json", &job); err != nil {
		return nil, err
	}
	return &job, nil
}

func (c *ftClient) job(ctx context.Context, id string) (*Job, error) {
	var job Job
	if err := c.do(ctx, http.MethodGet, "/fine_tuning/jobs/"+url.PathEscape(id), nil, "", &job); err != nil {
		return nil, err
	}
	return &job, nil
}

func (c *ftClient) events(ctx context.Context, id string) ([]jobEvent, error) {
	var page struct {
		Data []jobEvent `json:"data"`
	}
	if err := c.do(ctx, http.MethodGet, "/fine_tuning/jobs/"+url.PathEscape(id)+"/events?limit=100", nil, "", &page); err != nil {
		return nil, err
	}
	return page.Data, nil
}

func (c *ftClient) do(ctx context.Context, method, path string, body io.Reader, contentType string, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		// The transport's error names the URL, never the headers.
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return fmt.Errorf("%s %s: reading answer: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		ae := &APIError{Method: method, Path: path, Status: resp.StatusCode}
		var eb struct {
			Error struct {
				Message string `json:"message"`
				Type    string `json:"type"`
				Code    any    `json:"code"`
			} `json:"error"`
		}
		if json.Unmarshal(b, &eb) == nil && eb.Error.Message != "" {
			ae.Message, ae.Type = eb.Error.Message, eb.Error.Type
			if eb.Error.Code != nil {
				ae.Code = fmt.Sprint(eb.Error.Code)
			}
		} else {
			ae.Message = strings.TrimSpace(string(b[:min(len(b), 300)]))
		}
		return ae
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s %s: unreadable answer: %w", method, path, err)
	}
	return nil
}
