package task

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// fakeHub serves files under /datasets/{repo}/resolve/{revision}/{path} the
// way the Hub does: HEAD and GET, ETag, X-Linked-Size, 404 with
// X-Error-Message. It records requests.
type fakeHub struct {
	mu       sync.Mutex
	files    map[string][]byte // URL path -> content
	etags    map[string]string // URL path -> ETag override
	sizes    map[string]string // URL path -> X-Linked-Size override
	requests []string          // "METHOD path"
	auth     []string          // Authorization headers seen
}

func newFakeHub() *fakeHub {
	return &fakeHub{files: map[string][]byte{}, etags: map[string]string{}, sizes: map[string]string{}}
}

func (f *fakeHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, r.Method+" "+r.URL.EscapedPath())
	f.auth = append(f.auth, r.Header.Get("Authorization"))
	body, ok := f.files[r.URL.EscapedPath()]
	if !ok {
		w.Header().Set("X-Error-Code", "EntryNotFound")
		w.Header().Set("X-Error-Message", "Entry not found")
		http.Error(w, "Entry not found", http.StatusNotFound)
		return
	}
	etag := f.etags[r.URL.EscapedPath()]
	if etag == "" {
		sum := sha256.Sum256(body)
		etag = hex.EncodeToString(sum[:])
	}
	w.Header().Set("ETag", `"`+etag+`"`)
	size := strconv.Itoa(len(body))
	if s := f.sizes[r.URL.EscapedPath()]; s != "" {
		size = s
	}
	w.Header().Set("X-Linked-Size", size)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodGet {
		w.Write(body)
	}
}

func (f *fakeHub) count(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range f.requests {
		if strings.HasPrefix(r, method+" ") {
			n++
		}
	}
	return n
}

