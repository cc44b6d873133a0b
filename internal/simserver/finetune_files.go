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
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
)

// The files and uploads API of the simulated fine-tuning service (TEST DOUBLE).

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
	content  []byte // the bytes of a purpose "batch" file (batches.go)
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
	var content bytes.Buffer
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
			n, err := st.read(io.TeeReader(io.LimitReader(p, f.cfg.maxBytes+1), &content))
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
	if purpose == "batch" {
		obj.content = content.Bytes()
	}
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
