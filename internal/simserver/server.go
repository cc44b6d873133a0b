package simserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cespare/xxhash/v2"
	"github.com/regenesis-ai/regenesis/internal/answer"
)

// maxBody bounds a request body.
const maxBody = 32 << 20

// Server is the simulated model, an http.Handler serving
// POST /v1/chat/completions and GET /v1/models, and the files, uploads and
// fine-tuning API (see FineTune). It is safe for concurrent use.
type Server struct {
	cfg    settings
	ix     *index
	mux    *http.ServeMux
	nextID atomic.Uint64 // request numbers, in arrival order
	counts counters
	bufs   sync.Pool // *bytes.Buffer
	ft     *fineTuning
	batch  *batchAPI // batches.go
	// limits enforce Config.RateLimit on live chat requests (ratelimit.go).
	limits  *rateLimiter
	limited atomic.Int64
}

// Validate reports whether cfg is usable, naming the offending field.
func (cfg Config) Validate() error {
	_, err := resolve(cfg)
	return err
}

// New returns a server answering over key. It panics when cfg is invalid
// (a programming error in a test); check user input with Config.Validate.
func New(cfg Config, key []Entry) *Server {
	st, err := resolve(cfg)
	if err != nil {
		panic(err)
	}
	s := &Server{cfg: st, ix: newIndex(key)}
	s.counts.bodies = make(map[uint64]int32)
	s.bufs.New = func() any { return new(bytes.Buffer) }
	s.mux = http.NewServeMux()
	s.limits, _ = newRateLimiter(cfg.RateLimit) // checked by resolve
	s.mux.HandleFunc("POST /v1/chat/completions", s.limitedChat)
	s.mux.HandleFunc("POST /chat/completions", s.limitedChat)
	s.mux.HandleFunc("GET /v1/models", s.handleModels)
	s.ft = newFineTuning(st.fineTune, st.model)
	s.ft.routes(s.mux)
	s.batchRoutes()
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

// Model returns the model name the server reports.
func (s *Server) Model() string { return s.cfg.model }

// KeySize returns the number of distinct questions in the answer key.
func (s *Server) KeySize() int { return len(s.ix.entries) }

func (s *Server) handleModels(w http.ResponseWriter, _ *http.Request) {
	s.writeJSON(w, http.StatusOK, modelList{Object: "list", Data: append([]modelInfo{
		{ID: s.cfg.model, Object: "model", OwnedBy: "regenesis-simserver (test double)"},
	}, s.ft.fineTunedModels()...)})
}

func (s *Server) handleChat(w http.ResponseWriter, r *http.Request) {
	num := s.nextID.Add(1) - 1
	s.counts.requests.Add(1)

	buf := s.bufs.Get().(*bytes.Buffer)
	defer s.putBuffer(buf)
	buf.Reset()
	if _, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, maxBody)); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.reject(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body over %d bytes", maxBody))
			return
		}
		return // the client went away
	}
	body := buf.Bytes()
	var req chatRequest
	if err := json.Unmarshal(body, &req); err != nil {
		s.reject(w, http.StatusBadRequest, "invalid JSON body: "+err.Error())
		return
	}
	n, temp, msg := checkRequest(&req)
	if msg != "" {
		s.reject(w, http.StatusBadRequest, msg)
		return
	}
	accuracy, known := s.accuracyFor(req.Model)
	if !known {
		s.counts.rejected.Add(1)
		writeError(w, http.StatusNotFound, "invalid_request_error", "model_not_found", fmt.Sprintf("The model `%s` does not exist or you do not have access to it.", req.Model))
		return
	}
	if n > 1 {
		switch s.cfg.nMode {
		case NReject:
			s.reject(w, http.StatusBadRequest, "n > 1 is not supported by this server")
			return
		case NIgnore:
			n = 1
		}
	}

	fault := s.faultFor(num)
	if !s.delay(r.Context(), num) {
		return
	}
	if fault != FaultNone && fault != FaultTruncate {
		s.writeFault(w, fault, num)
		return
	}

	resp := s.complete(&req, num, n, temp, accuracy)
	if fault == FaultTruncate {
		s.counts.faults[FaultTruncate].Add(1)
		s.truncate(resp, num)
	}
	if !s.writeJSON(w, http.StatusOK, resp) {
		return
	}
	s.counts.succeeded.Add(1)
	s.counts.choices.Add(int64(len(resp.Choices)))
	s.counts.promptTokens.Add(resp.Usage.PromptTokens)
	s.counts.completionTokens.Add(resp.Usage.CompletionTokens)
	s.counts.served(hashBytes(body))
}

