package task

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/parquet-go/parquet-go"
)

// fakeHub serves files under /datasets/{repo}/resolve/{revision}/{path}
// the way the Hub does: HEAD and GET, ETag (the SHA-256 for LFS files),
// X-Linked-Size, X-Repo-Commit (the revision itself when it is a commit,
// else the branch's current commit), 404 with X-Error-Message. It records
// requests.
type fakeHub struct {
	mu       sync.Mutex
	files    map[string][]byte // "repo:path" -> content, at every revision
	etags    map[string]string // "repo:path" -> ETag override
	sizes    map[string]string // "repo:path" -> X-Linked-Size override
	commit   string            // the commit branches resolve to
	requests []string          // "METHOD path"
	auth     []string          // Authorization headers seen
}

const fakeCommit = "1111111111111111111111111111111111111111"

func newFakeHub() *fakeHub {
	return &fakeHub{files: map[string][]byte{}, etags: map[string]string{}, sizes: map[string]string{}, commit: fakeCommit}
}

func (f *fakeHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, r.Method+" "+r.URL.EscapedPath())
	f.auth = append(f.auth, r.Header.Get("Authorization"))
	// /datasets/owner/name/resolve/rev/path...
	parts := strings.SplitN(strings.TrimPrefix(r.URL.EscapedPath(), "/datasets/"), "/", 5)
	if len(parts) < 5 || parts[2] != "resolve" {
		http.NotFound(w, r)
		return
	}
	rev, _ := url.PathUnescape(parts[3])
	path, _ := url.PathUnescape(parts[4])
	key := parts[0] + "/" + parts[1] + ":" + path
	commit := f.commit
	if commitHash.MatchString(rev) {
		commit = rev
	}
	w.Header().Set("X-Repo-Commit", commit)
	body, ok := f.files[key]
	if !ok {
		w.Header().Set("X-Error-Code", "EntryNotFound")
		w.Header().Set("X-Error-Message", "Entry not found")
		http.Error(w, "Entry not found", http.StatusNotFound)
		return
	}
	etag := f.etags[key]
	if etag == "" {
		sum := sha256.Sum256(body)
		etag = hex.EncodeToString(sum[:])
	}
	w.Header().Set("ETag", `"`+etag+`"`)
	size := strconv.Itoa(len(body))
	if s := f.sizes[key]; s != "" {
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

// clearHubEnv unsets every variable the Hub reads, so tests see only what
// they set.
func clearHubEnv(t *testing.T) {
	t.Helper()
	for _, v := range []string{"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_TOKEN_PATH", "HF_HOME", "HF_HUB_CACHE",
		"HUGGINGFACE_HUB_CACHE", "XDG_CACHE_HOME", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE",
		"HF_ENDPOINT", "HF_HUB_DISABLE_IMPLICIT_TOKEN"} {
		t.Setenv(v, "")
	}
	t.Setenv("HOME", t.TempDir())
}

func newTestHub(t *testing.T, fh *fakeHub, opts ...HubOption) (*Hub, string) {
	t.Helper()
	srv := httptest.NewServer(fh)
	t.Cleanup(srv.Close)
	cache := t.TempDir()
	clearHubEnv(t)
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
	home := t.TempDir()
	tests := []struct {
		env  map[string]string
		want string
	}{
		{nil, filepath.Join(home, ".cache", "huggingface", "hub")},
		{map[string]string{"XDG_CACHE_HOME": "/tmp/xdg"}, "/tmp/xdg/huggingface/hub"},
		{map[string]string{"HF_HOME": "/tmp/hfhome", "XDG_CACHE_HOME": "/tmp/xdg"}, "/tmp/hfhome/hub"},
		{map[string]string{"HF_HOME": "~/hf"}, filepath.Join(home, "hf", "hub")},
		{map[string]string{"HUGGINGFACE_HUB_CACHE": "/tmp/legacy", "HF_HOME": "/tmp/hfhome"}, "/tmp/legacy"},
		{map[string]string{"HF_HUB_CACHE": "/tmp/hfcache", "HUGGINGFACE_HUB_CACHE": "/tmp/legacy"}, "/tmp/hfcache"},
	}
	for _, tt := range tests {
		clearHubEnv(t)
		t.Setenv("HOME", home)
		for k, v := range tt.env {
			t.Setenv(k, v)
		}
		h, err := NewHub()
		if err != nil {
			t.Fatal(err)
		}
		if h.CacheDir() != filepath.FromSlash(tt.want) {
			t.Errorf("%v: cache %s, want %s", tt.env, h.CacheDir(), tt.want)
		}
	}
	clearHubEnv(t)
	t.Setenv("HF_ENDPOINT", "https://mirror.example")
	if h, _ := NewHub(); !strings.HasPrefix(h.URL(HubFile{Repo: "a/b", Path: "x"}), "https://mirror.example/datasets/a/b/") {
		t.Errorf("HF_ENDPOINT not used: %s", h.URL(HubFile{Repo: "a/b", Path: "x"}))
	}
}

// TestHubToken finds the token where huggingface_hub looks, in its order.
func TestHubToken(t *testing.T) {
	tests := []struct {
		name      string
		env       map[string]string
		homeToken string // written to $HF_HOME/token
		pathToken string // written to $HF_TOKEN_PATH
		want      string
		from      string
	}{
		{name: "none", want: ""},
		{name: "HF_TOKEN first", env: map[string]string{"HF_TOKEN": "hf_a", "HUGGING_FACE_HUB_TOKEN": "hf_b"}, homeToken: "hf_c", want: "hf_a", from: "HF_TOKEN"},
		{name: "legacy variable", env: map[string]string{"HUGGING_FACE_HUB_TOKEN": "hf_b"}, homeToken: "hf_c", want: "hf_b", from: "HUGGING_FACE_HUB_TOKEN"},
		{name: "token file of hf auth login", homeToken: "hf_c\r\n", want: "hf_c", from: "token"},
		{name: "HF_TOKEN_PATH", homeToken: "hf_c", pathToken: " hf_d\n", want: "hf_d", from: "elsewhere"},
		{name: "blank variable falls through", env: map[string]string{"HF_TOKEN": " \n"}, homeToken: "hf_c", want: "hf_c", from: "token"},
		{name: "implicit tokens disabled", env: map[string]string{"HF_TOKEN": "hf_a", "HF_HUB_DISABLE_IMPLICIT_TOKEN": "1"}, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fh := newFakeHub()
			fh.files["o/n:f.jsonl"] = []byte("x\n")
			srv := httptest.NewServer(fh)
			defer srv.Close()
			clearHubEnv(t)
			hfHome := t.TempDir()
			t.Setenv("HF_HOME", hfHome)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			if tt.homeToken != "" {
				os.WriteFile(filepath.Join(hfHome, "token"), []byte(tt.homeToken), 0o600)
			}
			if tt.pathToken != "" {
				p := filepath.Join(t.TempDir(), "elsewhere")
				os.WriteFile(p, []byte(tt.pathToken), 0o600)
				t.Setenv("HF_TOKEN_PATH", p)
			}
			h, err := NewHub(WithEndpoint(srv.URL), WithHTTPClient(srv.Client()))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := h.Download(context.Background(), HubFile{Repo: "o/n", Path: "f.jsonl"}); err != nil {
				t.Fatal(err)
			}
			want := ""
			if tt.want != "" {
				want = "Bearer " + tt.want
			}
			for _, a := range fh.auth {
				if a != want {
					t.Errorf("Authorization %q, want %q", a, want)
				}
			}
			if got := filepath.Base(h.TokenSource()); tt.from != "" && got != tt.from || tt.from == "" && h.TokenSource() != "" {
				t.Errorf("token source %q, want %q", h.TokenSource(), tt.from)
			}
		})
	}
}

