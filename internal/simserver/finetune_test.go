package simserver

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// testClock is a clock the test moves by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// ftServer is a simulated server whose jobs take 10s on a test clock.
func ftServer(t *testing.T, key []Entry, ft FineTune) (*Server, *testClock) {
	t.Helper()
	clock := &testClock{now: time.Unix(1_700_000_000, 0)}
	ft.Now = clock.Now
	if ft.Duration == 0 {
		ft.Duration = 10 * time.Second
	}
	return New(Config{Seed: 1, Accuracy: 0.5, FineTune: ft}, key), clock
}

// call sends a request with a bearer token and decodes a JSON answer.
func call(t *testing.T, h http.Handler, method, path, contentType string, body []byte, out any) int {
	t.Helper()
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer sk-test")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if out != nil && rec.Code == http.StatusOK {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			t.Fatalf("%s %s: %v\n%s", method, path, err, rec.Body.String())
		}
	}
	if rec.Code != http.StatusOK && out != nil {
		if eb, ok := out.(*errorBody); ok {
			_ = json.Unmarshal(rec.Body.Bytes(), eb)
		}
	}
	return rec.Code
}

// multipartBody builds a form with the given fields; the field named file
// (or data) is sent as a file.
func multipartBody(t *testing.T, fields [][2]string) ([]byte, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, f := range fields {
		var w io.Writer
		var err error
		if f[0] == "file" || f[0] == "data" {
			w, err = mw.CreateFormFile(f[0], "train.jsonl")
		} else {
			w, err = mw.CreateFormField(f[0])
		}
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, f[1])
	}
	mw.Close()
	return b.Bytes(), mw.FormDataContentType()
}

// trainingJSONL returns n chat examples, one per line.
func trainingJSONL(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `{"messages":[{"role":"user","content":"What is %d+1?"},{"role":"assistant","content":"Step 1: add one. The answer is %d."}]}`+"\n", i, i+1)
	}
	return b.String()
}

func uploadFile(t *testing.T, h http.Handler, content string) fileObject {
	t.Helper()
	body, ct := multipartBody(t, [][2]string{{"purpose", "fine-tune"}, {"file", content}})
	var f fileObject
	if code := call(t, h, "POST", "/v1/files", ct, body, &f); code != http.StatusOK {
		t.Fatalf("upload: status %d", code)
	}
	return f
}

func createJob(t *testing.T, h http.Handler, req map[string]any) (job, int) {
	t.Helper()
	var j job
	code := call(t, h, "POST", "/v1/fine_tuning/jobs", "application/json", encode(t, req), &j)
	return j, code
}

func getJob(t *testing.T, h http.Handler, id string) job {
	t.Helper()
	var j job
	if code := call(t, h, "GET", "/v1/fine_tuning/jobs/"+id, "", nil, &j); code != http.StatusOK {
		t.Fatalf("get job: status %d", code)
	}
	return j
}

type eventPage struct {
	Data    []jobEvent `json:"data"`
	HasMore bool       `json:"has_more"`
}

// allEvents walks the event pages limit at a time, newest first.
func allEvents(t *testing.T, h http.Handler, id string, limit int) ([]jobEvent, int) {
	t.Helper()
	var all []jobEvent
	after, pages := "", 0
	for {
		path := fmt.Sprintf("/v1/fine_tuning/jobs/%s/events?limit=%d", id, limit)
		if after != "" {
			path += "&after=" + after
		}
		var p eventPage
		if code := call(t, h, "GET", path, "", nil, &p); code != http.StatusOK {
			t.Fatalf("events: status %d", code)
		}
		pages++
		all = append(all, p.Data...)
		if !p.HasMore {
			return all, pages
		}
		if len(p.Data) == 0 {
			t.Fatal("has_more with an empty page")
		}
		after = p.Data[len(p.Data)-1].ID
	}
}