// checkRequest validates a request and returns n and the temperature, or
// a message for a 400 reply.
func checkRequest(req *chatRequest) (n int, temp float64, msg string) {
	if len(req.Messages) == 0 {
		return 0, 0, "messages: at least one message is required"
	}
	if req.Stream {
		return 0, 0, "stream: streaming is not supported by this server"
	}
	n, temp = 1, 1 // OpenAI's defaults
	if req.N != nil {
		n = *req.N
	}
	if n < 1 || n > MaxN {
		return 0, 0, fmt.Sprintf("n = %d: must be between 1 and %d", n, MaxN)
	}
	if req.Temperature != nil {
		temp = *req.Temperature
	}
	if !(temp >= 0 && temp <= 2) {
		return 0, 0, fmt.Sprintf("temperature = %v: must be between 0 and 2", temp)
	}
	return n, temp, ""
}

// turn is what every choice of one request shares.
type turn struct {
	stage  Stage
	entry  *Entry // nil when the question is not in the key
	qh     uint64 // hash of the key question, or of the prompt when unknown
	prompt string // the last user message
	facts  facts  // what replies quote from the question
	hinted bool   // the prompt hints at the gold answer
	// accuracy is the requested model's: higher for a fine-tuned one.
	accuracy float64
}

// complete builds the response to a valid request.
func (s *Server) complete(req *chatRequest, num uint64, n int, temp, accuracy float64) *chatResponse {
	tn := turn{prompt: lastUserText(req.Messages), accuracy: accuracy}
	tn.stage = detectStage(tn.prompt)
	s.counts.stages[tn.stage].Add(1)
	question := tn.prompt
	if e, ok := s.ix.lookup(req.Messages); ok {
		tn.entry, tn.qh, question = e, hashString(e.Question), e.Question
	} else {
		tn.qh = hashString(tn.prompt)
	}
	switch tn.stage {
	case StageAdapt, StageStructure, StageSolve:
		tn.facts = factsOf(question)
	}
	if tn.stage == StageSolve && tn.entry != nil && hinted(tn.prompt, tn.entry.Answer) {
		tn.hinted = true
		s.counts.hinted.Add(1)
	}
	seed := num // an unseeded request samples like a real server: differently each time
	if req.Seed != nil {
		seed = uint64(*req.Seed)
	}
	maxTokens := req.MaxTokens
	if req.MaxCompletionTokens > 0 {
		maxTokens = req.MaxCompletionTokens
	}

	resp := &chatResponse{
		ID:                "chatcmpl-sim-" + strconv.FormatUint(num, 10),
		Object:            "chat.completion",
		Created:           time.Now().Unix(),
		Model:             s.cfg.model,
		Choices:           make([]chatChoice, n),
		SystemFingerprint: "regenesis-simserver",
	}
	if req.Model != "" {
		resp.Model = req.Model
	}
	for _, m := range req.Messages {
		resp.Usage.PromptTokens += tokens(m.Content.text) + 3
	}
	for i := range resp.Choices {
		k := sampleKey{seed: seed, choice: uint64(i), temperature: temp}
		text, finish := limit(s.reply(&tn, k), req.Stop, maxTokens)
		resp.Choices[i] = chatChoice{
			Index:        i,
			Message:      responseMessage{Role: "assistant", Content: text},
			FinishReason: finish,
		}
		resp.Usage.CompletionTokens += tokens(text)
	}
	resp.Usage.TotalTokens = resp.Usage.PromptTokens + resp.Usage.CompletionTokens
	return resp
}

// reply writes one choice's text.
func (s *Server) reply(tn *turn, k sampleKey) string {
	h := combine(s.cfg.seed, tn.qh, saltText, uint64(tn.stage))
	if !k.greedy() {
		h = combine(h, k.seed, k.choice, math.Float64bits(k.temperature))
	}
	r := &rng{s: h}
	switch tn.stage {
	case StageSelect:
		return selectReply(r, tn.prompt)
	case StageJudge:
		var spec answer.Spec
		if tn.entry != nil {
			spec = tn.entry.Spec
		}
		return judgeReply(r, judgeSame(tn.prompt, spec))
	case StageAdapt:
		return adaptReply(r, tn.prompt, tn.facts)
	case StageStructure:
		return structureReply(r, tn.facts)
	}
	return solveReply(r, tn.facts, finalLine(r, s.solveAnswerAt(tn.accuracy, tn.entry, tn.qh, tn.hinted, k), tn.entry, s.cfg.formatVariety))
}

