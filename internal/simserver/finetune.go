package simserver

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Defaults of the simulated fine-tuning API, used where a FineTune field is zero.
const (
	DefaultFineTuneDuration = 3 * time.Second
	DefaultUplift           = 0.15
	// DefaultMinExamples is the fewest training examples a job accepts, as
	// with OpenAI.
	DefaultMinExamples = 10
	// DefaultMaxFileBytes bounds an uploaded file (OpenAI allows far more;
	// the test double keeps upload parts in memory).
	DefaultMaxFileBytes = 64 << 20
	// maxAccuracy caps the accuracy of a fine-tuned model.
	maxAccuracy = 0.99
)

// FineTune shapes the simulated files and fine-tuning API (TEST DOUBLE):
// jobs run for a simulated while and yield a fine-tuned model that the
// server then answers as, with higher accuracy.
type FineTune struct {
	// Duration is how long a job takes from creation to success: it
	// validates the file for the first tenth, is queued for the next, then
	// runs. Zero means DefaultFineTuneDuration.
	Duration time.Duration
	// Uplift is added to Config.Accuracy for each round of fine-tuning
	// behind a model (a model fine-tuned from a fine-tuned model gains it
	// twice), capped at 0.99. Zero means DefaultUplift; negative means 0.
	Uplift float64
	// MinExamples is the fewest lines a training file may have; a job on a
	// smaller file fails with code invalid_training_file. Zero means
	// DefaultMinExamples; negative means 1.
	MinExamples int
	// MaxFileBytes bounds an uploaded file. Zero means DefaultMaxFileBytes.
	MaxFileBytes int64
	// Now is the clock jobs run on; time.Now when nil.
	Now func() time.Time
}

// ftSettings is a FineTune with defaults applied.
type ftSettings struct {
	duration    time.Duration
	uplift      float64
	minExamples int
	maxBytes    int64
	now         func() time.Time
}

func resolveFineTune(f FineTune) (ftSettings, error) {
	s := ftSettings{
		duration:    f.Duration,
		uplift:      orDefault(f.Uplift, DefaultUplift),
		minExamples: f.MinExamples,
		maxBytes:    f.MaxFileBytes,
		now:         f.Now,
	}
	if s.duration < 0 || s.maxBytes < 0 {
		return s, fmt.Errorf("simserver: config FineTune %+v: durations and sizes must not be negative", f)
	}
	if s.duration == 0 {
		s.duration = DefaultFineTuneDuration
	}
	switch {
	case s.minExamples == 0:
		s.minExamples = DefaultMinExamples
	case s.minExamples < 0:
		s.minExamples = 1
	}
	if s.maxBytes == 0 {
		s.maxBytes = DefaultMaxFileBytes
	}
	if s.now == nil {
		s.now = time.Now
	}
	if !(s.uplift >= 0 && s.uplift <= 1) {
		return s, fmt.Errorf("simserver: config FineTune.Uplift = %v: want a value in [0, 1]", f.Uplift)
	}
	return s, nil
}

// fineTuning is the state of the files, uploads and fine-tuning API.
type fineTuning struct {
	cfg       ftSettings
	baseModel string

	mu      sync.Mutex
	seq     uint64
	files   map[string]*fileObject
	uploads map[string]*upload
	jobs    map[string]*job
	order   []string       // job IDs in creation order
	models  map[string]int // fine-tuned model -> rounds of fine-tuning behind it
}

func newFineTuning(cfg ftSettings, baseModel string) *fineTuning {
	return &fineTuning{
		cfg: cfg, baseModel: baseModel,
		files: map[string]*fileObject{}, uploads: map[string]*upload{},
		jobs: map[string]*job{}, models: map[string]int{},
	}
}