func newTestHub(t *testing.T, fh *fakeHub, opts ...HubOption) (*Hub, string) {
	t.Helper()
	srv := httptest.NewServer(fh)
	t.Cleanup(srv.Close)
	cache := t.TempDir()
	t.Setenv("HF_TOKEN", "")
	t.Setenv("HF_HUB_OFFLINE", "")
	h, err := NewHub(append([]HubOption{WithEndpoint(srv.URL), WithCacheDir(cache), WithHTTPClient(srv.Client())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return h, cache
}

func TestHubURL(t *testing.T) {
	h, err := NewHub(WithEndpoint("https://hf-mirror.example/"), WithCacheDir(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		f    HubFile
		want string
	}{
		{HubFile{Repo: "openai/gsm8k", Revision: "main", Path: "main/test-00000-of-00001.parquet"},
			"https://hf-mirror.example/datasets/openai/gsm8k/resolve/main/main/test-00000-of-00001.parquet"},
		{HubFile{Repo: "lukaemon/bbh", Revision: "refs/convert/parquet", Path: "navigate/test/0000.parquet"},
			"https://hf-mirror.example/datasets/lukaemon/bbh/resolve/refs%2Fconvert%2Fparquet/navigate/test/0000.parquet"},
		{HubFile{Repo: "o/n", Path: "a b.json"}, "https://hf-mirror.example/datasets/o/n/resolve/main/a%20b.json"},
	}
	for _, tt := range tests {
		if got := h.URL(tt.f); got != tt.want {
			t.Errorf("URL(%v) = %s, want %s", tt.f, got, tt.want)
		}
	}
}

func TestHubCacheDirFromEnv(t *testing.T) {
	t.Setenv("HF_HUB_CACHE", "")
	t.Setenv("HF_HOME", "/tmp/hfhome")
	h, err := NewHub()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join("/tmp/hfhome", "hub"); h.cacheDir != want {
		t.Errorf("HF_HOME: cache %s, want %s", h.cacheDir, want)
	}
	t.Setenv("HF_HUB_CACHE", "/tmp/hfcache")
	if h, _ = NewHub(); h.cacheDir != "/tmp/hfcache" {
		t.Errorf("HF_HUB_CACHE: cache %s", h.cacheDir)
	}
	t.Setenv("HF_ENDPOINT", "https://mirror.example")
	if h, _ = NewHub(); !strings.HasPrefix(h.URL(HubFile{Repo: "a/b", Path: "x"}), "https://mirror.example/datasets/a/b/") {
		t.Errorf("HF_ENDPOINT not used: %s", h.URL(HubFile{Repo: "a/b", Path: "x"}))
	}
}

func TestHubDownload(t *testing.T) {
	const path = "/datasets/o/n/resolve/main/d/test.jsonl"
	file := HubFile{Repo: "o/n", Revision: "main", Path: "d/test.jsonl"}
	ctx := context.Background()

	t.Run("download, then revalidate by ETag", func(t *testing.T) {
		fh := newFakeHub()
		fh.files[path] = []byte("v1\n")
		h, cache := newTestHub(t, fh, WithToken("hf_secret"))
		p, err := h.Download(ctx, file)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(p, cache) {
			t.Errorf("path %s outside the cache %s", p, cache)
		}
		if b, _ := os.ReadFile(p); string(b) != "v1\n" {
			t.Errorf("content %q", b)
		}
		if _, err := h.Download(ctx, file); err != nil {
			t.Fatal(err)
		}
		if fh.count("GET") != 1 || fh.count("HEAD") != 2 {
			t.Errorf("requests %v: want one GET and two HEADs", fh.requests)
		}
		for _, a := range fh.auth {
			if a != "Bearer hf_secret" {
				t.Errorf("Authorization %q, want the token", a)
			}
		}
		fh.mu.Lock()
		fh.files[path] = []byte("v2 changed\n")
		fh.mu.Unlock()
		p, err = h.Download(ctx, file)
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(p); string(b) != "v2 changed\n" || fh.count("GET") != 2 {
			t.Errorf("after a change: content %q, %d GETs", b, fh.count("GET"))
		}
		entries, _ := os.ReadDir(filepath.Dir(p))
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".tmp") {
				t.Errorf("temporary file %s left behind", e.Name())
			}
		}
	})
	t.Run("size mismatch", func(t *testing.T) {
		fh := newFakeHub()
		fh.files[path] = []byte("short\n")
		fh.etags[path] = "abc"
		fh.sizes[path] = "100"
		h, _ := newTestHub(t, fh)
		_, err := h.Download(ctx, file)
		if err == nil || !strings.Contains(err.Error(), "size mismatch: got 6 bytes, the Hub announced 100") {
			t.Fatalf("err = %v", err)
		}
		if _, ok := h.Cached(file); ok {
			t.Error("a bad download was cached")
		}
	})
	t.Run("hash mismatch", func(t *testing.T) {
		fh := newFakeHub()
		fh.files[path] = []byte("data\n")
		fh.etags[path] = strings.Repeat("0", 64)
		h, _ := newTestHub(t, fh)
		if _, err := h.Download(ctx, file); err == nil || !strings.Contains(err.Error(), "SHA-256 mismatch") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("not found", func(t *testing.T) {
		fh := newFakeHub()
		h, _ := newTestHub(t, fh)
		_, err := h.Download(ctx, file)
		var he *HubError
		if !errors.As(err, &he) || he.StatusCode != http.StatusNotFound {
			t.Fatalf("err = %v, want a 404 HubError", err)
		}
		for _, want := range []string{path, "Not Found", "Entry not found", "check the name"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
		}
		if a := fh.auth[0]; a != "" {
			t.Errorf("Authorization %q sent without a token", a)
		}
	})
	t.Run("offline uses the cache only", func(t *testing.T) {
		fh := newFakeHub()
		fh.files[path] = []byte("v1\n")
		h, cache := newTestHub(t, fh)
		if _, err := h.Download(ctx, file); err != nil {
			t.Fatal(err)
		}
		off, _ := NewHub(WithEndpoint("http://127.0.0.1:1"), WithCacheDir(cache), WithOffline(true))
		if _, err := off.Download(ctx, file); err != nil {
			t.Errorf("cached file offline: %v", err)
		}
		if _, err := off.Download(ctx, HubFile{Repo: "o/n", Path: "other.jsonl"}); err == nil || !strings.Contains(err.Error(), "HF_HUB_OFFLINE") {
			t.Errorf("uncached file offline: %v", err)
		}
	})
}

// TestHubFallback reads tasks whose files are not in the data directory
// from a fake Hub serving the Hub copies' layouts and schemas.
func TestHubFallback(t *testing.T) {
	type choices struct {
		Text  []string `parquet:"text,list"`
		Label []string `parquet:"label,list"`
	}
	type arcRow struct {
		ID        string  `parquet:"id"`
		Question  string  `parquet:"question"`
		Choices   choices `parquet:"choices"`
		AnswerKey string  `parquet:"answerKey"`
	}
	type anliRow struct {
		UID        string `parquet:"uid"`
		Premise    string `parquet:"premise"`
		Hypothesis string `parquet:"hypothesis"`
		Label      int64  `parquet:"label"`
		Reason     string `parquet:"reason"`
	}
	fh := newFakeHub()
	fh.files["/datasets/allenai/ai2_arc/resolve/main/ARC-Challenge/test-00000-of-00001.parquet"] = parquetBytes(t, []arcRow{
		{ID: "Q1", Question: "Which?", Choices: choices{Text: []string{"x", "y", "z"}, Label: []string{"1", "2", "3"}}, AnswerKey: "2"},
	})
	fh.files["/datasets/facebook/anli/resolve/main/plain_text/test_r3-00000-of-00001.parquet"] = parquetBytes(t, []anliRow{
		{UID: "a1", Premise: "p", Hypothesis: "h", Label: 2},
	})
	fh.files["/datasets/lukaemon/bbh/resolve/refs%2Fconvert%2Fparquet/navigate/test/0000.parquet"] = parquetBytes(t, []struct {
		Input  string `parquet:"input"`
		Target string `parquet:"target"`
	}{{Input: "Take 1 step. Do you return?\nOptions:\n- Yes\n- No", Target: "No"}})
	fh.files["/datasets/HuggingFaceH4/MATH-500/resolve/main/test.jsonl"] = []byte(`{"problem":"1+1?","solution":"$\\boxed{2}$","answer":"2","unique_id":"test/algebra/1.json"}` + "\n")
	h, _ := newTestHub(t, fh)
	r := NewRegistry(t.TempDir(), WithHub(h))

	arc := collect(t, r, "arc_challenge", "test")
	if len(arc) != 1 || arc[0].ID != "Q1" || arc[0].Answer != "B" || arc[0].Question != "Which?\nAnswer Choices: (A) x (B) y (C) z" {
		t.Errorf("arc from Parquet: %+v", arc)
	}
	anli := collect(t, r, "anli", "test_r3")
	if len(anli) != 1 || anli[0].Answer != "C" || !strings.HasPrefix(anli[0].Question, "Premise: p\nHypothesis: h") {
		t.Errorf("anli from Parquet: %+v", anli)
	}
	nav := collect(t, r, "bbh.navigate", "test")
	if len(nav) != 1 || nav[0].Answer != "no" || nav[0].ID != "navigate-0" {
		t.Errorf("bbh from Parquet: %+v", nav)
	}
	m := collect(t, r, "math500", "test")
	if len(m) != 1 || m[0].Answer != "2" || m[0].ID != "test/algebra/1.json" {
		t.Errorf("math500 from JSONL: %+v", m)
	}
	tk, _ := r.Get("arc_challenge")
	for _, s := range tk.Info().Splits {
		if s.Local || !s.Hub {
			t.Errorf("split %+v: want not local, on the Hub", s)
		}
	}
	// A split missing on the Hub reports the URL.
	if _, err := firstError(t, r, "arc_challenge", "dev"); err == nil || !strings.Contains(err.Error(), "ARC-Challenge/validation-00000-of-00001.parquet") {
		t.Errorf("missing Hub file: %v", err)
	}
}

func parquetBytes[T any](t *testing.T, rows []T) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[T](&buf)
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