// solveAnswer decides the final answer of a solve: the gold answer when the
// draw says right, the question's one mistake otherwise, and an
// unverifiable answer when the key has no gold answer.
func (s *Server) solveAnswer(e *Entry, qh uint64, hint bool, k sampleKey) string {
	return s.solveAnswerAt(s.cfg.accuracy, e, qh, hint, k)
}

// solveAnswerAt is solveAnswer for a model of the given accuracy.
func (s *Server) solveAnswerAt(accuracy float64, e *Entry, qh uint64, hint bool, k sampleKey) string {
	if e == nil || e.Answer == "" {
		h := combine(qh, saltMistake)
		if !k.greedy() {
			h = combine(h, k.seed, k.choice)
		}
		return unverifiable(e, h)
	}
	var right bool
	switch {
	case hint:
		right = s.draw(saltHint, qh, k) < s.cfg.hintAccuracy
	case k.greedy():
		right = s.draw(saltGreedy, qh, k) < difficulty(qh, accuracy)
	default:
		right = s.draw(saltSample, qh, k) < difficulty(qh, accuracy)
	}
	if right {
		return e.Answer
	}
	return mistake(e, combine(qh, saltMistake))
}

// truncate cuts every choice of request num to 30-70% of its text, as a
// server that ran out of tokens does.
func (s *Server) truncate(resp *chatResponse, num uint64) {
	resp.Usage.CompletionTokens = 0
	for i := range resp.Choices {
		c := &resp.Choices[i]
		c.Message.Content = cutBytes(c.Message.Content, 0.3+0.4*unit(combine(s.cfg.seed, saltFault, num, uint64(i))))
		c.FinishReason = "length"
		resp.Usage.CompletionTokens += tokens(c.Message.Content)
	}
	resp.Usage.TotalTokens = resp.Usage.PromptTokens + resp.Usage.CompletionTokens
}

// limit applies stop sequences and max_tokens to a reply.
func limit(text string, stop []string, maxTokens int) (string, string) {
	for _, st := range stop {
		if st == "" {
			continue
		}
		if i := strings.Index(text, st); i >= 0 {
			text = text[:i]
		}
	}
	if maxTokens > 0 && tokens(text) > int64(maxTokens) {
		return cutWords(text, max(1, maxTokens*3/4)), "length"
	}
	return text, "stop"
}

// lastUserText returns the last user message, or the last message when
// none is from the user.
func lastUserText(msgs []message) string {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role == "user" {
			return msgs[i].Content.text
		}
	}
	return msgs[len(msgs)-1].Content.text
}

func (s *Server) reject(w http.ResponseWriter, status int, msg string) {
	s.counts.rejected.Add(1)
	writeError(w, status, "invalid_request_error", "", msg)
}

func writeError(w http.ResponseWriter, status int, typ, code, msg string) {
	body := errorBody{Error: errorDetail{Message: msg, Type: typ}}
	if code != "" {
		body.Error.Code = &code
	}
	b, _ := json.Marshal(body) // cannot fail: strings only
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

// writeJSON encodes v through a pooled buffer; it reports whether the
// whole body was written.
func (s *Server) writeJSON(w http.ResponseWriter, status int, v any) bool {
	buf := s.bufs.Get().(*bytes.Buffer)
	defer s.putBuffer(buf)
	buf.Reset()
	if err := json.NewEncoder(buf).Encode(v); err != nil {
		writeError(w, http.StatusInternalServerError, "server_error", "", "encoding response: "+err.Error())
		return false
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, err := io.Copy(w, buf)
	return err == nil
}

// putBuffer returns a buffer to the pool unless it grew large.
func (s *Server) putBuffer(b *bytes.Buffer) {
	if b.Cap() <= 1<<20 {
		s.bufs.Put(b)
	}
}

func hashBytes(b []byte) uint64 { return xxhash.Sum64(b) }