// routes registers the handlers on mux.
func (f *fineTuning) routes(mux *http.ServeMux) {
	mux.HandleFunc("POST /v1/files", f.authed(f.createFile))
	mux.HandleFunc("GET /v1/files", f.authed(f.listFiles))
	mux.HandleFunc("GET /v1/files/{id}", f.authed(f.getFile))
	mux.HandleFunc("POST /v1/uploads", f.authed(f.createUpload))
	mux.HandleFunc("POST /v1/uploads/{id}/parts", f.authed(f.addPart))
	mux.HandleFunc("POST /v1/uploads/{id}/complete", f.authed(f.completeUpload))
	mux.HandleFunc("POST /v1/uploads/{id}/cancel", f.authed(f.cancelUpload))
	mux.HandleFunc("POST /v1/fine_tuning/jobs", f.authed(f.createJob))
	mux.HandleFunc("GET /v1/fine_tuning/jobs", f.authed(f.listJobs))
	mux.HandleFunc("GET /v1/fine_tuning/jobs/{id}", f.authed(f.getJob))
	mux.HandleFunc("GET /v1/fine_tuning/jobs/{id}/events", f.authed(f.jobEvents))
	mux.HandleFunc("POST /v1/fine_tuning/jobs/{id}/cancel", f.authed(f.cancelJob))
}

// authed answers 401, as OpenAI does, to a request without a bearer token.
// Any token is accepted.
func (f *fineTuning) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || strings.TrimSpace(tok) == "" {
			writeError(w, http.StatusUnauthorized, "invalid_request_error", "missing_api_key",
				"You didn't provide an API key. Provide it in an Authorization header (Bearer auth).")
			return
		}
		h(w, r)
	}
}

func (f *fineTuning) newID(prefix string) string {
	f.seq++
	return fmt.Sprintf("%ssim%06d", prefix, f.seq)
}

func (f *fineTuning) now() time.Time { return f.cfg.now() }

// rounds returns the rounds of fine-tuning behind model and whether
// the model is one this server made.
func (f *fineTuning) rounds(model string) (int, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.advanceAll()
	n, ok := f.models[model]
	return n, ok
}

// fineTunedModels lists the models of the jobs that succeeded.
func (f *fineTuning) fineTunedModels() []modelInfo {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.advanceAll()
	var out []modelInfo
	for _, id := range f.order {
		j := f.jobs[id]
		if j.FineTunedModel != nil {
			out = append(out, modelInfo{ID: *j.FineTunedModel, Object: "model", Created: *j.FinishedAt, OwnedBy: "regenesis-simserver (test double)"})
		}
	}
	return out
}

// ---- files ----

// fileObject is the API's File.
type fileObject struct {
	ID        string `json:"id"`
	Object    string `json:"object"`
	Bytes     int64  `json:"bytes"`
	CreatedAt int64  `json:"created_at"`
	Filename  string `json:"filename"`
	Purpose   string `json:"purpose"`
	Status    string `json:"status"`

	examples int64  // training lines
	tokens   int64  // estimated tokens in them
	invalid  string // why the file cannot train a model, or ""
}

var purposes = []string{"fine-tune", "batch", "assistants", "vision", "user_data", "evals"}

func (f *fineTuning) createFile(w http.ResponseWriter, r *http.Request) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "POST /v1/files takes multipart/form-data with the fields purpose and file")
		return
	}
	mr := multipart.NewReader(http.MaxBytesReader(w, r.Body, f.cfg.maxBytes+1<<20), params["boundary"])
	var purpose, filename string
	var st trainingStats
	var size int64
	sawFile := false
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			writeError(w, http.StatusBadRequest, "invalid_request_error", "", "reading the multipart body: "+err.Error())
			return
		}
		switch p.FormName() {
		case "purpose":
			b, _ := io.ReadAll(io.LimitReader(p, 64))
			purpose = strings.TrimSpace(string(b))
		case "file":
			// purpose comes first in every client we know; a file before
			// it is still read, and its lines checked as training data.
			sawFile, filename = true, p.FileName()
			n, err := st.read(io.LimitReader(p, f.cfg.maxBytes+1))
			if err != nil {
				writeError(w, http.StatusBadRequest, "invalid_request_error", "", "reading the file: "+err.Error())
				return
			}
			size = n
		}
		p.Close()
	}
	switch {
	case !sawFile:
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "Missing required parameter: 'file'.")
		return
	case !slices.Contains(purposes, purpose):
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", fmt.Sprintf("'%s' is not one of %s - 'purpose'", purpose, strings.Join(purposes, ", ")))
		return
	case size > f.cfg.maxBytes:
		writeError(w, http.StatusRequestEntityTooLarge, "invalid_request_error", "", fmt.Sprintf("file over %d bytes: use the uploads API", f.cfg.maxBytes))
		return
	}
	f.mu.Lock()
	obj := f.addFile(filename, purpose, size, st)
	f.mu.Unlock()
	writeJSONPlain(w, http.StatusOK, obj)
}