func TestFineTuningJobLifecycle(t *testing.T) {
	t.Parallel()
	key := gsm8kKey(t, 200)
	s, clock := ftServer(t, key, FineTune{Uplift: 0.3})
	f := uploadFile(t, s, trainingJSONL(12))
	if f.Purpose != "fine-tune" || f.Status != "processed" || f.Bytes != int64(len(trainingJSONL(12))) || !strings.HasPrefix(f.ID, "file-") {
		t.Fatalf("file object %+v", f)
	}
	var got fileObject
	if code := call(t, s, "GET", "/v1/files/"+f.ID, "", nil, &got); code != http.StatusOK || got.ID != f.ID {
		t.Fatalf("GET file: %d %+v", code, got)
	}

	j, code := createJob(t, s, map[string]any{
		"model": s.Model(), "training_file": f.ID, "suffix": "gsm8k",
		"method": map[string]any{"type": "supervised", "supervised": map[string]any{"hyperparameters": map[string]any{"n_epochs": 2}}},
	})
	if code != http.StatusOK || j.Status != "validating_files" || j.FineTunedModel != nil || !strings.HasPrefix(j.ID, "ftjob-") {
		t.Fatalf("create: %d %+v", code, j)
	}

	// Before the job ends the model does not exist.
	if _, ok := s.accuracyFor("ft:" + s.Model() + ":regenesis-simserver:gsm8k:" + strings.TrimPrefix(j.ID, "ftjob-")); ok {
		t.Error("the fine-tuned model answers before its job succeeded")
	}
	statuses := []struct {
		at   time.Duration
		want string
	}{{500 * time.Millisecond, "validating_files"}, {time.Second, "queued"}, {2 * time.Second, "running"}, {5 * time.Second, "running"}, {10 * time.Second, "succeeded"}}
	var elapsed time.Duration
	for _, st := range statuses {
		clock.Advance(st.at - elapsed)
		elapsed = st.at
		if got := getJob(t, s, j.ID).Status; got != st.want {
			t.Errorf("at %s: status %s, want %s", st.at, got, st.want)
		}
	}
	done := getJob(t, s, j.ID)
	if done.FineTunedModel == nil || done.FinishedAt == nil || done.TrainedTokens == nil || *done.TrainedTokens <= 0 || len(done.ResultFiles) != 1 {
		t.Fatalf("finished job %+v", done)
	}
	model := *done.FineTunedModel
	if want := "ft:" + s.Model() + ":regenesis-simserver:gsm8k:" + strings.TrimPrefix(j.ID, "ftjob-"); model != want {
		t.Errorf("fine-tuned model %q, want %q", model, want)
	}

	// Events: newest first; paged two at a time they are the same list.
	whole, pages := allEvents(t, s, j.ID, 100)
	paged, n := allEvents(t, s, j.ID, 2)
	if pages != 1 || n != (len(whole)+1)/2 {
		t.Errorf("pages: %d at limit 100, %d at limit 2 for %d events", pages, n, len(whole))
	}
	if len(whole) < 5 || len(paged) != len(whole) {
		t.Fatalf("events: %d whole, %d paged", len(whole), len(paged))
	}
	for i := range whole {
		if whole[i].ID != paged[i].ID {
			t.Errorf("event %d: %s paged, %s whole", i, paged[i].ID, whole[i].ID)
		}
		if i > 0 && whole[i].CreatedAt > whole[i-1].CreatedAt {
			t.Errorf("events not newest first at %d", i)
		}
	}
	if whole[0].Message != "The job has successfully completed" || whole[len(whole)-1].Message != "Validating training file: "+f.ID {
		t.Errorf("first and last events: %q, %q", whole[0].Message, whole[len(whole)-1].Message)
	}
	steps := 0
	for _, e := range whole {
		if strings.HasPrefix(e.Message, "Step ") && strings.Contains(e.Message, "/24: training loss=") {
			steps++
			if d, ok := e.Data.(map[string]any); e.Type != "metrics" || !ok || d["total_steps"] != float64(24) || d["train_loss"] == nil {
				t.Errorf("step event %+v: want type metrics with its data", e)
			}
		}
	}
	if steps != 10 {
		t.Errorf("%d step events over 24 steps (12 examples, 2 epochs, batch 1), want 10 shown", steps)
	}

	if big, pages := allEvents(t, s, j.ID, 1000); pages != 1 || len(big) != len(whole) {
		t.Errorf("limit 1000: %d pages, %d events", pages, len(big))
	}
	for _, q := range []string{"?limit=0", "?limit=x", "?after=ftevent-nope"} {
		if code := call(t, s, "GET", "/v1/fine_tuning/jobs/"+j.ID+"/events"+q, "", nil, nil); code != http.StatusBadRequest {
			t.Errorf("events%s: status %d, want 400", q, code)
		}
	}

	// The fine-tuned model is listed and answers with higher accuracy.
	var models modelList
	call(t, s, "GET", "/v1/models", "", nil, &models)
	if len(models.Data) != 2 || models.Data[1].ID != model {
		t.Errorf("models %+v, want the base and %s", models.Data, model)
	}
	acc, ok := s.accuracyFor(model)
	if !ok || acc != 0.8 {
		t.Errorf("fine-tuned accuracy %v %v, want 0.8", acc, ok)
	}
	base, tuned := 0, 0
	for _, e := range key {
		if s.GreedyCorrect(e.Question) {
			base++
		}
		if s.greedyCorrectFor(model, e.Question) {
			tuned++
		}
	}
	if tuned < base+len(key)/10 {
		t.Errorf("greedy correct: base %d, fine-tuned %d of %d: want a clear uplift", base, tuned, len(key))
	}
	for _, e := range key[:40] {
		req := userRequest(solvePrompt(e.Question), 0, 1, nil)
		req.Model = model
		resp := complete(t, s, req)
		if resp.Model != model {
			t.Fatalf("response model %q", resp.Model)
		}
		if solvedRight(t, resp.Choices[0].Message.Content, e) != s.greedyCorrectFor(model, e.Question) {
			t.Errorf("reply to %q disagrees with greedyCorrectFor", e.Question)
		}
	}

	// A fine-tuned model of the fine-tuned model gains the uplift again.
	j2, code := createJob(t, s, map[string]any{"model": model, "training_file": f.ID})
	if code != http.StatusOK {
		t.Fatalf("fine-tuning the fine-tuned model: %d", code)
	}
	clock.Advance(10 * time.Second)
	j2 = getJob(t, s, j2.ID)
	if acc, _ := s.accuracyFor(*j2.FineTunedModel); acc != maxAccuracy {
		t.Errorf("second round accuracy %v, want the cap %v", acc, maxAccuracy)
	}
	if !strings.HasPrefix(*j2.FineTunedModel, "ft:"+s.Model()+":regenesis-simserver::") {
		t.Errorf("second model %q should name the base model and an empty suffix", *j2.FineTunedModel)
	}
}

