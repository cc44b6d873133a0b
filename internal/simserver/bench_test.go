package simserver

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// benchBodies are realistic requests over a 100k-question key: solve,
// judge and select prompts, sampled with n = 1.
func benchBodies(b *testing.B) (*Server, [][]byte) {
	key := syntheticKey(100_000)
	s := New(Config{Seed: 1}, key)
	var bodies [][]byte
	for i := range 96 {
		q := key[i*1000].Question
		prompts := []string{solvePrompt(q), selectPrompt(q), judgePrompt(q, "7", strings.Repeat("Step: add the numbers. ", 30)+`\boxed{7}`)}
		bodies = append(bodies, encode(b, userRequest(prompts[i%3], 1, 1, seedOf(int64(i)))))
	}
	return s, bodies
}

// BenchmarkHandler measures the handler alone, in parallel.
func BenchmarkHandler(b *testing.B) {
	s, bodies := benchBodies(b)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/v1/chat/completions", bytes.NewReader(bodies[i%len(bodies)])))
			if rec.Code != 200 {
				b.Fatalf("status %d", rec.Code)
			}
			i++
		}
	})
}

// BenchmarkHTTP measures requests over loopback HTTP with keep-alive
// clients, server and clients sharing the machine's cores.
func BenchmarkHTTP(b *testing.B) {
	s, bodies := benchBodies(b)
	ts := httptest.NewServer(s)
	defer ts.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	url := ts.URL + "/v1/chat/completions"
	b.SetParallelism(8)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			resp, err := client.Post(url, "application/json", bytes.NewReader(bodies[i%len(bodies)]))
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatalf("status %d", resp.StatusCode)
			}
			i++
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}