// addFile records a file; f.mu is held.
func (f *fineTuning) addFile(name, purpose string, size int64, st trainingStats) *fileObject {
	obj := &fileObject{
		ID: f.newID("file-"), Object: "file", Bytes: size, CreatedAt: f.now().Unix(),
		Filename: name, Purpose: purpose, Status: "processed",
		examples: st.examples, tokens: st.tokens, invalid: st.invalid,
	}
	f.files[obj.ID] = obj
	return obj
}

func (f *fineTuning) getFile(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	obj, ok := f.files[r.PathValue("id")]
	f.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "invalid_request_error", "", fmt.Sprintf("No such File object: %s", r.PathValue("id")))
		return
	}
	writeJSONPlain(w, http.StatusOK, obj)
}

func (f *fineTuning) listFiles(w http.ResponseWriter, _ *http.Request) {
	f.mu.Lock()
	list := make([]*fileObject, 0, len(f.files))
	for _, obj := range f.files {
		list = append(list, obj)
	}
	f.mu.Unlock()
	slices.SortFunc(list, func(a, b *fileObject) int { return strings.Compare(a.ID, b.ID) })
	writeJSONPlain(w, http.StatusOK, map[string]any{"object": "list", "data": list, "has_more": false})
}

// trainingStats checks a JSONL training file line by line, as the
// fine-tuning API does before a job starts.
type trainingStats struct {
	examples, tokens int64
	invalid          string
}

// read consumes r, returning its size. Format problems go to invalid
// (the upload itself succeeds, as with OpenAI; the job fails).
func (st *trainingStats) read(r io.Reader) (int64, error) {
	cr := &countingReader{r: r}
	sc := bufio.NewScanner(cr)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		if st.invalid != "" {
			continue
		}
		var ex struct {
			Messages []struct {
				Role    string          `json:"role"`
				Content json.RawMessage `json:"content"`
			} `json:"messages"`
		}
		if err := json.Unmarshal(b, &ex); err != nil {
			st.invalid = fmt.Sprintf("Invalid file format. Line %d is not valid JSON: %v", line, err)
			continue
		}
		assistant := false
		for _, m := range ex.Messages {
			var text string
			_ = json.Unmarshal(m.Content, &text)
			st.tokens += tokens(text) + 3
			assistant = assistant || (m.Role == "assistant" && strings.TrimSpace(text) != "")
		}
		if len(ex.Messages) == 0 || !assistant {
			st.invalid = fmt.Sprintf("Invalid file format. Line %d: each example needs a 'messages' list with an assistant message", line)
			continue
		}
		st.examples++
	}
	return cr.n, sc.Err()
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// ---- uploads ----

// upload is the API's Upload, with its parts.
type upload struct {
	ID        string      `json:"id"`
	Object    string      `json:"object"`
	Bytes     int64       `json:"bytes"`
	CreatedAt int64       `json:"created_at"`
	ExpiresAt int64       `json:"expires_at"`
	Filename  string      `json:"filename"`
	Purpose   string      `json:"purpose"`
	Status    string      `json:"status"`
	File      *fileObject `json:"file"`

	parts    map[string][]byte
	received int64
}

// uploadPart is the API's Upload Part.
type uploadPart struct {
	ID        string `json:"id"`
	Object    string `json:"object"`
	CreatedAt int64  `json:"created_at"`
	UploadID  string `json:"upload_id"`
}