func TestChatUnknownFineTunedModel(t *testing.T) {
	t.Parallel()
	key := gsm8kKey(t, 1)
	s, _ := ftServer(t, key, FineTune{})
	req := userRequest(solvePrompt(key[0].Question), 0, 1, nil)
	req.Model = "ft:" + s.Model() + ":regenesis-simserver::sim999999"
	code, body := do(t, s, encode(t, req))
	if code != http.StatusNotFound || !strings.Contains(string(body), "model_not_found") {
		t.Errorf("status %d, body %s: want 404 model_not_found", code, body)
	}
}

func TestFineTuningJobFailures(t *testing.T) {
	t.Parallel()
	s, clock := ftServer(t, gsm8kKey(t, 1), FineTune{})
	tests := []struct {
		name      string
		content   string
		wantError string // the job's error message
	}{
		{"too few examples", trainingJSONL(9), "Training file has 9 example(s), but must have at least 10 examples"},
		{"not JSON", trainingJSONL(10) + "{oops\n", "Line 11 is not valid JSON"},
		{"no assistant message", trainingJSONL(10) + `{"messages":[{"role":"user","content":"hi"}]}` + "\n", "Line 11: each example needs a 'messages' list with an assistant message"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := uploadFile(t, s, tt.content)
			j, code := createJob(t, s, map[string]any{"model": s.Model(), "training_file": f.ID})
			if code != http.StatusOK {
				t.Fatalf("create: %d", code)
			}
			clock.Advance(2 * time.Second)
			j = getJob(t, s, j.ID)
			if j.Status != "failed" || j.Error == nil || j.Error.Code != "invalid_training_file" || !strings.Contains(j.Error.Message, tt.wantError) || j.FineTunedModel != nil {
				t.Errorf("job %+v error %+v, want failed with %q", j, j.Error, tt.wantError)
			}
		})
	}

	requests := []struct {
		name       string
		body       map[string]any
		wantStatus int
		wantMsg    string
	}{
		{"unknown model", map[string]any{"model": "gpt-9", "training_file": "file-x"}, 400, "not available for fine-tuning"},
		{"unknown file", map[string]any{"model": s.Model(), "training_file": "file-nope"}, 400, "invalid training_file: file-nope"},
		{"bad epochs", map[string]any{"model": s.Model(), "training_file": uploadFile(t, s, trainingJSONL(10)).ID, "hyperparameters": map[string]any{"n_epochs": 1.5}}, 400, "n_epochs"},
	}
	for _, tt := range requests {
		t.Run(tt.name, func(t *testing.T) {
			var eb errorBody
			code := call(t, s, "POST", "/v1/fine_tuning/jobs", "application/json", encode(t, tt.body), &eb)
			if code != tt.wantStatus || !strings.Contains(eb.Error.Message, tt.wantMsg) {
				t.Errorf("status %d, error %q; want %d with %q", code, eb.Error.Message, tt.wantStatus, tt.wantMsg)
			}
		})
	}
}

