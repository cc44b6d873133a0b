package train

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const testKey = "sk-test-secret-0123456789"

// fakeFT implements the files and fine-tuning job endpoints. Each GET of
// the job moves it one step along statuses and adds an event.
type fakeFT struct {
	t        *testing.T
	statuses []string
	jobErr   *JobError
	// failFirstGets answers that many job GETs with 503 first.
	failFirstGets int

	// extraEvents adds that many events at each job GET (default 1).
	extraEvents int

	mu       sync.Mutex
	uploaded string
	// sized counts file uploads and parts sent with a Content-Length.
	sized     int
	parts     []string
	uploadMD5 string
	purpose   string
	created   map[string]any
	gets      int
	events    []jobEvent
}

func (f *fakeFT) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer "+testKey {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error":{"message":"bad key","type":"invalid_request_error","code":"invalid_api_key"}}`)
		return
	}
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/v1/uploads":
		var req map[string]any
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req["purpose"] != "fine-tune" || req["bytes"] == nil {
			f.t.Errorf("create upload: %v %v", req, err)
		}
		fmt.Fprint(w, `{"id":"upload-1","object":"upload","status":"pending"}`)
	case r.Method == http.MethodPost && r.URL.Path == "/v1/uploads/upload-1/parts":
		if r.ContentLength > 0 && len(r.TransferEncoding) == 0 {
			f.sized++
		}
		file, _, err := r.FormFile("data")
		if err != nil {
			f.t.Errorf("upload part: %v", err)
			return
		}
		b, _ := io.ReadAll(file)
		f.parts = append(f.parts, string(b))
		fmt.Fprintf(w, `{"id":"part-%d","object":"upload.part"}`, len(f.parts))
	case r.Method == http.MethodPost && r.URL.Path == "/v1/uploads/upload-1/complete":
		var req struct {
			PartIDs []string `json:"part_ids"`
			MD5     string   `json:"md5"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			f.t.Errorf("complete upload: %v", err)
		}
		var all strings.Builder
		for _, id := range req.PartIDs {
			var n int
			fmt.Sscanf(id, "part-%d", &n)
			all.WriteString(f.parts[n-1])
		}
		f.uploaded, f.uploadMD5 = all.String(), req.MD5
		fmt.Fprintf(w, `{"id":"upload-1","object":"upload","status":"completed","file":{"id":"file-big","object":"file","bytes":%d}}`, all.Len())
	case r.Method == http.MethodPost && r.URL.Path == "/v1/files":
		if r.ContentLength > 0 && len(r.TransferEncoding) == 0 {
			f.sized++
		}
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			f.t.Errorf("upload: %v", err)
		}
		f.purpose = r.FormValue("purpose")
		file, _, err := r.FormFile("file")
		if err != nil {
			f.t.Errorf("upload: %v", err)
			return
		}
		b, _ := io.ReadAll(file)
		f.uploaded = string(b)
		fmt.Fprintf(w, `{"id":"file-abc","object":"file","bytes":%d,"filename":"train.jsonl","purpose":"fine-tune"}`, len(b))
	case r.Method == http.MethodPost && r.URL.Path == "/v1/fine_tuning/jobs":
		if err := json.NewDecoder(r.Body).Decode(&f.created); err != nil {
			f.t.Errorf("create job: %v", err)
		}
		fmt.Fprint(w, `{"id":"ftjob-1","object":"fine_tuning.job","model":"gpt-4o-mini-2024-07-18","status":"validating_files"}`)
	case r.Method == http.MethodGet && r.URL.Path == "/v1/fine_tuning/jobs/ftjob-1":
		if f.failFirstGets > 0 {
			f.failFirstGets--
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, `{"error":{"message":"overloaded"}}`)
			return
		}
		i := min(f.gets, len(f.statuses)-1)
		f.gets++
		st := f.statuses[i]
		for range max(f.extraEvents, 1) {
			f.events = append(f.events, jobEvent{ID: fmt.Sprintf("ev-%d", len(f.events)), CreatedAt: int64(1700000000 + len(f.events)), Level: "info", Message: fmt.Sprintf("status %s (event %d)", st, len(f.events))})
		}
		job := Job{ID: "ftjob-1", Status: st}
		if st == "succeeded" {
			job.FineTunedModel = "ft:gpt-4o-mini-2024-07-18:org:regenesis:abc123"
		}
		if st == "failed" {
			job.Error = f.jobErr
		}
		json.NewEncoder(w).Encode(job)
	case r.Method == http.MethodGet && r.URL.Path == "/v1/fine_tuning/jobs/ftjob-1/events":
		// Newest first, as the API lists them, a page of at most limit
		// (default 20) events after the one named by after.
		limit := 20
		if l := r.URL.Query().Get("limit"); l != "" {
			fmt.Sscanf(l, "%d", &limit)
		}
		limit = min(limit, 25) // smaller than what the client asks for, to force paging
		var data []jobEvent
		started := r.URL.Query().Get("after") == ""
		for i := len(f.events) - 1; i >= 0; i-- {
			if !started {
				started = f.events[i].ID == r.URL.Query().Get("after")
				continue
			}
			data = append(data, f.events[i])
		}
		more := len(data) > limit
		data = data[:min(limit, len(data))]
		json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": data, "has_more": more})
	default:
		http.NotFound(w, r)
	}
}

