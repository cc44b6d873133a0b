package task

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// DefaultHubEndpoint is the Hugging Face Hub used when HF_ENDPOINT is unset.
const DefaultHubEndpoint = "https://huggingface.co"

// HubFile is one file of a dataset repository on the Hugging Face Hub.
type HubFile struct {
	Repo     string `json:"repo"`     // "owner/name"
	Revision string `json:"revision"` // branch, tag, commit or "refs/convert/parquet"
	Path     string `json:"path"`     // path inside the repository
}

// String formats the file as "repo@revision:path".
func (f HubFile) String() string { return f.Repo + "@" + f.Revision + ":" + f.Path }

// Hub downloads dataset files from the Hugging Face Hub into a local cache,
// revalidating cached files by ETag and checking sizes. The zero value is
// not usable; call NewHub.
type Hub struct {
	endpoint string
	token    string
	cacheDir string
	offline  bool
	client   *http.Client
}

// HubOption configures a Hub.
type HubOption func(*Hub)

// WithEndpoint sets the Hub's base URL (a mirror), overriding HF_ENDPOINT.
func WithEndpoint(u string) HubOption { return func(h *Hub) { h.endpoint = strings.TrimRight(u, "/") } }

// WithToken sets the access token sent as "Authorization: Bearer", overriding HF_TOKEN.
func WithToken(t string) HubOption { return func(h *Hub) { h.token = t } }

// WithCacheDir sets the download cache folder, overriding the environment.
func WithCacheDir(dir string) HubOption { return func(h *Hub) { h.cacheDir = dir } }

// WithHTTPClient sets the HTTP client (for proxies, timeouts and tests).
func WithHTTPClient(c *http.Client) HubOption { return func(h *Hub) { h.client = c } }

// WithOffline makes the Hub serve only cached files, as HF_HUB_OFFLINE=1 does.
func WithOffline(offline bool) HubOption { return func(h *Hub) { h.offline = offline } }

// NewHub returns a Hub configured from the environment the way the Python
// huggingface_hub library reads it: HF_ENDPOINT (a mirror), HF_TOKEN,
// HF_HUB_OFFLINE, and the cache HF_HUB_CACHE, else $HF_HOME/hub, else
// os.UserCacheDir()/regenesis/hf. Options override the environment.
func NewHub(opts ...HubOption) (*Hub, error) {
	h := &Hub{
		endpoint: strings.TrimRight(os.Getenv("HF_ENDPOINT"), "/"),
		token:    os.Getenv("HF_TOKEN"),
		client:   http.DefaultClient,
	}
	if h.endpoint == "" {
		h.endpoint = DefaultHubEndpoint
	}
	switch strings.ToLower(os.Getenv("HF_HUB_OFFLINE")) {
	case "1", "true", "yes", "on":
		h.offline = true
	}
	switch {
	case os.Getenv("HF_HUB_CACHE") != "":
		h.cacheDir = os.Getenv("HF_HUB_CACHE")
	case os.Getenv("HF_HOME") != "":
		h.cacheDir = filepath.Join(os.Getenv("HF_HOME"), "hub")
	}
	for _, o := range opts {
		o(h)
	}
	if h.cacheDir == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			return nil, fmt.Errorf("hub cache: %w (set HF_HUB_CACHE or HF_HOME)", err)
		}
		h.cacheDir = filepath.Join(dir, "regenesis", "hf")
	}
	if _, err := url.Parse(h.endpoint); err != nil {
		return nil, fmt.Errorf("hub endpoint %q: %w", h.endpoint, err)
	}
	return h, nil
}

// URL returns the file's download URL:
// {endpoint}/datasets/{repo}/resolve/{revision}/{path}, with the revision
// escaped as one path segment ("refs%2Fconvert%2Fparquet").
func (h *Hub) URL(f HubFile) string {
	var p []string
	for seg := range strings.SplitSeq(f.Path, "/") {
		p = append(p, url.PathEscape(seg))
	}
	return h.endpoint + "/datasets/" + f.Repo + "/resolve/" + url.PathEscape(f.revision()) + "/" + strings.Join(p, "/")
}

func (f HubFile) revision() string {
	if f.Revision == "" {
		return "main"
	}
	return f.Revision
}

// cachePath is where the file is kept:
// {cache}/datasets--{owner}--{name}/regenesis/{revision}/{path}; its
// metadata (ETag, size) lies beside it with a ".meta.json" suffix.
func (h *Hub) cachePath(f HubFile) string {
	repoDir := "datasets--" + strings.ReplaceAll(f.Repo, "/", "--")
	return filepath.Join(h.cacheDir, repoDir, "regenesis", url.PathEscape(f.revision()), filepath.FromSlash(f.Path))
}

// cacheMeta is the sidecar of a cached file.
type cacheMeta struct {
	ETag string `json:"etag"`
	Size int64  `json:"size"`
	URL  string `json:"url"`
}

// Cached returns the cached copy's path when the file has been downloaded.
func (h *Hub) Cached(f HubFile) (string, bool) {
	p := h.cachePath(f)
	if _, ok := h.readMeta(p); !ok {
		return "", false
	}
	return p, true
}

