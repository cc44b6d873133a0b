package simserver

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"time"
)

// The Batch API of the simulated server (TEST DOUBLE): a batch reads its
// input file (uploaded through the files API with purpose "batch"),
// validates it, runs for BatchDuration and then answers every line through
// the same chat handler as live requests (faults included: a line may come
// back 429 or 500 in the error file), as OpenAI's /v1/batches does.

// DefaultBatchDuration is how long a simulated batch runs.
const DefaultBatchDuration = time.Second

// batchObject is the API's Batch.
type batchObject struct {
	ID               string            `json:"id"`
	Object           string            `json:"object"`
	Endpoint         string            `json:"endpoint"`
	InputFileID      string            `json:"input_file_id"`
	CompletionWindow string            `json:"completion_window"`
	Status           string            `json:"status"`
	OutputFileID     *string           `json:"output_file_id"`
	ErrorFileID      *string           `json:"error_file_id"`
	CreatedAt        int64             `json:"created_at"`
	CompletedAt      *int64            `json:"completed_at"`
	CancelledAt      *int64            `json:"cancelled_at"`
	RequestCounts    batchCounts       `json:"request_counts"`
	Metadata         map[string]string `json:"metadata,omitempty"`
	Errors           *batchErrors      `json:"errors"`

	lines   [][]byte // the validated input lines
	created time.Time
}

type batchCounts struct {
	Total     int `json:"total"`
	Completed int `json:"completed"`
	Failed    int `json:"failed"`
}

type batchErrors struct {
	Object string       `json:"object"`
	Data   []batchError `json:"data"`
}

type batchError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Line    *int   `json:"line,omitempty"`
}

// batchAPI is the state of the simulated batches.
type batchAPI struct {
	s       *Server
	mu      sync.Mutex
	batches map[string]*batchObject
	order   []string
}

func (s *Server) batchRoutes() {
	s.batch = &batchAPI{s: s, batches: map[string]*batchObject{}}
	b := s.batch
	s.mux.HandleFunc("GET /v1/files/{id}/content", s.ft.authed(b.fileContent))
	s.mux.HandleFunc("POST /v1/batches", s.ft.authed(b.create))
	s.mux.HandleFunc("GET /v1/batches", s.ft.authed(b.list))
	s.mux.HandleFunc("GET /v1/batches/{id}", s.ft.authed(b.get))
	s.mux.HandleFunc("POST /v1/batches/{id}/cancel", s.ft.authed(b.cancel))
}

// BatchesCreated returns the number of batches created so far.
func (s *Server) BatchesCreated() int {
	s.batch.mu.Lock()
	defer s.batch.mu.Unlock()
	return len(s.batch.order)
}

func (b *batchAPI) fileContent(w http.ResponseWriter, r *http.Request) {
	ft := b.s.ft
	ft.mu.Lock()
	obj, ok := ft.files[r.PathValue("id")]
	ft.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "invalid_request_error", "", "No such File object: "+r.PathValue("id"))
		return
	}
	if obj.content == nil && obj.Purpose != "batch" && obj.Purpose != "batch_output" {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "Not allowed to download files of purpose: "+obj.Purpose)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	_, _ = w.Write(obj.content)
}

