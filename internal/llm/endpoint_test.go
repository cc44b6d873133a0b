package llm

import (
	"errors"
	"testing"
	"time"
)

// TestLateSuccessKeepsStreak checks that a success of an attempt sent
// before a failure streak began (a request in flight when the server broke)
// neither clears the streak nor reports the server as answering again,
// while a success of an attempt sent after the streak began does both.
func TestLateSuccessKeepsStreak(t *testing.T) {
	t.Parallel()
	ep, err := newEndpoint("http://127.0.0.1:1/v1", 4)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	broke := t0.Add(time.Second)
	for i := range 3 {
		ep.failed(errors.New("HTTP 500"), broke.Add(time.Duration(i)*time.Millisecond))
	}
	ep.down.Store(true)

	if ep.succeeded(t0) {
		t.Error("a success sent before the streak reported the server as answering again")
	}
	if got := ep.failures.Load(); got != 3 {
		t.Errorf("after a late success the streak is %d, want 3", got)
	}
	if !ep.down.Load() {
		t.Error("a late success cleared the down state")
	}

	if !ep.succeeded(broke.Add(time.Second)) {
		t.Error("a success sent after the streak began did not report the server as answering again")
	}
	if got := ep.failures.Load(); got != 0 || ep.failingSince.Load() != 0 || ep.down.Load() {
		t.Errorf("after a fresh success: streak %d, failingSince %d, down %v; want all cleared", got, ep.failingSince.Load(), ep.down.Load())
	}
}