func openAIOptions(t *testing.T, url string, log io.Writer) Options {
	h := DefaultHyper()
	return Options{
		Engine: EngineOpenAI, Data: "testdata/synth", BaseModel: "gpt-4o-mini-2024-07-18", Output: t.TempDir(), Hyper: h,
		OpenAI: OpenAIOptions{BaseURL: url + "/v1", APIKey: testKey, Suffix: "regenesis", PollInterval: time.Millisecond, MaxPollInterval: 4 * time.Millisecond},
		Log:    log, Stdout: log,
	}
}

func TestOpenAISucceeds(t *testing.T) {
	fake := &fakeFT{t: t, statuses: []string{"queued", "queued", "running", "running", "succeeded"}, failFirstGets: 1}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	var log strings.Builder
	o := openAIOptions(t, srv.URL, &log)
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatalf("%v\nlog:\n%s", err, log.String())
	}
	if res.Model != "ft:gpt-4o-mini-2024-07-18:org:regenesis:abc123" || res.JobID != "ftjob-1" || res.Status != "succeeded" {
		t.Errorf("result = %+v", res)
	}
	want := map[string]any{
		"model": "gpt-4o-mini-2024-07-18", "training_file": "file-abc", "suffix": "regenesis",
		"method": map[string]any{"type": "supervised", "supervised": map[string]any{"hyperparameters": map[string]any{"n_epochs": 3.0}}},
	}
	if diff := cmp.Diff(want, fake.created); diff != "" {
		t.Errorf("job request (-want +got):\n%s", diff)
	}
	if fake.purpose != "fine-tune" {
		t.Errorf("purpose = %q", fake.purpose)
	}
	if fake.sized != 1 {
		t.Errorf("%d sized uploads, want 1 with a Content-Length", fake.sized)
	}
	written, _ := os.ReadFile(res.DataFile)
	if fake.uploaded != string(written) || !strings.HasPrefix(fake.uploaded, `{"messages":[{"role":"user","content":"Natalia`) {
		t.Errorf("uploaded %q, want the written data %q", fake.uploaded, written)
	}
	// Every event is printed once, in order, and the status changes are logged.
	l := log.String()
	for _, s := range []string{"created fine-tuning job ftjob-1 (validating_files)", "status queued", "status running", "status succeeded", "503 Service Unavailable: overloaded; retrying"} {
		if !strings.Contains(l, s) {
			t.Errorf("log lacks %q:\n%s", s, l)
		}
	}
	if n := strings.Count(l, "Z status queued"); n != 2 {
		t.Errorf("queued event printed %d times, want 2:\n%s", n, l)
	}
	if strings.Contains(l, testKey) {
		t.Error("the API key appears in the log")
	}
	rec, err := ReadResult(o.Output)
	if err != nil || rec.Model != res.Model || rec.JobID != "ftjob-1" {
		t.Errorf("recorded %+v, %v", rec, err)
	}
}

func TestOpenAIJobFails(t *testing.T) {
	fake := &fakeFT{t: t, statuses: []string{"running", "failed"},
		jobErr: &JobError{Code: "invalid_training_file", Message: "The file has 2 examples; at least 10 are required.", Param: "training_file"}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	o := openAIOptions(t, srv.URL, io.Discard)
	res, err := Run(context.Background(), o)
	want := "fine-tuning job ftjob-1 failed: The file has 2 examples; at least 10 are required. (code invalid_training_file, param training_file)"
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v, want %s", err, want)
	}
	if res.Status != "failed" {
		t.Errorf("status = %q", res.Status)
	}
	if rec, _ := ReadResult(o.Output); rec == nil || rec.Status != "failed" {
		t.Errorf("recorded %+v", rec)
	}
}

