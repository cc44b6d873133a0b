package simserver

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The fine-tuning jobs API of the simulated fine-tuning service (TEST DOUBLE).

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