func (h *Hub) readMeta(path string) (cacheMeta, bool) {
	b, err := os.ReadFile(path + ".meta.json")
	if err != nil {
		return cacheMeta{}, false
	}
	var m cacheMeta
	if json.Unmarshal(b, &m) != nil {
		return cacheMeta{}, false
	}
	st, err := os.Stat(path)
	if err != nil || st.Size() != m.Size {
		return cacheMeta{}, false
	}
	return m, true
}

// HubError is an HTTP error answer from the Hub.
type HubError struct {
	URL        string
	StatusCode int
	Message    string // the Hub's X-Error-Message, when it sent one
}

// Error names the URL, the status and what to do about it.
func (e *HubError) Error() string {
	msg := fmt.Sprintf("GET %s: %s", e.URL, http.StatusText(e.StatusCode))
	switch e.StatusCode {
	case http.StatusNotFound:
		msg += " (no such dataset repository, revision or file; check the name, or a gated repository may need HF_TOKEN)"
	case http.StatusUnauthorized, http.StatusForbidden:
		msg += " (the repository is gated or private: accept its terms on the Hub and set HF_TOKEN)"
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// Download returns the local path of the file, fetching it when the cache
// lacks it or holds a copy whose ETag no longer matches the Hub's. The file
// is written to a temporary name, checked against the announced size (and
// its SHA-256 when the ETag is one), and renamed into place.
func (h *Hub) Download(ctx context.Context, f HubFile) (string, error) {
	path := h.cachePath(f)
	meta, cached := h.readMeta(path)
	if h.offline {
		if cached {
			return path, nil
		}
		return "", fmt.Errorf("%s: not in the cache %s and HF_HUB_OFFLINE is set", f, h.cacheDir)
	}
	u := h.URL(f)
	etag, size, err := h.head(ctx, u)
	if err != nil {
		var he *HubError
		if cached && !errors.As(err, &he) && ctx.Err() == nil {
			return path, nil // the Hub is unreachable: the cached copy serves
		}
		return "", err
	}
	if cached && etag != "" && etag == meta.ETag && (size < 0 || size == meta.Size) {
		return path, nil
	}
	n, err := h.fetch(ctx, u, path, etag, size)
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(cacheMeta{ETag: etag, Size: n, URL: u})
	if err != nil {
		return "", err
	}
	if err := writeFileAtomic(path+".meta.json", b); err != nil {
		return "", err
	}
	return path, nil
}

// head asks for the file's ETag and size without following the redirect to
// the storage backend: the Hub announces LFS files' hash and size in
// X-Linked-Etag and X-Linked-Size on the redirect itself. size is -1 when unknown.
func (h *Hub) head(ctx context.Context, u string) (etag string, size int64, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, u, nil)
	if err != nil {
		return "", 0, err
	}
	h.authorize(req)
	c := *h.client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Do(req)
	if err != nil {
		return "", 0, fmt.Errorf("hub: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 400 {
		return "", 0, &HubError{URL: u, StatusCode: resp.StatusCode, Message: resp.Header.Get("X-Error-Message")}
	}
	etag = resp.Header.Get("X-Linked-Etag")
	if etag == "" {
		etag = resp.Header.Get("ETag")
	}
	size = -1
	if s := resp.Header.Get("X-Linked-Size"); s != "" {
		if size, err = strconv.ParseInt(s, 10, 64); err != nil {
			return "", 0, fmt.Errorf("HEAD %s: bad X-Linked-Size %q", u, s)
		}
	} else if resp.StatusCode < 300 && resp.ContentLength >= 0 {
		size = resp.ContentLength
	}
	return normalizeETag(etag), size, nil
}

func (h *Hub) authorize(req *http.Request) {
	if h.token != "" {
		req.Header.Set("Authorization", "Bearer "+h.token)
	}
}

func normalizeETag(e string) string {
	return strings.Trim(strings.TrimPrefix(e, "W/"), `"`)
}

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// fetch downloads u to path through a temporary file in the same folder.
func (h *Hub) fetch(ctx context.Context, u, path, etag string, size int64) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, err
	}
	// Go drops the Authorization header on redirects to another host, so the
	// token reaches only the Hub, not the storage backend.
	h.authorize(req)
	resp, err := h.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("hub: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, &HubError{URL: u, StatusCode: resp.StatusCode, Message: resp.Header.Get("X-Error-Message")}
	}
	if size < 0 {
		size = resp.ContentLength
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return 0, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	var sum hash.Hash
	var w io.Writer = tmp
	if sha256Hex.MatchString(etag) {
		sum = sha256.New()
		w = io.MultiWriter(tmp, sum)
	}
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		tmp.Close()
		return 0, fmt.Errorf("GET %s: %w", u, err)
	}
	if size >= 0 && n != size {
		tmp.Close()
		return 0, fmt.Errorf("GET %s: size mismatch: got %d bytes, the Hub announced %d", u, n, size)
	}
	if sum != nil {
		if got := hex.EncodeToString(sum.Sum(nil)); got != etag {
			tmp.Close()
			return 0, fmt.Errorf("GET %s: SHA-256 mismatch: got %s, the Hub announced %s", u, got, etag)
		}
	}
	if err := errors.Join(tmp.Sync(), tmp.Close()); err != nil {
		return 0, err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return 0, err
	}
	return n, nil
}

// writeFileAtomic writes b to path through a temporary file and a rename.
func writeFileAtomic(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := errors.Join(tmp.Sync(), tmp.Close()); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
