package llm

import (
	"strings"
	"testing"
	"time"
)

// A server URL recorded in results.json (ServerStats.URL) or named in logs
// and errors carries no credential: no user:password, no key in the query.
func TestRecordedURLsCarryNoCredentials(t *testing.T) {
	tests := []struct{ base, want string }{
		{"http://bob:hunter2@h:8000/v1", "http://h:8000/v1/chat/completions"},
		{"http://h:8000/v1?api_key=zzsecret", "http://h:8000/v1/chat/completions?api_key=REDACTED"},
		{"https://h/v1?token=zzsecret&x=1", "https://h/v1/chat/completions?token=REDACTED&x=1"},
	}
	for _, tt := range tests {
		c, err := NewClient(Options{BaseURLs: []string{tt.base}})
		if err != nil {
			t.Fatal(err)
		}
		st := c.Servers()
		if len(st) != 1 || st[0].URL != tt.want {
			t.Errorf("%s: recorded %+v, want URL %s", tt.base, st, tt.want)
		}
		for _, ep := range c.fleet() {
			if strings.Contains(ep.name, "hunter2") || strings.Contains(ep.name, "zzsecret") {
				t.Errorf("%s: endpoint name %q carries a credential", tt.base, ep.name)
			}
		}
	}
}

// Options are taken as given: 0 retries is none and a zero GiveUpAfter
// never gives up; DefaultOptions holds the defaults; a negative value is
// refused, not read as "none".
func TestOptionsAsGiven(t *testing.T) {
	d := DefaultOptions()
	if d.MaxRetries != DefaultMaxRetries || d.GiveUpAfter != DefaultGiveUpAfter || d.Concurrency != DefaultConcurrency || d.Timeout != DefaultTimeout {
		t.Errorf("DefaultOptions = %+v", d)
	}
	o, err := Options{}.withDefaults()
	if err != nil || o.MaxRetries != 0 || o.GiveUpAfter != 0 || o.Concurrency != DefaultConcurrency {
		t.Errorf("Options{} -> %+v, %v; want 0 retries, never give up, default concurrency", o, err)
	}
	if _, ok := newTestClient(t, Options{BaseURLs: []string{"http://h"}}).giveUpAt(); ok {
		t.Error("a zero GiveUpAfter gives up")
	}
	short := DefaultOptions()
	short.Timeout = 5 * time.Second
	if o, err := short.withDefaults(); err != nil || o.ProbeTimeout != 5*time.Second {
		t.Errorf("probe timeout %v, %v; want the shorter request timeout, 5s", o.ProbeTimeout, err)
	}
	for _, bad := range []Options{{MaxRetries: -1}, {GiveUpAfter: -time.Second}} {
		bad.BaseURLs = []string{"http://h"}
		if _, err := NewClient(bad); err == nil || !strings.Contains(err.Error(), "negative") {
			t.Errorf("NewClient(%+v) = %v, want a negative-value error", bad, err)
		}
	}
}