// maxPartBytes bounds one part, as with OpenAI.
const maxPartBytes = 64 << 20

func (f *fineTuning) createUpload(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Filename string `json:"filename"`
		Purpose  string `json:"purpose"`
		Bytes    int64  `json:"bytes"`
		MimeType string `json:"mime_type"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "invalid JSON body: "+err.Error())
		return
	}
	switch {
	case req.Filename == "":
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "Missing required parameter: 'filename'.")
		return
	case !slices.Contains(purposes, req.Purpose):
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", fmt.Sprintf("'%s' is not one of %s - 'purpose'", req.Purpose, strings.Join(purposes, ", ")))
		return
	case req.MimeType == "":
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "Missing required parameter: 'mime_type'.")
		return
	case req.Bytes <= 0 || req.Bytes > f.cfg.maxBytes:
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", fmt.Sprintf("'bytes' must be between 1 and %d, got %d", f.cfg.maxBytes, req.Bytes))
		return
	}
	f.mu.Lock()
	now := f.now().Unix()
	u := &upload{ID: f.newID("upload_"), Object: "upload", Bytes: req.Bytes, CreatedAt: now, ExpiresAt: now + 3600,
		Filename: req.Filename, Purpose: req.Purpose, Status: "pending", parts: map[string][]byte{}}
	f.uploads[u.ID] = u
	f.mu.Unlock()
	writeJSONPlain(w, http.StatusOK, u)
}

// pendingUpload returns the pending upload named by the path, or answers
// the error itself; f.mu is held.
func (f *fineTuning) pendingUpload(w http.ResponseWriter, r *http.Request) *upload {
	u, ok := f.uploads[r.PathValue("id")]
	switch {
	case !ok:
		writeError(w, http.StatusNotFound, "invalid_request_error", "", fmt.Sprintf("No such Upload object: %s", r.PathValue("id")))
		return nil
	case u.Status == "pending" && f.now().Unix() >= u.ExpiresAt:
		u.Status, u.parts = "expired", nil
	}
	if u.Status != "pending" {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", fmt.Sprintf("Upload %s is %s, not pending", u.ID, u.Status))
		return nil
	}
	return u
}

func (f *fineTuning) addPart(w http.ResponseWriter, r *http.Request) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "POST /v1/uploads/{id}/parts takes multipart/form-data with the field data")
		return
	}
	mr := multipart.NewReader(http.MaxBytesReader(w, r.Body, maxPartBytes+1<<20), params["boundary"])
	var data []byte
	saw := false
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			writeError(w, http.StatusBadRequest, "invalid_request_error", "", "reading the multipart body: "+err.Error())
			return
		}
		if p.FormName() == "data" {
			saw = true
			if data, err = io.ReadAll(io.LimitReader(p, maxPartBytes+1)); err != nil {
				writeError(w, http.StatusBadRequest, "invalid_request_error", "", "reading the part: "+err.Error())
				return
			}
		}
		p.Close()
	}
	switch {
	case !saw:
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "Missing required parameter: 'data'.")
		return
	case len(data) > maxPartBytes:
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", fmt.Sprintf("a part holds at most %d bytes", maxPartBytes))
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	u := f.pendingUpload(w, r)
	if u == nil {
		return
	}
	if u.received+int64(len(data)) > u.Bytes {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", fmt.Sprintf("parts exceed the %d bytes the upload declared", u.Bytes))
		return
	}
	part := uploadPart{ID: f.newID("part_"), Object: "upload.part", CreatedAt: f.now().Unix(), UploadID: u.ID}
	u.parts[part.ID] = data
	u.received += int64(len(data))
	writeJSONPlain(w, http.StatusOK, part)
}

func (f *fineTuning) completeUpload(w http.ResponseWriter, r *http.Request) {
	var req struct {
		PartIDs []string `json:"part_ids"`
		MD5     string   `json:"md5"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "invalid JSON body: "+err.Error())
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	u := f.pendingUpload(w, r)
	if u == nil {
		return
	}
	var total int64
	seen := map[string]bool{}
	for _, id := range req.PartIDs {
		b, ok := u.parts[id]
		if !ok || seen[id] {
			writeError(w, http.StatusBadRequest, "invalid_request_error", "", fmt.Sprintf("part %q is not a part of upload %s (or is listed twice)", id, u.ID))
			return
		}
		seen[id] = true
		total += int64(len(b))
	}
	if total != u.Bytes {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", fmt.Sprintf("the parts hold %d bytes; the upload declared %d", total, u.Bytes))
		return
	}
	sum := md5.New()
	var st trainingStats
	readers := make([]io.Reader, len(req.PartIDs))
	for i, id := range req.PartIDs {
		readers[i] = bytes.NewReader(u.parts[id])
	}
	if _, err := st.read(io.TeeReader(io.MultiReader(readers...), sum)); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "reading the parts: "+err.Error())
		return
	}
	if req.MD5 != "" && !strings.EqualFold(req.MD5, hex.EncodeToString(sum.Sum(nil))) {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "the md5 of the parts does not match 'md5'")
		return
	}
	u.File = f.addFile(u.Filename, u.Purpose, total, st)
	u.Status, u.parts = "completed", nil
	writeJSONPlain(w, http.StatusOK, u)
}

