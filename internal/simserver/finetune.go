package simserver

import (
	"fmt"
	"net/http"
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
