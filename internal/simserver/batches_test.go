package simserver

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func uploadBatchFile(t *testing.T, url, content string) string {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("purpose", "batch")
	fw, _ := mw.CreateFormFile("file", "in.jsonl")
	fw.Write([]byte(content))
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, url+"/v1/files", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer x")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var f fileObject
	json.NewDecoder(resp.Body).Decode(&f)
	return f.ID
}

func batchCall(t *testing.T, method, url, body string) batchObject {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer x")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b batchObject
	json.NewDecoder(resp.Body).Decode(&b)
	return b
}

func TestBatchLifecycle(t *testing.T) {
	t.Parallel()
	clock := time.Unix(1_700_000_000, 0)
	srv := New(Config{Seed: 1, BatchDuration: time.Minute, FineTune: FineTune{Now: func() time.Time { return clock }}}, nil)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	good := `{"custom_id":"a","method":"POST","url":"/v1/chat/completions","body":{"model":"sim","messages":[{"role":"user","content":"What is 2+2?"}],"max_tokens":50}}` + "\n"
	tests := []struct {
		name, content, status string
		code                  string
	}{
		{"valid", good, "validating", ""},
		{"duplicate id", good + good, "failed", "duplicate_custom_id"},
		{"wrong url", strings.Replace(good, "/v1/chat/completions", "/v1/embeddings", 1), "failed", "mismatched_endpoint"},
		{"not json", "{oops\n", "failed", "invalid_json_line"},
		{"empty", "", "failed", "empty_file"},
	}
	for _, tt := range tests {
		id := uploadBatchFile(t, ts.URL, tt.content)
		b := batchCall(t, http.MethodPost, ts.URL+"/v1/batches", `{"input_file_id":"`+id+`","endpoint":"/v1/chat/completions","completion_window":"24h"}`)
		if b.Status != tt.status || (tt.code != "" && (b.Errors == nil || b.Errors.Data[0].Code != tt.code)) {
			t.Errorf("%s: status %q errors %+v, want %q %q", tt.name, b.Status, b.Errors, tt.status, tt.code)
		}
		if tt.name != "valid" {
			continue
		}
		clock = clock.Add(10 * time.Second)
		if b := batchCall(t, http.MethodGet, ts.URL+"/v1/batches/"+b.ID, ""); b.Status != "in_progress" {
			t.Errorf("after 10s: %q, want in_progress", b.Status)
		}
		clock = clock.Add(time.Minute)
		done := batchCall(t, http.MethodGet, ts.URL+"/v1/batches/"+b.ID, "")
		if done.Status != "completed" || done.OutputFileID == nil || done.RequestCounts.Completed != 1 {
			t.Fatalf("after the duration: %+v", done)
		}
		req, _ := http.NewRequest(http.MethodGet, ts.URL+"/v1/files/"+*done.OutputFileID+"/content", nil)
		req.Header.Set("Authorization", "Bearer x")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var line struct {
			CustomID string `json:"custom_id"`
			Response struct {
				StatusCode int `json:"status_code"`
				Body       struct {
					Choices []json.RawMessage `json:"choices"`
				} `json:"body"`
			} `json:"response"`
		}
		json.NewDecoder(resp.Body).Decode(&line)
		resp.Body.Close()
		if line.CustomID != "a" || line.Response.StatusCode != 200 || len(line.Response.Body.Choices) != 1 {
			t.Errorf("output line %+v", line)
		}
		if c := batchCall(t, http.MethodPost, ts.URL+"/v1/batches/"+b.ID+"/cancel", ""); c.Status == "cancelling" {
			t.Error("a completed batch was cancelled")
		}
	}
}