func (f *fineTuning) cancelUpload(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	u := f.pendingUpload(w, r)
	if u == nil {
		return
	}
	u.Status, u.parts = "cancelled", nil
	writeJSONPlain(w, http.StatusOK, u)
}

// ---- fine-tuning jobs ----

// job is the API's fine-tuning job, with the events it will emit.
type job struct {
	Object          string          `json:"object"`
	ID              string          `json:"id"`
	Model           string          `json:"model"`
	CreatedAt       int64           `json:"created_at"`
	FinishedAt      *int64          `json:"finished_at"`
	FineTunedModel  *string         `json:"fine_tuned_model"`
	OrganizationID  string          `json:"organization_id"`
	ResultFiles     []string        `json:"result_files"`
	Status          string          `json:"status"`
	ValidationFile  *string         `json:"validation_file"`
	TrainingFile    string          `json:"training_file"`
	Hyperparameters jobHyper        `json:"hyperparameters"`
	TrainedTokens   *int64          `json:"trained_tokens"`
	Error           *jobErrorObject `json:"error"`
	Seed            int64           `json:"seed"`
	EstimatedFinish *int64          `json:"estimated_finish"`
	Method          jobMethod       `json:"method"`
	Suffix          *string         `json:"user_provided_suffix"`

	start    time.Time
	rounds   int // rounds of fine-tuning behind the base model
	file     *fileObject
	plan     []plannedEvent
	emitted  int // events of plan already visible
	events   []jobEvent
	terminal bool
}

type jobHyper struct {
	NEpochs                any `json:"n_epochs"`
	BatchSize              any `json:"batch_size"`
	LearningRateMultiplier any `json:"learning_rate_multiplier"`
}

type jobMethod struct {
	Type       string `json:"type"`
	Supervised *struct {
		Hyperparameters jobHyper `json:"hyperparameters"`
	} `json:"supervised,omitempty"`
}

type jobErrorObject struct {
	Code    string  `json:"code"`
	Message string  `json:"message"`
	Param   *string `json:"param"`
}

// jobEvent is the API's fine-tuning job event.
type jobEvent struct {
	Object    string `json:"object"`
	ID        string `json:"id"`
	CreatedAt int64  `json:"created_at"`
	Level     string `json:"level"`
	Message   string `json:"message"`
	Type      string `json:"type"`
	Data      any    `json:"data,omitempty"`
}

// plannedEvent is an event due at offset after the job's creation; status,
// when set, is the job's status from then on.
type plannedEvent struct {
	at      time.Duration
	level   string
	message string
	status  string
	metrics map[string]any // a metrics event's data
}