func (b *batchAPI) create(w http.ResponseWriter, r *http.Request) {
	var req struct {
		InputFileID      string            `json:"input_file_id"`
		Endpoint         string            `json:"endpoint"`
		CompletionWindow string            `json:"completion_window"`
		Metadata         map[string]string `json:"metadata"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "decoding the body: "+err.Error())
		return
	}
	switch {
	case req.Endpoint != "/v1/chat/completions":
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", fmt.Sprintf("endpoint %q is not supported by this server (only /v1/chat/completions)", req.Endpoint))
		return
	case req.CompletionWindow != "24h":
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "completion_window must be 24h")
		return
	}
	ft := b.s.ft
	ft.mu.Lock()
	file, ok := ft.files[req.InputFileID]
	var id string
	if ok {
		id = ft.newID("batch_")
	}
	ft.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "invalid_request_error", "", "No such File object: "+req.InputFileID)
		return
	}
	if file.Purpose != "batch" {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", fmt.Sprintf("file %s has purpose %q, want batch", file.ID, file.Purpose))
		return
	}
	now := ft.now()
	obj := &batchObject{
		ID: id, Object: "batch", Endpoint: req.Endpoint, InputFileID: req.InputFileID,
		CompletionWindow: req.CompletionWindow, Status: "validating", CreatedAt: now.Unix(),
		Metadata: req.Metadata, created: now,
	}
	lines, errs := validateBatchInput(file.content, req.Endpoint)
	obj.RequestCounts.Total = len(lines)
	if len(errs) > 0 {
		obj.Status = "failed"
		obj.Errors = &batchErrors{Object: "list", Data: errs}
	}
	obj.lines = lines
	b.mu.Lock()
	b.batches[id] = obj
	b.order = append(b.order, id)
	b.mu.Unlock()
	writeJSONPlain(w, http.StatusOK, obj)
}

// validateBatchInput checks every line as OpenAI does: JSON with a
// custom_id unique in the file, method POST and the batch's endpoint as
// url.
func validateBatchInput(content []byte, endpoint string) ([][]byte, []batchError) {
	var lines [][]byte
	var errs []batchError
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(content))
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	n := 0
	for sc.Scan() {
		n++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var in struct {
			CustomID string          `json:"custom_id"`
			Method   string          `json:"method"`
			URL      string          `json:"url"`
			Body     json.RawMessage `json:"body"`
		}
		lineNo := n
		bad := func(code, msg string) { errs = append(errs, batchError{Code: code, Message: msg, Line: &lineNo}) }
		switch err := json.Unmarshal(line, &in); {
		case err != nil:
			bad("invalid_json_line", "This line is not parseable as valid JSON.")
		case in.CustomID == "":
			bad("missing_required_parameter", "Missing required parameter: 'custom_id'.")
		case seen[in.CustomID]:
			bad("duplicate_custom_id", "The custom_id for this request is a duplicate of another request.")
		case in.Method != "POST":
			bad("invalid_method", "The method must be POST.")
		case in.URL != endpoint:
			bad("mismatched_endpoint", fmt.Sprintf("The url %q does not match the batch's endpoint %q.", in.URL, endpoint))
		case len(in.Body) == 0:
			bad("missing_required_parameter", "Missing required parameter: 'body'.")
		default:
			seen[in.CustomID] = true
			lines = append(lines, slices.Clone(line))
		}
	}
	if len(lines) == 0 && len(errs) == 0 {
		errs = append(errs, batchError{Code: "empty_file", Message: "The batch input file is empty."})
	}
	return lines, errs
}

// advance moves obj along its life at now; b.mu is held.
func (b *batchAPI) advance(obj *batchObject, now time.Time) {
	d := b.s.cfg.batchDuration
	switch obj.Status {
	case "validating":
		if now.Sub(obj.created) >= d/10 {
			obj.Status = "in_progress"
		}
		if now.Sub(obj.created) >= d {
			b.run(obj, now)
		}
	case "in_progress":
		if now.Sub(obj.created) >= d {
			b.run(obj, now)
		}
	case "cancelling":
		obj.Status = "cancelled"
		t := now.Unix()
		obj.CancelledAt = &t
	}
}

// run answers every line through the chat handler and writes the output
// and error files.
func (b *batchAPI) run(obj *batchObject, now time.Time) {
	var out, errOut bytes.Buffer
	for i, line := range obj.lines {
		var in struct {
			CustomID string          `json:"custom_id"`
			Body     json.RawMessage `json:"body"`
		}
		_ = json.Unmarshal(line, &in) // validated at creation
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/v1/chat/completions", bytes.NewReader(in.Body))
		req.Header.Set("Content-Type", "application/json")
		serveLine(b.s, rec, req)
		body := bytes.TrimSpace(rec.Body.Bytes())
		if !json.Valid(body) {
			body, _ = json.Marshal(map[string]any{"error": map[string]string{"message": "server error", "type": "server_error"}})
		}
		entry := map[string]any{
			"id":        fmt.Sprintf("batch_req_%s_%d", obj.ID, i),
			"custom_id": in.CustomID,
			"response":  map[string]any{"status_code": rec.Code, "request_id": fmt.Sprintf("req_%d", i), "body": json.RawMessage(body)},
			"error":     nil,
		}
		enc, _ := json.Marshal(entry)
		if rec.Code == http.StatusOK {
			out.Write(enc)
			out.WriteByte('\n')
			obj.RequestCounts.Completed++
		} else {
			errOut.Write(enc)
			errOut.WriteByte('\n')
			obj.RequestCounts.Failed++
		}
	}
	ft := b.s.ft
	ft.mu.Lock()
	if out.Len() > 0 {
		f := ft.addFile(obj.ID+"_output.jsonl", "batch_output", int64(out.Len()), trainingStats{})
		f.content = out.Bytes()
		obj.OutputFileID = &f.ID
	}
	if errOut.Len() > 0 {
		f := ft.addFile(obj.ID+"_error.jsonl", "batch_output", int64(errOut.Len()), trainingStats{})
		f.content = errOut.Bytes()
		obj.ErrorFileID = &f.ID
	}
	ft.mu.Unlock()
	obj.Status = "completed"
	t := now.Unix()
	obj.CompletedAt = &t
	obj.lines = nil
}

func (b *batchAPI) lookup(w http.ResponseWriter, r *http.Request) *batchObject {
	obj, ok := b.batches[r.PathValue("id")]
	if !ok {
		writeError(w, http.StatusNotFound, "invalid_request_error", "", "No batch found with id '"+r.PathValue("id")+"'.")
		return nil
	}
	return obj
}

func (b *batchAPI) get(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if obj := b.lookup(w, r); obj != nil {
		b.advance(obj, b.s.ft.now())
		writeJSONPlain(w, http.StatusOK, obj)
	}
}

func (b *batchAPI) cancel(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	defer b.mu.Unlock()
	obj := b.lookup(w, r)
	if obj == nil {
		return
	}
	switch obj.Status {
	case "validating", "in_progress":
		obj.Status = "cancelling"
		obj.lines = nil
	case "cancelling":
	default:
		writeError(w, http.StatusConflict, "invalid_request_error", "", fmt.Sprintf("Cannot cancel a batch with status '%s'.", obj.Status))
		return
	}
	writeJSONPlain(w, http.StatusOK, obj)
}

func (b *batchAPI) list(w http.ResponseWriter, _ *http.Request) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.s.ft.now()
	data := make([]*batchObject, 0, len(b.order))
	for i := len(b.order) - 1; i >= 0; i-- {
		obj := b.batches[b.order[i]]
		b.advance(obj, now)
		data = append(data, obj)
	}
	writeJSONPlain(w, http.StatusOK, map[string]any{"object": "list", "data": data, "has_more": false})
}

// serveLine answers one line; a dropped connection (a fault the live
// server simulates by aborting the handler) becomes a 500.
func serveLine(s *Server, rec *httptest.ResponseRecorder, req *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			if v != http.ErrAbortHandler {
				panic(v)
			}
			rec.Body.Reset()
			rec.Code = http.StatusInternalServerError
		}
	}()
	s.handleChat(rec, req)
}
