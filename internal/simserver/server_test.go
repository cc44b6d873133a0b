package simserver

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestNModes(t *testing.T) {
	t.Parallel()
	key := gsm8kKey(t, 1)
	prompt := solvePrompt(key[0].Question)
	tests := []struct {
		mode        NMode
		n           int
		wantStatus  int
		wantChoices int
	}{
		{NSupport, 0, http.StatusOK, 1},
		{NSupport, 5, http.StatusOK, 5},
		{NIgnore, 5, http.StatusOK, 1},
		{NIgnore, 1, http.StatusOK, 1},
		{NReject, 5, http.StatusBadRequest, 0},
		{NReject, 1, http.StatusOK, 1},
	}
	for _, tt := range tests {
		t.Run(tt.mode.String(), func(t *testing.T) {
			s := New(Config{NMode: tt.mode}, key)
			code, body := do(t, s, encode(t, userRequest(prompt, 1, tt.n, seedOf(1))))
			if code != tt.wantStatus {
				t.Fatalf("n=%d: status %d, want %d: %s", tt.n, code, tt.wantStatus, body)
			}
			if code != http.StatusOK {
				var e errorBody
				if err := json.Unmarshal(body, &e); err != nil || !strings.Contains(e.Error.Message, "n > 1") {
					t.Fatalf("error body %s: want an OpenAI error naming n", body)
				}
				return
			}
			var resp chatResponse
			if err := json.Unmarshal(body, &resp); err != nil {
				t.Fatal(err)
			}
			if len(resp.Choices) != tt.wantChoices {
				t.Fatalf("n=%d: %d choices, want %d", tt.n, len(resp.Choices), tt.wantChoices)
			}
			for i, c := range resp.Choices {
				if c.Index != i || c.FinishReason != "stop" || c.Message.Role != "assistant" {
					t.Errorf("choice %d = %+v", i, c)
				}
			}
		})
	}
}

func TestBadRequests(t *testing.T) {
	t.Parallel()
	s := New(Config{}, nil)
	tests := []struct {
		name string
		body string
		want string // in the error message
	}{
		{"not JSON", `{"messages": [`, "invalid JSON"},
		{"no messages", `{"model":"m","messages":[]}`, "messages"},
		{"n too large", `{"messages":[{"role":"user","content":"hi"}],"n":500}`, "n = 500"},
		{"n zero", `{"messages":[{"role":"user","content":"hi"}],"n":0}`, "n = 0"},
		{"temperature", `{"messages":[{"role":"user","content":"hi"}],"temperature":3}`, "temperature"},
		{"stream", `{"messages":[{"role":"user","content":"hi"}],"stream":true}`, "stream"},
		{"bad content", `{"messages":[{"role":"user","content":5}]}`, "content"},
		{"bad stop", `{"messages":[{"role":"user","content":"hi"}],"stop":5}`, "stop"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := do(t, s, []byte(tt.body))
			var e errorBody
			if code != http.StatusBadRequest || json.Unmarshal(body, &e) != nil || !strings.Contains(e.Error.Message, tt.want) {
				t.Errorf("status %d body %s: want 400 mentioning %q", code, body, tt.want)
			}
		})
	}
	if st := s.Stats(); st.Rejected != int64(len(tests)) || st.Succeeded != 0 {
		t.Errorf("stats = %+v, want %d rejected", st, len(tests))
	}
}

func TestRoutes(t *testing.T) {
	t.Parallel()
	s := New(Config{Model: "sim-7b"}, nil)
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/models", nil))
	var list modelList
	if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil || rec.Code != 200 || len(list.Data) != 1 || list.Data[0].ID != "sim-7b" {
		t.Errorf("GET /v1/models = %d %s", rec.Code, rec.Body)
	}
	for _, tt := range []struct {
		method, path string
		want         int
	}{
		{http.MethodGet, "/v1/chat/completions", http.StatusMethodNotAllowed},
		{http.MethodPost, "/v1/completions", http.StatusNotFound},
	} {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, nil))
		if rec.Code != tt.want {
			t.Errorf("%s %s = %d, want %d", tt.method, tt.path, rec.Code, tt.want)
		}
	}
}