func TestFineTuningCancel(t *testing.T) {
	t.Parallel()
	s, clock := ftServer(t, gsm8kKey(t, 1), FineTune{})
	f := uploadFile(t, s, trainingJSONL(10))
	j, _ := createJob(t, s, map[string]any{"model": s.Model(), "training_file": f.ID})
	clock.Advance(3 * time.Second)
	var c job
	if code := call(t, s, "POST", "/v1/fine_tuning/jobs/"+j.ID+"/cancel", "", nil, &c); code != http.StatusOK || c.Status != "cancelled" {
		t.Fatalf("cancel: %d %+v", code, c)
	}
	clock.Advance(time.Minute)
	if got := getJob(t, s, j.ID); got.Status != "cancelled" || got.FineTunedModel != nil {
		t.Errorf("a cancelled job went on: %+v", got)
	}
	if code := call(t, s, "POST", "/v1/fine_tuning/jobs/"+j.ID+"/cancel", "", nil, nil); code != http.StatusBadRequest {
		t.Errorf("cancelling twice: %d, want 400", code)
	}
	if code := call(t, s, "GET", "/v1/fine_tuning/jobs/ftjob-nope", "", nil, nil); code != http.StatusNotFound {
		t.Errorf("unknown job: %d, want 404", code)
	}
}