func (f *fineTuning) createJob(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Model           string     `json:"model"`
		TrainingFile    string     `json:"training_file"`
		ValidationFile  *string    `json:"validation_file"`
		Suffix          *string    `json:"suffix"`
		Seed            *int64     `json:"seed"`
		Hyperparameters *jobHyper  `json:"hyperparameters"`
		Method          *jobMethod `json:"method"`
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "invalid JSON body: "+err.Error())
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.advanceAll()
	rounds, fineTuned := f.models[req.Model]
	switch {
	case req.Model == "":
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "Missing required parameter: 'model'.")
		return
	case req.Model != f.baseModel && !fineTuned:
		writeError(w, http.StatusBadRequest, "invalid_request_error", "model_not_available",
			fmt.Sprintf("Model %s is not available for fine-tuning or does not exist. This simulated server (a test double) fine-tunes %s and the models it fine-tuned.", req.Model, f.baseModel))
		return
	case req.Suffix != nil && len(*req.Suffix) > 64:
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "'suffix' is longer than 64 characters")
		return
	}
	file, ok := f.files[req.TrainingFile]
	if !ok {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", fmt.Sprintf("invalid training_file: %s", req.TrainingFile))
		return
	}
	if file.Purpose != "fine-tune" {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", fmt.Sprintf("File %s has purpose '%s', not 'fine-tune'", file.ID, file.Purpose))
		return
	}
	m := jobMethod{Type: "supervised"}
	hyper := jobHyper{}
	if req.Method != nil {
		if req.Method.Type != "" && req.Method.Type != "supervised" {
			writeError(w, http.StatusBadRequest, "invalid_request_error", "", fmt.Sprintf("this simulated server supports method.type 'supervised', got %q", req.Method.Type))
			return
		}
		if req.Method.Supervised != nil {
			hyper = req.Method.Supervised.Hyperparameters
		}
	} else if req.Hyperparameters != nil {
		hyper = *req.Hyperparameters
	}
	epochs, err := autoInt(hyper.NEpochs, 3, "n_epochs")
	if err == nil {
		hyper.NEpochs = epochs
		var batch int
		batch, err = autoInt(hyper.BatchSize, 1, "batch_size")
		hyper.BatchSize = batch
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", err.Error())
		return
	}
	if hyper.LearningRateMultiplier == nil || hyper.LearningRateMultiplier == "auto" {
		hyper.LearningRateMultiplier = 1.8
	}
	m.Supervised = &struct {
		Hyperparameters jobHyper `json:"hyperparameters"`
	}{hyper}
	start := f.now()
	seed := int64(0)
	if req.Seed != nil {
		seed = *req.Seed
	}
	j := &job{
		Object: "fine_tuning.job", ID: f.newID("ftjob-"), Model: req.Model, CreatedAt: start.Unix(),
		OrganizationID: "org-regenesis-simserver", ResultFiles: []string{}, Status: "validating_files",
		ValidationFile: req.ValidationFile, TrainingFile: file.ID, Hyperparameters: hyper,
		Seed: seed, Method: m, Suffix: req.Suffix,
		start: start, rounds: rounds, file: file,
	}
	est := start.Add(f.cfg.duration).Unix()
	j.EstimatedFinish = &est
	j.plan = f.planEvents(j, epochs, hyper.BatchSize.(int))
	f.jobs[j.ID] = j
	f.order = append(f.order, j.ID)
	f.advance(j)
	writeJSONPlain(w, http.StatusOK, j)
}

// autoInt reads a hyperparameter that is a positive integer or "auto".
func autoInt(v any, def int, name string) (int, error) {
	switch x := v.(type) {
	case nil:
		return def, nil
	case string:
		if x == "auto" {
			return def, nil
		}
	case float64:
		if x >= 1 && x == math.Trunc(x) {
			return int(x), nil
		}
	case int:
		if x >= 1 {
			return x, nil
		}
	}
	return 0, fmt.Errorf("invalid hyperparameter %s: %v (want a positive integer or \"auto\")", name, v)
}