func TestOpenAIErrors(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Options)
		want   string
	}{
		{"bad key", func(o *Options) { o.OpenAI.APIKey = "sk-wrong" }, "POST /files: 401 Unauthorized: bad key (code invalid_api_key)"},
		{"no key", func(o *Options) { o.OpenAI.APIKey = "" }, "no API key: set OPENAI_API_KEY or pass --api-key"},
		{"fractional epochs", func(o *Options) { o.Hyper.Epochs = 2.5 }, "whole number of epochs, got 2.5"},
		{"bad url", func(o *Options) { o.OpenAI.BaseURL = "localhost:8000" }, `openai base URL "localhost:8000"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(&fakeFT{t: t, statuses: []string{"succeeded"}})
			defer srv.Close()
			o := openAIOptions(t, srv.URL, io.Discard)
			tt.mutate(&o)
			_, err := Run(context.Background(), o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "sk-") {
				t.Errorf("the key leaks into the error: %v", err)
			}
		})
	}
}

// TestOpenAIInterruptAndFollow stops following a running job, which says
// how to resume, then resumes with Follow until the job succeeds.
func TestOpenAIInterruptAndFollow(t *testing.T) {
	fake := &fakeFT{t: t, statuses: []string{"running", "running", "running", "succeeded"}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	var log strings.Builder
	o := openAIOptions(t, srv.URL, &log)
	o.OpenAI.PollInterval, o.OpenAI.MaxPollInterval = time.Hour, time.Hour
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := Run(ctx, o)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error = %v, want the context's", err)
	}
	hint := "regenesis train --engine openai --follow ftjob-1 --out " + o.Output
	if !strings.Contains(log.String(), "fine-tuning job ftjob-1 is still running; follow it again with:\n  "+hint) {
		t.Errorf("log lacks the resume hint:\n%s", log.String())
	}
	if rec, _ := ReadResult(o.Output); rec == nil || rec.Status != "running" || rec.JobID != "ftjob-1" {
		t.Errorf("recorded %+v", rec)
	}

	f := Options{Engine: EngineOpenAI, Output: o.Output, Hyper: DefaultHyper(), OpenAI: o.OpenAI}
	f.OpenAI.Follow = "ftjob-1"
	f.OpenAI.PollInterval, f.OpenAI.MaxPollInterval = time.Millisecond, time.Millisecond
	res, err := Run(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	if res.Model != "ft:gpt-4o-mini-2024-07-18:org:regenesis:abc123" || res.BaseModel != "gpt-4o-mini-2024-07-18" {
		t.Errorf("result = %+v", res)
	}
}

// TestOpenAIEventsPaged has the job add more events between two polls than
// one page holds: every one is printed, once, oldest first.
func TestOpenAIEventsPaged(t *testing.T) {
	fake := &fakeFT{t: t, statuses: []string{"running", "running", "succeeded"}, extraEvents: 130}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	var log strings.Builder
	if _, err := Run(context.Background(), openAIOptions(t, srv.URL, &log)); err != nil {
		t.Fatalf("%v\nlog:\n%s", err, log.String())
	}
	l := log.String()
	last := -1
	for i := range len(fake.events) {
		s := fmt.Sprintf("(event %d)\n", i)
		if n := strings.Count(l, s); n != 1 {
			t.Fatalf("event %d printed %d times, want once", i, n)
		}
		at := strings.Index(l, s)
		if at < last {
			t.Fatalf("event %d printed before an older one", i)
		}
		last = at
	}
	if len(fake.events) != 390 {
		t.Errorf("%d events, want 390", len(fake.events))
	}
}

// TestOpenAIUploadsAPI sends a file larger than the files endpoint's limit
// through the uploads API: parts in order, each sized, completed with the
// file's MD5, and the job trains on the file the upload made.
func TestOpenAIUploadsAPI(t *testing.T) {
	fake := &fakeFT{t: t, statuses: []string{"succeeded"}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	var log strings.Builder
	o := openAIOptions(t, srv.URL, &log)
	o.OpenAI.filesLimit, o.OpenAI.partSize = 100, 128
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatalf("%v\nlog:\n%s", err, log.String())
	}
	written, _ := os.ReadFile(res.DataFile)
	wantParts := (len(written) + 127) / 128
	if len(fake.parts) != wantParts || wantParts < 2 {
		t.Fatalf("%d parts, want %d", len(fake.parts), wantParts)
	}
	if fake.sized != wantParts {
		t.Errorf("%d of %d parts sent with a Content-Length", fake.sized, wantParts)
	}
	if fake.uploaded != string(written) {
		t.Errorf("parts joined differ from the data file")
	}
	sum := md5.Sum(written)
	if fake.uploadMD5 != hex.EncodeToString(sum[:]) {
		t.Errorf("md5 = %q, want %x", fake.uploadMD5, sum)
	}
	if fake.created["training_file"] != "file-big" {
		t.Errorf("job trains on %v, want file-big", fake.created["training_file"])
	}
	rec, err := ReadResult(o.Output)
	if err != nil || rec.Model != "ft:gpt-4o-mini-2024-07-18:org:regenesis:abc123" {
		t.Errorf("result.json: %+v, %v", rec, err)
	}
}