func TestUploadsAPI(t *testing.T) {
	t.Parallel()
	s, _ := ftServer(t, gsm8kKey(t, 1), FineTune{})
	content := trainingJSONL(10)
	half := len(content) / 2
	sum := md5.Sum([]byte(content))

	var u upload
	if code := call(t, s, "POST", "/v1/uploads", "application/json", encode(t, map[string]any{
		"filename": "train.jsonl", "purpose": "fine-tune", "bytes": len(content), "mime_type": "text/jsonl",
	}), &u); code != http.StatusOK || u.Status != "pending" || !strings.HasPrefix(u.ID, "upload_") {
		t.Fatalf("create upload: %d %+v", code, u)
	}
	var ids []string
	for _, chunk := range []string{content[:half], content[half:]} {
		body, ct := multipartBody(t, [][2]string{{"data", chunk}})
		var p uploadPart
		if code := call(t, s, "POST", "/v1/uploads/"+u.ID+"/parts", ct, body, &p); code != http.StatusOK || p.UploadID != u.ID {
			t.Fatalf("part: %d %+v", code, p)
		}
		ids = append(ids, p.ID)
	}
	// Wrong order: the bytes add up but the md5 does not match.
	var eb errorBody
	if code := call(t, s, "POST", "/v1/uploads/"+u.ID+"/complete", "application/json",
		encode(t, map[string]any{"part_ids": []string{ids[1], ids[0]}, "md5": hex.EncodeToString(sum[:])}), &eb); code != http.StatusBadRequest || !strings.Contains(eb.Error.Message, "md5") {
		t.Errorf("parts out of order: %d %q, want 400 naming the md5", code, eb.Error.Message)
	}
	if code := call(t, s, "POST", "/v1/uploads/"+u.ID+"/complete", "application/json",
		encode(t, map[string]any{"part_ids": ids[:1]}), &eb); code != http.StatusBadRequest || !strings.Contains(eb.Error.Message, "declared") {
		t.Errorf("missing part: %d %q, want 400 on the byte count", code, eb.Error.Message)
	}
	var done upload
	if code := call(t, s, "POST", "/v1/uploads/"+u.ID+"/complete", "application/json",
		encode(t, map[string]any{"part_ids": ids, "md5": hex.EncodeToString(sum[:])}), &done); code != http.StatusOK || done.Status != "completed" || done.File == nil {
		t.Fatalf("complete: %d %+v", code, done)
	}
	if done.File.Bytes != int64(len(content)) || done.File.Purpose != "fine-tune" {
		t.Errorf("file %+v", done.File)
	}
	// The file trains: a job on it succeeds.
	if _, code := createJob(t, s, map[string]any{"model": s.Model(), "training_file": done.File.ID}); code != http.StatusOK {
		t.Errorf("job on the uploaded file: %d", code)
	}
	if code := call(t, s, "POST", "/v1/uploads/"+u.ID+"/parts", "", nil, nil); code != http.StatusBadRequest {
		t.Errorf("part after completion: %d, want 400", code)
	}
}

func TestFineTuningNeedsAKey(t *testing.T) {
	t.Parallel()
	s, _ := ftServer(t, gsm8kKey(t, 1), FineTune{})
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("GET", "/v1/fine_tuning/jobs", nil))
	if rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), "missing_api_key") {
		t.Errorf("status %d %s, want 401", rec.Code, rec.Body.String())
	}
}

func TestFineTunedAccuracy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		accuracy float64
		uplift   float64
		rounds   int
		want     float64
	}{
		{"one round", 0.5, 0.3, 1, 0.8},
		{"two rounds, capped", 0.5, 0.3, 2, maxAccuracy},
		{"no uplift", 0.5, -1, 1, 0.5},
		{"a perfect base model stays perfect", 1, 0.1, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(Config{Accuracy: tt.accuracy, FineTune: FineTune{Uplift: tt.uplift}}, nil)
			s.ft.models["ft:m:regenesis-simserver::x"] = tt.rounds
			got, ok := s.accuracyFor("ft:m:regenesis-simserver::x")
			if !ok || math.Abs(got-tt.want) > 1e-12 {
				t.Errorf("accuracyFor = %v %v, want %v", got, ok, tt.want)
			}
			if base, ok := s.accuracyFor("any-name"); !ok || base != tt.accuracy {
				t.Errorf("base accuracy %v %v", base, ok)
			}
		})
	}
}
