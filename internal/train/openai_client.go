package train

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
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
	// uploadHTTP sends file bodies: no overall timeout, since a 512 MB body
	// takes minutes; the context still bounds it.
	uploadHTTP *http.Client
	// filesLimit and partSize are FilesEndpointLimit and UploadPartSize,
	// smaller in tests.
	filesLimit, partSize int64
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
	c := &ftClient{base: base, key: o.APIKey, http: &http.Client{Timeout: timeout}, uploadHTTP: &http.Client{},
		filesLimit: FilesEndpointLimit, partSize: UploadPartSize}
	if o.filesLimit > 0 {
		c.filesLimit = o.filesLimit
	}
	if o.partSize > 0 {
		c.partSize = o.partSize
	}
	return c, nil
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

// FilesEndpointLimit is the largest file the files endpoint takes in one
// request (512 MB); larger training files go through the uploads API in
// parts.
const FilesEndpointLimit = 512 << 20

// UploadPartSize is the size of each part sent to the uploads API (its
// limit is 64 MB a part).
const UploadPartSize = 64 << 20

// upload sends the training file: in one sized request to the files
// endpoint when it fits its limit, else through the uploads API in parts.
func (c *ftClient) upload(ctx context.Context, path string) (*ftFile, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Size() > c.filesLimit {
		return c.uploadParts(ctx, path, st.Size())
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	body, ctype, n, err := multipartBody(map[string]string{"purpose": "fine-tune"}, "file", filepath.Base(path), f, st.Size())
	if err != nil {
		return nil, err
	}
	var out ftFile
	if err := c.doSized(ctx, http.MethodPost, "/files", body, n, ctype, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// multipartBody builds a multipart/form-data body of the fields and one
// file part of the given size, without reading the file: the prefix and
// suffix are rendered in memory, so the total length is known and the
// request carries a Content-Length instead of chunked encoding.
func multipartBody(fields map[string]string, fileField, fileName string, file io.Reader, size int64) (io.Reader, string, int64, error) {
	var head bytes.Buffer
	mw := multipart.NewWriter(&head)
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if err := mw.WriteField(k, fields[k]); err != nil {
			return nil, "", 0, err
		}
	}
	if _, err := mw.CreateFormFile(fileField, fileName); err != nil {
		return nil, "", 0, err
	}
	prefix := append([]byte(nil), head.Bytes()...)
	head.Reset()
	if err := mw.Close(); err != nil {
		return nil, "", 0, err
	}
	suffix := head.Bytes()
	n := int64(len(prefix)) + size + int64(len(suffix))
	return io.MultiReader(bytes.NewReader(prefix), io.LimitReader(file, size), bytes.NewReader(suffix)), mw.FormDataContentType(), n, nil
}

// ftUpload is an object of the uploads API.
type ftUpload struct {
	ID     string  `json:"id"`
	Status string  `json:"status"`
	File   *ftFile `json:"file"`
}

// uploadParts sends a large file through the uploads API: create the
// upload with its size, add the parts in order, complete it with the part
// ids in that order and the file's MD5; the completed upload names the file.
func (c *ftClient) uploadParts(ctx context.Context, path string, size int64) (*ftFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	create, err := json.Marshal(map[string]any{
		"filename": filepath.Base(path), "purpose": "fine-tune", "bytes": size, "mime_type": "application/jsonl",
	})
	if err != nil {
		return nil, err
	}
	var up ftUpload
	if err := c.do(ctx, http.MethodPost, "/uploads", bytes.NewReader(create), "application/json", &up); err != nil {
		return nil, err
	}
	sum := md5.New()
	var partIDs []string
	for off := int64(0); off < size; off += c.partSize {
		n := min(c.partSize, size-off)
		body, ctype, total, err := multipartBody(nil, "data", filepath.Base(path), io.TeeReader(io.NewSectionReader(f, off, n), sum), n)
		if err != nil {
			return nil, err
		}
		var part struct {
			ID string `json:"id"`
		}
		if err := c.doSized(ctx, http.MethodPost, "/uploads/"+url.PathEscape(up.ID)+"/parts", body, total, ctype, &part); err != nil {
			return nil, fmt.Errorf("upload %s part %d: %w", up.ID, len(partIDs)+1, err)
		}
		partIDs = append(partIDs, part.ID)
	}
	done, err := json.Marshal(map[string]any{"part_ids": partIDs, "md5": hex.EncodeToString(sum.Sum(nil))})
	if err != nil {
		return nil, err
	}
	if err := c.do(ctx, http.MethodPost, "/uploads/"+url.PathEscape(up.ID)+"/complete", bytes.NewReader(done), "application/json", &up); err != nil {
		return nil, err
	}
	if up.File == nil || up.File.ID == "" {
		return nil, fmt.Errorf("upload %s completed with status %q but names no file", up.ID, up.Status)
	}
	return up.File, nil
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

// eventsPageSize is how many events one request asks for.
const eventsPageSize = 100

// events returns the job's events not in seen, oldest first. The API lists
// events newest first, a page at a time: each next page starts after the
// last (oldest) event of the one before, while has_more is true. Paging
// stops early at an event already seen, since all older ones were seen too.
func (c *ftClient) events(ctx context.Context, id string, seen map[string]bool) ([]jobEvent, error) {
	var all []jobEvent
	after := ""
	for {
		q := url.Values{"limit": {strconv.Itoa(eventsPageSize)}}
		if after != "" {
			q.Set("after", after)
		}
		var page struct {
			Data    []jobEvent `json:"data"`
			HasMore bool       `json:"has_more"`
		}
		if err := c.do(ctx, http.MethodGet, "/fine_tuning/jobs/"+url.PathEscape(id)+"/events?"+q.Encode(), nil, "", &page); err != nil {
			return nil, err
		}
		for _, e := range page.Data {
			if seen[e.ID] {
				slices.Reverse(all)
				return all, nil
			}
			all = append(all, e)
		}
		if !page.HasMore || len(page.Data) == 0 {
			break
		}
		after = page.Data[len(page.Data)-1].ID
	}
	slices.Reverse(all)
	return all, nil
}

func (c *ftClient) do(ctx context.Context, method, path string, body io.Reader, contentType string, out any) error {
	return c.doSized(ctx, method, path, body, -1, contentType, out)
}

// doSized sends a request whose body has the given length (-1: unknown, or
// taken from a bytes.Reader), so that the request carries Content-Length.
func (c *ftClient) doSized(ctx context.Context, method, path string, body io.Reader, size int64, contentType string, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if size >= 0 {
		req.ContentLength = size
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	client := c.http
	if size > 0 {
		client = c.uploadHTTP
	}
	resp, err := client.Do(req)
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