func TestContentParts(t *testing.T) {
	t.Parallel()
	key := gsm8kKey(t, 1)
	s := New(Config{Accuracy: 1}, key)
	body := encode(t, map[string]any{
		"model": "m", "temperature": 0,
		"messages": []map[string]any{
			{"role": "system", "content": "You are helpful."},
			{"role": "user", "content": []map[string]string{{"type": "text", "text": "Solve step by step.\n\n"}, {"type": "text", "text": key[0].Question}}},
		},
	})
	code, out := do(t, s, body)
	var resp chatResponse
	if code != 200 || json.Unmarshal(out, &resp) != nil {
		t.Fatalf("status %d: %s", code, out)
	}
	if !solvedRight(t, resp.Choices[0].Message.Content, key[0]) {
		t.Errorf("question in content parts not recognized: %q", resp.Choices[0].Message.Content)
	}
}

func TestLimitsAndUsage(t *testing.T) {
	t.Parallel()
	key := gsm8kKey(t, 1)
	s := New(Config{}, key)
	full := complete(t, s, userRequest(solvePrompt(key[0].Question), 0, 0, nil))
	text := full.Choices[0].Message.Content

	if want := tokens(text); full.Usage.CompletionTokens != want || full.Usage.PromptTokens != tokens(solvePrompt(key[0].Question))+3 ||
		full.Usage.TotalTokens != full.Usage.PromptTokens+full.Usage.CompletionTokens {
		t.Errorf("usage = %+v, completion want %d", full.Usage, want)
	}

	req := userRequest(solvePrompt(key[0].Question), 0, 0, nil)
	req.MaxTokens = 8
	cut := complete(t, s, req).Choices[0]
	if cut.FinishReason != "length" || countWords(cut.Message.Content) != 6 || !strings.HasPrefix(text, cut.Message.Content) {
		t.Errorf("max_tokens 8: finish %q, text %q", cut.FinishReason, cut.Message.Content)
	}

	req = userRequest(solvePrompt(key[0].Question), 0, 0, nil)
	req.Stop = []string{"\n\n"}
	stopped := complete(t, s, req).Choices[0]
	if want, _, _ := strings.Cut(text, "\n\n"); stopped.Message.Content != want || stopped.FinishReason != "stop" {
		t.Errorf("stop: got %q, want %q", stopped.Message.Content, want)
	}
}

func TestUnknownQuestion(t *testing.T) {
	t.Parallel()
	s := New(Config{}, gsm8kKey(t, 5))
	req := userRequest(solvePrompt("How many legs do 3 spiders have?"), 0, 0, nil)
	text := complete(t, s, req).Choices[0].Message.Content
	if pred, ok := finalAnswer(text); !ok || pred == "" {
		t.Errorf("unknown question: reply %q has no final answer", text)
	}
	if again := complete(t, s, req).Choices[0].Message.Content; again != text {
		t.Errorf("unknown question: greedy replies differ:\n%s\n---\n%s", text, again)
	}
}

func TestRepeatedBodies(t *testing.T) {
	t.Parallel()
	key := gsm8kKey(t, 2)
	s := New(Config{}, key)
	a := encode(t, userRequest(solvePrompt(key[0].Question), 1, 2, seedOf(1)))
	b := encode(t, userRequest(solvePrompt(key[1].Question), 1, 2, seedOf(1)))
	for _, body := range [][]byte{a, b, a} {
		if code, out := do(t, s, body); code != 200 {
			t.Fatalf("status %d: %s", code, out)
		}
	}
	st := s.Stats()
	if st.Requests != 3 || st.Succeeded != 3 || st.Choices != 6 || st.DistinctBodies != 2 || st.RepeatedBodies != 1 {
		t.Errorf("stats = %+v", st)
	}
	if st.Stages[StageSolve] != 3 || len(st.Stages) != 1 {
		t.Errorf("stages = %v, want 3 solves", st.Stages)
	}
	if got := s.served(a); got != 2 {
		t.Errorf("Served(a) = %d, want 2", got)
	}
	if got := s.served([]byte("{}")); got != 0 {
		t.Errorf("Served(unsent) = %d, want 0", got)
	}
}