// TestHubOfflineSwitches: each of the variables huggingface_hub,
// transformers and datasets honour keeps the Hub from being asked.
func TestHubOfflineSwitches(t *testing.T) {
	for _, v := range []string{"HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"} {
		for _, val := range []string{"1", "true", "YES", "on"} {
			fh := newFakeHub()
			fh.files["o/n:f.jsonl"] = []byte("x\n")
			srv := httptest.NewServer(fh)
			clearHubEnv(t)
			t.Setenv(v, val)
			h, err := NewHub(WithEndpoint(srv.URL), WithCacheDir(t.TempDir()), WithHTTPClient(srv.Client()))
			if err != nil {
				t.Fatal(err)
			}
			_, err = h.Download(context.Background(), HubFile{Repo: "o/n", Path: "f.jsonl"})
			if err == nil || !strings.Contains(err.Error(), v+" is set") || len(fh.requests) != 0 {
				t.Errorf("%s=%s: err %v, %d requests", v, val, err, len(fh.requests))
			}
			srv.Close()
		}
	}
	clearHubEnv(t)
	t.Setenv("HF_HUB_OFFLINE", "0")
	if h, _ := NewHub(); h.offline {
		t.Error("HF_HUB_OFFLINE=0 turned offline mode on")
	}
}

// TestHubCacheLayout checks that a cache our code writes is laid out
// exactly as huggingface_hub lays one out (file_download.py: blobs named by
// ETag, snapshot entries that are relative symlinks into blobs, refs named
// by revision holding the bare commit), so that Python reuses it.
func TestHubCacheLayout(t *testing.T) {
	ctx := context.Background()
	fh := newFakeHub()
	content := []byte("{\"q\": 1}\n")
	fh.files["owner/data:sub/dir/test.jsonl"] = content
	fh.files["owner/data:0000.parquet"] = []byte("PAR1")
	sum := sha256.Sum256(content)
	etag := hex.EncodeToString(sum[:])
	h, cache := newTestHub(t, fh)
	p, err := h.Download(ctx, HubFile{Repo: "owner/data", Revision: "main", Path: "sub/dir/test.jsonl"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Download(ctx, HubFile{Repo: "owner/data", Revision: "refs/convert/parquet", Path: "0000.parquet"}); err != nil {
		t.Fatal(err)
	}
	repo := filepath.Join(cache, "datasets--owner--data")
	if want := filepath.Join(repo, "snapshots", fakeCommit, "sub", "dir", "test.jsonl"); p != want {
		t.Errorf("path %s, want %s", p, want)
	}
	var files []string
	filepath.WalkDir(repo, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(repo, path)
			entry := filepath.ToSlash(rel)
			if d.Type()&os.ModeSymlink != 0 {
				target, _ := os.Readlink(path)
				entry += " -> " + filepath.ToSlash(target)
			}
			files = append(files, entry)
		}
		return nil
	})
	sumPar := sha256.Sum256([]byte("PAR1"))
	etagPar := hex.EncodeToString(sumPar[:])
	want := []string{
		"blobs/" + etag,
		"blobs/" + etagPar,
		"refs/main",
		"refs/refs/convert/parquet",
		"snapshots/" + fakeCommit + "/0000.parquet -> ../../blobs/" + etagPar,
		"snapshots/" + fakeCommit + "/sub/dir/test.jsonl -> ../../../../blobs/" + etag,
	}
	slices.Sort(files)
	slices.Sort(want)
	if diff := cmp.Diff(want, files); diff != "" {
		t.Errorf("cache layout (-want +got):\n%s", diff)
	}
	for _, ref := range []string{"refs/main", "refs/refs/convert/parquet"} {
		if b, _ := os.ReadFile(filepath.Join(repo, filepath.FromSlash(ref))); string(b) != fakeCommit {
			t.Errorf("%s holds %q, want the bare commit", ref, b)
		}
	}
	if b, _ := os.ReadFile(p); !bytes.Equal(b, content) {
		t.Errorf("content through the symlink %q", b)
	}

	// The branch moves on; the file did not change: a new snapshot points
	// at the same blob, with no second GET, and the ref follows.
	fh.mu.Lock()
	fh.commit = "2222222222222222222222222222222222222222"
	fh.mu.Unlock()
	p2, err := h.Download(ctx, HubFile{Repo: "owner/data", Revision: "main", Path: "sub/dir/test.jsonl"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p2, fh.commit) || fh.count("GET") != 2 {
		t.Errorf("moved branch: path %s, %d GETs (want 2)", p2, fh.count("GET"))
	}
	if b, _ := os.ReadFile(filepath.Join(repo, "refs", "main")); string(b) != fh.commit {
		t.Errorf("refs/main = %q after the move", b)
	}
	if _, err := os.Stat(p); err != nil {
		t.Errorf("the old snapshot is gone: %v", err)
	}
}

// TestHubCopiesWithoutSymlinks: where symlinks cannot be made, a new blob
// is moved into the snapshot and a blob already there is copied, as
// huggingface_hub's _create_symlink does.
func TestHubCopiesWithoutSymlinks(t *testing.T) {
	ctx := context.Background()
	fh := newFakeHub()
	fh.files["o/n:a.jsonl"] = []byte("same\n")
	fh.files["o/n:b.jsonl"] = []byte("same\n")
	h, cache := newTestHub(t, fh)
	h.symlink = func(string, string) error { return &os.LinkError{Op: "symlink", Err: errors.ErrUnsupported} }
	pa, err := h.Download(ctx, HubFile{Repo: "o/n", Path: "a.jsonl"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Lstat(pa)
	if err != nil || !st.Mode().IsRegular() {
		t.Fatalf("snapshot entry %s: %v %v, want a regular file", pa, st, err)
	}
	sum := sha256.Sum256([]byte("same\n"))
	blob := filepath.Join(cache, "datasets--o--n", "blobs", hex.EncodeToString(sum[:]))
	if _, err := os.Stat(blob); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the new blob was not moved into the snapshot: %v", err)
	}
	if b, _ := os.ReadFile(pa); string(b) != "same\n" {
		t.Errorf("content %q", b)
	}
}

// TestHubReadsPythonCache builds by hand a cache as huggingface_hub writes
// it (hf_hub_download with repo_type="dataset": blobs, relative symlinks,
// refs/main) and reads it: offline through the ref, and for a pinned
// commit without a single request.
func TestHubReadsPythonCache(t *testing.T) {
	ctx := context.Background()
	const commit = "740312add88f781978c0658806c59bc2815b9866"
	content := []byte("PAR1 python wrote this")
	cache := t.TempDir()
	repo := filepath.Join(cache, "datasets--openai--gsm8k")
	blobName := "ea82612ea9582142387730c793eb67d3b12849002bc0b7fa6f8efafa7351419d"
	mustWrite := func(p string, b []byte) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mustWrite(filepath.Join(repo, "blobs", blobName), content)
	mustWrite(filepath.Join(repo, "refs", "main"), []byte(commit))
	snap := filepath.Join(repo, "snapshots", commit, "main", "train-00000-of-00001.parquet")
	if err := os.MkdirAll(filepath.Dir(snap), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../../../blobs/"+blobName, snap); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(cache, ".locks", "datasets--openai--gsm8k"), 0o755)

	fh := newFakeHub()
	h, _ := newTestHub(t, fh, WithCacheDir(cache))
	for _, f := range []HubFile{
		{Repo: "openai/gsm8k", Revision: commit, Path: "main/train-00000-of-00001.parquet"},
	} {
		p, err := h.Download(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(p); !bytes.Equal(b, content) {
			t.Errorf("%s: read %q", f, b)
		}
	}
	if len(fh.requests) != 0 {
		t.Errorf("a pinned, cached file asked the Hub: %v", fh.requests)
	}
	off, err := NewHub(WithCacheDir(cache), WithOffline(true))
	if err != nil {
		t.Fatal(err)
	}
	p, err := off.Download(ctx, HubFile{Repo: "openai/gsm8k", Revision: "main", Path: "main/train-00000-of-00001.parquet"})
	if err != nil {
		t.Fatal(err)
	}
	if p != snap {
		t.Errorf("offline through refs/main: %s, want %s", p, snap)
	}
	if _, ok := off.Cached(HubFile{Repo: "openai/gsm8k", Revision: "main", Path: "main/test-00000-of-00001.parquet"}); ok {
		t.Error("a file Python did not download reads as cached")
	}
}

func TestHubDownload(t *testing.T) {
	file := HubFile{Repo: "o/n", Revision: "main", Path: "d/test.jsonl"}
	const key = "o/n:d/test.jsonl"
	ctx := context.Background()

	t.Run("download, then revalidate", func(t *testing.T) {
		fh := newFakeHub()
		fh.files[key] = []byte("v1\n")
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
		fh.files[key] = []byte("v2 changed\n")
		fh.commit = "3333333333333333333333333333333333333333"
		fh.mu.Unlock()
		p, err = h.Download(ctx, file)
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(p); string(b) != "v2 changed\n" || fh.count("GET") != 2 {
			t.Errorf("after a change: content %q, %d GETs", b, fh.count("GET"))
		}
		entries, _ := os.ReadDir(filepath.Join(cache, "datasets--o--n", "blobs"))
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".incomplete") {
				t.Errorf("temporary file %s left behind", e.Name())
			}
		}
	})
	t.Run("size mismatch", func(t *testing.T) {
		fh := newFakeHub()
		fh.files[key] = []byte("short\n")
		fh.etags[key] = "abc"
		fh.sizes[key] = "100"
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
		fh.files[key] = []byte("data\n")
		fh.etags[key] = strings.Repeat("0", 64)
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
		for _, want := range []string{"/datasets/o/n/resolve/main/d/test.jsonl", "Not Found", "Entry not found", "check the name"} {
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
		fh.files[key] = []byte("v1\n")
		h, cache := newTestHub(t, fh)
		if _, err := h.Download(ctx, file); err != nil {
			t.Fatal(err)
		}
		off, _ := NewHub(WithEndpoint("http://127.0.0.1:1"), WithCacheDir(cache), WithOffline(true))
		if _, err := off.Download(ctx, file); err != nil {
			t.Errorf("cached file offline: %v", err)
		}
		if _, err := off.Download(ctx, HubFile{Repo: "o/n", Path: "other.jsonl"}); err == nil || !strings.Contains(err.Error(), "offline mode is set") {
			t.Errorf("uncached file offline: %v", err)
		}
	})
	t.Run("unreachable Hub serves the cached revision", func(t *testing.T) {
		fh := newFakeHub()
		fh.files[key] = []byte("v1\n")
		h, cache := newTestHub(t, fh)
		if _, err := h.Download(ctx, file); err != nil {
			t.Fatal(err)
		}
		down, _ := NewHub(WithEndpoint("http://127.0.0.1:1"), WithCacheDir(cache))
		if p, err := down.Download(ctx, file); err != nil || !strings.Contains(p, fakeCommit) {
			t.Errorf("Hub down: %s, %v", p, err)
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
	fh.files["allenai/ai2_arc:ARC-Challenge/test-00000-of-00001.parquet"] = parquetBytes(t, []arcRow{
		{ID: "Q1", Question: "Which?", Choices: choices{Text: []string{"x", "y", "z"}, Label: []string{"1", "2", "3"}}, AnswerKey: "2"},
	})
	fh.files["facebook/anli:plain_text/test_r3-00000-of-00001.parquet"] = parquetBytes(t, []anliRow{
		{UID: "a1", Premise: "p", Hypothesis: "h", Label: 2},
	})
	fh.files["SaylorTwift/bbh:navigate/test-00000-of-00001.parquet"] = parquetBytes(t, []struct {
		Input  string `parquet:"input"`
		Target string `parquet:"target"`
	}{{Input: "Take 1 step. Do you return?\nOptions:\n- Yes\n- No", Target: "No"}})
	fh.files["HuggingFaceH4/MATH-500:test.jsonl"] = []byte(`{"problem":"1+1?","solution":"$\\boxed{2}$","answer":"2","unique_id":"test/algebra/1.json"}` + "\n")
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
	// Every file was asked for at its task's pinned commit.
	for _, r := range fh.requests {
		var pinned bool
		for _, repo := range []string{"allenai/ai2_arc", "facebook/anli", "SaylorTwift/bbh", "HuggingFaceH4/MATH-500"} {
			rev, _ := HubPin(repo)
			pinned = pinned || strings.Contains(r, "/datasets/"+repo+"/resolve/"+rev+"/")
		}
		if !pinned {
			t.Errorf("request %s is not at a pinned commit", r)
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