// planEvents lays out what the job will report over its simulated time.
func (f *fineTuning) planEvents(j *job, epochs, batch int) []plannedEvent {
	d := f.cfg.duration
	plan := []plannedEvent{
		{at: 0, level: "info", message: "Validating training file: " + j.file.ID},
	}
	if reason := f.fileProblem(j.file); reason != "" {
		return append(plan, plannedEvent{at: d / 10, level: "error", message: reason, status: "failed"})
	}
	plan = append(plan,
		plannedEvent{at: d / 10, level: "info", message: "Files validated, moving job to queued state", status: "queued"},
		plannedEvent{at: d / 5, level: "info", message: "Fine-tuning job started", status: "running"},
	)
	steps := max(1, int(j.file.examples)*epochs/max(batch, 1))
	shown := min(steps, 10)
	for i := 1; i <= shown; i++ {
		step := i * steps / shown
		loss := 1.6 * math.Exp(-2.5*float64(step)/float64(steps))
		at := d/5 + time.Duration(float64(d*7/10)*float64(i)/float64(shown))
		plan = append(plan, plannedEvent{at: at, level: "info", message: fmt.Sprintf("Step %d/%d: training loss=%.4f", step, steps, loss),
			metrics: map[string]any{"step": step, "total_steps": steps, "train_loss": math.Round(loss*1e4) / 1e4}})
	}
	plan = append(plan,
		plannedEvent{at: d * 19 / 20, level: "info", message: "New fine-tuned model created"},
		plannedEvent{at: d, level: "info", message: "The job has successfully completed", status: "succeeded"},
	)
	return plan
}

// fileProblem says why a file cannot train a model, or "".
func (f *fineTuning) fileProblem(file *fileObject) string {
	switch {
	case file.invalid != "":
		return file.invalid
	case file.examples < int64(f.cfg.minExamples):
		return fmt.Sprintf("Training file has %d example(s), but must have at least %d examples", file.examples, f.cfg.minExamples)
	}
	return ""
}

// advanceAll brings every job up to the clock; f.mu is held.
func (f *fineTuning) advanceAll() {
	for _, id := range f.order {
		f.advance(f.jobs[id])
	}
}

// advance emits the events of j that are due and applies their status;
// f.mu is held.
func (f *fineTuning) advance(j *job) {
	elapsed := f.now().Sub(j.start)
	for !j.terminal && j.emitted < len(j.plan) && j.plan[j.emitted].at <= elapsed {
		p := j.plan[j.emitted]
		j.emitted++
		f.emit(j, j.start.Add(p.at), p.level, p.message, p.metrics)
		if p.status == "" {
			continue
		}
		j.Status = p.status
		switch p.status {
		case "failed":
			reason := p.message
			j.Error = &jobErrorObject{Code: "invalid_training_file", Message: reason}
			f.finish(j, j.start.Add(p.at))
		case "succeeded":
			tok := j.file.tokens * int64(j.Hyperparameters.NEpochs.(int))
			j.TrainedTokens = &tok
			suffix := ""
			if j.Suffix != nil {
				suffix = *j.Suffix
			}
			name := fmt.Sprintf("ft:%s:regenesis-simserver:%s:%s", baseOf(j.Model), suffix, strings.TrimPrefix(j.ID, "ftjob-"))
			j.FineTunedModel = &name
			j.ResultFiles = []string{f.addFile("step_metrics.csv", "fine-tune-results", 0, trainingStats{}).ID}
			f.models[name] = j.rounds + 1
			f.finish(j, j.start.Add(p.at))
		}
	}
}

// baseOf returns the base model inside a fine-tuned model's name.
func baseOf(model string) string {
	if rest, ok := strings.CutPrefix(model, "ft:"); ok {
		if i := strings.IndexByte(rest, ':'); i >= 0 {
			return rest[:i]
		}
	}
	return model
}

func (f *fineTuning) finish(j *job, at time.Time) {
	t := at.Unix()
	j.FinishedAt = &t
	j.EstimatedFinish = nil
	j.terminal = true
}

