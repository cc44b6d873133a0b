package progress

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the display's goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestPlainLines(t *testing.T) {
	var buf syncBuffer
	off := false
	d := Start(&buf, Options{
		Label:    "synthesize gsm8k/train",
		Total:    4,
		Interval: 10 * time.Millisecond,
		Live:     &off,
		Stats: func() Snapshot {
			return Snapshot{Requests: 10, Cached: 3, Retries: 2, Errors: 1, CompletionTokens: 500}
		},
	})
	d.Add(1)
	time.Sleep(50 * time.Millisecond)
	d.Add(3)
	d.Stop()
	d.Stop() // idempotent
	out := buf.String()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 2 {
		t.Fatalf("want periodic lines and a final one, got %q", out)
	}
	last := lines[len(lines)-1]
	for _, want := range []string{"synthesize gsm8k/train: 4/4 (100.0%)", "3 cached", "2 retries", "1 errors"} {
		if !strings.Contains(last, want) {
			t.Errorf("final line %q lacks %q", last, want)
		}
	}
	if !strings.Contains(lines[0], "1/4 (25.0%)") {
		t.Errorf("first periodic line %q should show 1/4", lines[0])
	}
}

func TestLiveDisplayEndsWithSummary(t *testing.T) {
	var buf syncBuffer
	on := true
	d := Start(&buf, Options{Label: "eval", Total: 3, Live: &on})
	d.Add(3)
	d.Stop()
	if !strings.Contains(buf.String(), "eval: 3/3 (100.0%)") {
		t.Fatalf("summary missing from %q", buf.String())
	}
}