func (f *fineTuning) emit(j *job, at time.Time, level, msg string, metrics map[string]any) {
	e := jobEvent{Object: "fine_tuning.job.event", ID: f.newID("ftevent-"), CreatedAt: at.Unix(), Level: level, Message: msg, Type: "message"}
	if metrics != nil {
		e.Type, e.Data = "metrics", metrics
	}
	j.events = append(j.events, e)
}

// lookupJob returns the job named by the path, advanced to the clock, or
// answers 404; f.mu is held.
func (f *fineTuning) lookupJob(w http.ResponseWriter, r *http.Request) *job {
	j, ok := f.jobs[r.PathValue("id")]
	if !ok {
		writeError(w, http.StatusNotFound, "invalid_request_error", "fine_tune_not_found", fmt.Sprintf("No fine-tuning job found with id %s", r.PathValue("id")))
		return nil
	}
	f.advance(j)
	return j
}

func (f *fineTuning) getJob(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if j := f.lookupJob(w, r); j != nil {
		writeJSONPlain(w, http.StatusOK, j)
	}
}

func (f *fineTuning) cancelJob(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	j := f.lookupJob(w, r)
	if j == nil {
		return
	}
	if j.terminal {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", fmt.Sprintf("Job %s has already %s", j.ID, j.Status))
		return
	}
	now := f.now()
	j.Status = "cancelled"
	f.emit(j, now, "info", "Fine-tuning job cancelled", nil)
	f.finish(j, now)
	writeJSONPlain(w, http.StatusOK, j)
}

// page reads the after and limit parameters (limit: default 20, at most 100).
func page(w http.ResponseWriter, r *http.Request) (after string, limit int, ok bool) {
	q := r.URL.Query()
	limit = 20
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, "invalid_request_error", "", fmt.Sprintf("limit %q: want a positive integer", s))
			return "", 0, false
		}
		limit = min(n, 100) // larger pages are cut to 100: walk them with after
	}
	return q.Get("after"), limit, true
}

// pageAfter returns up to limit items of list (newest first) that follow
// the one with ID after, and whether more follow them.
func pageAfter[T any](list []T, id func(T) string, after string, limit int) ([]T, bool, bool) {
	start := 0
	if after != "" {
		i := slices.IndexFunc(list, func(x T) bool { return id(x) == after })
		if i < 0 {
			return nil, false, false
		}
		start = i + 1
	}
	end := min(start+limit, len(list))
	return list[start:end], end < len(list), true
}

// jobEvents lists a job's events, newest first, paginated with after
// (the ID of the last event of the previous page) and limit, as OpenAI does.
func (f *fineTuning) jobEvents(w http.ResponseWriter, r *http.Request) {
	after, limit, ok := page(w, r)
	if !ok {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	j := f.lookupJob(w, r)
	if j == nil {
		return
	}
	newest := slices.Clone(j.events)
	slices.Reverse(newest)
	data, more, ok := pageAfter(newest, func(e jobEvent) string { return e.ID }, after, limit)
	if !ok {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", fmt.Sprintf("after %q: no such event of job %s", after, j.ID))
		return
	}
	writeJSONPlain(w, http.StatusOK, map[string]any{"object": "list", "data": nonNil(data), "has_more": more})
}

// listJobs lists the jobs, newest first, paginated like the events.
func (f *fineTuning) listJobs(w http.ResponseWriter, r *http.Request) {
	after, limit, ok := page(w, r)
	if !ok {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.advanceAll()
	newest := make([]*job, 0, len(f.order))
	for i := len(f.order) - 1; i >= 0; i-- {
		newest = append(newest, f.jobs[f.order[i]])
	}
	data, more, ok := pageAfter(newest, func(j *job) string { return j.ID }, after, limit)
	if !ok {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", fmt.Sprintf("after %q: no such job", after))
		return
	}
	writeJSONPlain(w, http.StatusOK, map[string]any{"object": "list", "data": nonNil(data), "has_more": more})
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// writeJSONPlain writes v as a JSON answer (these endpoints are not hot).
func writeJSONPlain(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "server_error", "", "encoding response: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
