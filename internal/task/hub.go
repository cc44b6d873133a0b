package task

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
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

	"github.com/regenesis-ai/regenesis/internal/fileio"
	"github.com/regenesis-ai/regenesis/internal/secret"
)

// DefaultHubEndpoint is the Hugging Face Hub used when HF_ENDPOINT is unset.
const DefaultHubEndpoint = "https://huggingface.co"

// HubFile is one file of a dataset repository on the Hugging Face Hub.
type HubFile struct {
	Repo     string `json:"repo"`     // "owner/name"
	Revision string `json:"revision"` // commit, branch, tag or "refs/convert/parquet"
	Path     string `json:"path"`     // path inside the repository
}

// String formats the file as "repo@revision:path".
func (f HubFile) String() string { return f.Repo + "@" + f.revision() + ":" + f.Path }

// Pinned reports whether the file's revision is a full commit hash, so that
// its content can never change.
func (f HubFile) Pinned() bool { return commitHash.MatchString(f.Revision) }

// commitHash matches a full Git commit hash, as huggingface_hub's
// REGEX_COMMIT_HASH does.
var commitHash = regexp.MustCompile(`^[0-9a-f]{40}$`)

// Hub downloads dataset files from the Hugging Face Hub into the cache the
// Python huggingface_hub library keeps, in its layout, so that files either
// side downloaded are reused by the other:
//
//	{cache}/datasets--{owner}--{name}/
//	    blobs/{etag}                       the file's bytes, named by its ETag
//	    snapshots/{commit}/{path}          a relative symlink to ../../blobs/{etag}
//	                                       (a copy where symlinks cannot be made)
//	    refs/{revision}                    the commit a branch or tag pointed at
//
// The zero value is not usable; call NewHub.
type Hub struct {
	endpoint string
	token    string
	// tokenFrom says where the token came from (for messages; never the token).
	tokenFrom string
	cacheDir  string
	offline   bool
	// offlineVar names the variable that set offline mode.
	offlineVar string
	client     *http.Client
	// symlink makes the snapshot links (os.Symlink; tests make it fail).
	symlink func(oldname, newname string) error
}

// HubOption configures a Hub.
type HubOption func(*Hub)

// WithEndpoint sets the Hub's base URL (a mirror), overriding HF_ENDPOINT.
func WithEndpoint(u string) HubOption { return func(h *Hub) { h.endpoint = strings.TrimRight(u, "/") } }

// WithToken sets the access token sent as "Authorization: Bearer",
// overriding HF_TOKEN, HUGGING_FACE_HUB_TOKEN and the token file.
func WithToken(t string) HubOption {
	return func(h *Hub) { h.token, h.tokenFrom = secret.CleanToken(t), "the token option" }
}

// WithCacheDir sets the download cache folder, overriding the environment.
func WithCacheDir(dir string) HubOption { return func(h *Hub) { h.cacheDir = dir } }

// WithHTTPClient sets the HTTP client (for proxies, timeouts and tests).
func WithHTTPClient(c *http.Client) HubOption { return func(h *Hub) { h.client = c } }

// WithOffline makes the Hub serve only cached files, as HF_HUB_OFFLINE=1 does.
func WithOffline(offline bool) HubOption {
	return func(h *Hub) { h.offline, h.offlineVar = offline, "offline mode" }
}

// expandPath expands $VARS and a leading ~ as Python's os.path.expandvars
// and expanduser do.
func expandPath(env secret.Env, p string) string {
	p = env.Expand(p)
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := homeDir(env); err == nil {
			p = filepath.Join(home, p[1:])
		}
	}
	return p
}

// homeDir is $HOME, else the user's home folder as the system knows it.
func homeDir(env secret.Env) (string, error) {
	if env.Home != "" {
		return env.Home, nil
	}
	return os.UserHomeDir()
}

// hfHome returns the Hugging Face home folder as huggingface_hub computes
// it: $HF_HOME, else $XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface.
func hfHome(env secret.Env) (string, error) {
	if v := env.HF.Home; v != "" {
		return expandPath(env, v), nil
	}
	if v := env.HF.XDGCacheHome; v != "" {
		return filepath.Join(expandPath(env, v), "huggingface"), nil
	}
	home, err := homeDir(env)
	if err != nil {
		return "", fmt.Errorf("hub cache: %w (set HF_HOME or HF_HUB_CACHE)", err)
	}
	return filepath.Join(home, ".cache", "huggingface"), nil
}

// HubCacheDir returns the cache folder huggingface_hub uses with env:
// $HF_HUB_CACHE, else the legacy $HUGGINGFACE_HUB_CACHE, else
// $HF_HOME/hub (see hfHome).
func HubCacheDir(env secret.Env) (string, error) {
	if d := env.HF.HubCache; d != "" {
		return expandPath(env, d), nil
	}
	home, err := hfHome(env)
	if err != nil {
		return "", err
	}
	return filepath.Join(home, "hub"), nil
}

// hubToken finds the token the way huggingface_hub's get_token does:
// HF_TOKEN, else HUGGING_FACE_HUB_TOKEN, else the file `hf auth login`
// writes ($HF_TOKEN_PATH, default $HF_HOME/token). It returns where it was
// found. HF_HUB_DISABLE_IMPLICIT_TOKEN turns all of them off.
func hubToken(env secret.Env) (token, from string, err error) {
	if env.HF.DisableImplicitToken {
		return "", "", nil
	}
	if env.HF.Token != "" {
		return env.HF.Token, env.HF.TokenVar, nil
	}
	path := env.HF.TokenPath
	if path != "" {
		path = expandPath(env, path)
	} else {
		home, err := hfHome(env)
		if err != nil {
			return "", "", nil // no home, no token file
		}
		path = filepath.Join(home, "token")
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", "", nil
	}
	if err != nil {
		return "", "", fmt.Errorf("reading the Hugging Face token file %s: %w", path, err)
	}
	if t := secret.CleanToken(string(b)); t != "" {
		return t, path, nil
	}
	return "", "", nil
}

// NewHub returns a Hub configured from the environment (secret.ReadEnv)
// the way the Python huggingface_hub library reads it: HF_ENDPOINT (a mirror); the token from HF_TOKEN,
// HUGGING_FACE_HUB_TOKEN or the token file; offline mode from
// HF_HUB_OFFLINE, TRANSFORMERS_OFFLINE or HF_DATASETS_OFFLINE; and the
// cache HubCacheDir. Options override the environment.
func NewHub(opts ...HubOption) (*Hub, error) {
	h := &Hub{
		client:  http.DefaultClient,
		symlink: os.Symlink,
	}
	for _, o := range opts {
		o(h)
	}
	env := secret.ReadEnv(nil)
	if h.endpoint == "" {
		h.endpoint = cmp.Or(env.HF.Endpoint, DefaultHubEndpoint)
	}
	if !h.offline && h.offlineVar == "" && env.HF.OfflineVar != "" {
		h.offline, h.offlineVar = true, env.HF.OfflineVar
	}
	if h.tokenFrom == "" {
		t, from, err := hubToken(env)
		if err != nil {
			return nil, err
		}
		h.token, h.tokenFrom = t, from
	}
	if h.cacheDir == "" {
		dir, err := HubCacheDir(env)
		if err != nil {
			return nil, err
		}
		h.cacheDir = dir
	}
	if _, err := url.Parse(h.endpoint); err != nil {
		return nil, fmt.Errorf("hub endpoint %q: %w", h.endpoint, err)
	}
	return h, nil
}

// CacheDir returns the cache folder.
func (h *Hub) CacheDir() string { return h.cacheDir }

// TokenSource says where the access token came from ("HF_TOKEN", the
// token file's path, ...), or "" when there is none. It never returns the token.
func (h *Hub) TokenSource() string {
	if h.token == "" {
		return ""
	}
	return h.tokenFrom
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

// repoDir is the repository's folder in the cache, named as
// huggingface_hub's repo_folder_name names it: "datasets--owner--name".
func (h *Hub) repoDir(f HubFile) string {
	return filepath.Join(h.cacheDir, "datasets--"+strings.ReplaceAll(f.Repo, "/", "--"))
}

// snapshotPath is where the file lies in the snapshot of a commit.
func (h *Hub) snapshotPath(f HubFile, commit string) string {
	return filepath.Join(h.repoDir(f), "snapshots", commit, filepath.FromSlash(f.Path))
}

// refPath is the file holding the commit a branch or tag pointed at when
// last seen: refs/{revision}, where a revision with slashes
// ("refs/convert/parquet") makes nested folders, as in huggingface_hub.
func (h *Hub) refPath(f HubFile) string {
	return filepath.Join(h.repoDir(f), "refs", filepath.FromSlash(f.revision()))
}

// cachedCommit is the commit the file's revision resolves to without the
// network: the revision itself when it is a commit, else its ref.
func (h *Hub) cachedCommit(f HubFile) (string, bool) {
	if f.Pinned() {
		return f.Revision, true
	}
	b, err := os.ReadFile(h.refPath(f))
	if err != nil {
		return "", false
	}
	c := strings.TrimSpace(string(b))
	return c, commitHash.MatchString(c)
}

// Cached returns the cached copy's path when the file is in the cache for
// its revision.
func (h *Hub) Cached(f HubFile) (string, bool) {
	commit, ok := h.cachedCommit(f)
	if !ok {
		return "", false
	}
	p := h.snapshotPath(f, commit)
	if st, err := os.Stat(p); err != nil || !st.Mode().IsRegular() {
		return "", false
	}
	return p, true
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
		msg += " (no such dataset repository, revision or file; check the name and --revision, or a gated repository may need a token: HF_TOKEN or `hf auth login`)"
	case http.StatusUnauthorized, http.StatusForbidden:
		msg += " (the repository is gated or private: accept its terms on the Hub and set HF_TOKEN or run `hf auth login`)"
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// Download returns the local path of the file in the snapshot of the commit
// its revision resolves to, fetching it when the cache lacks it. A file of
// a pinned commit already in the cache is served without asking the Hub.
// Otherwise a HEAD request gives the commit (X-Repo-Commit), the ETag and
// the size; the bytes go to blobs/{etag} through a temporary
// "{etag}.*.incomplete" file, checked against the size (and the SHA-256
// when the ETag is one), and the snapshot entry is a relative symlink to
// the blob. When the Hub cannot be reached, the cached copy of the
// revision (through refs/) serves.
func (h *Hub) Download(ctx context.Context, f HubFile) (string, error) {
	if p, ok := h.Cached(f); ok && (f.Pinned() || h.offline) {
		return p, nil
	}
	if h.offline {
		return "", fmt.Errorf("%s: not in the cache %s and %s is set", f, h.cacheDir, h.offlineVar)
	}
	u := h.URL(f)
	meta, err := h.head(ctx, u)
	if err != nil {
		var he *HubError
		if p, ok := h.Cached(f); ok && !errors.As(err, &he) && ctx.Err() == nil {
			return p, nil // the Hub is unreachable: the cached copy serves
		}
		return "", err
	}
	commit := meta.commit
	if commit == "" {
		if !f.Pinned() {
			return "", fmt.Errorf("HEAD %s: the Hub named no commit (X-Repo-Commit)", u)
		}
		commit = f.Revision
	}
	if meta.etag == "" {
		return "", fmt.Errorf("HEAD %s: the Hub sent no ETag", u)
	}
	if strings.ContainsAny(meta.etag, `/\`) || meta.etag == "." || meta.etag == ".." {
		return "", fmt.Errorf("HEAD %s: unusable ETag %q", u, meta.etag)
	}
	if err := h.writeRef(f, commit); err != nil {
		return "", err
	}
	pointer := h.snapshotPath(f, commit)
	if st, err := os.Stat(pointer); err == nil && st.Mode().IsRegular() {
		return pointer, nil
	}
	blob := filepath.Join(h.repoDir(f), "blobs", meta.etag)
	newBlob := false
	if st, err := os.Stat(blob); err != nil || (meta.size >= 0 && st.Size() != meta.size) {
		if _, err := h.fetch(ctx, u, blob, meta.etag, meta.size); err != nil {
			return "", err
		}
		newBlob = true
	}
	if err := h.linkBlob(blob, pointer, newBlob); err != nil {
		return "", err
	}
	return pointer, nil
}

// writeRef records the commit a branch or tag resolved to, atomically, and
// only when it changed (the cache may be shared read-only).
func (h *Hub) writeRef(f HubFile, commit string) error {
	if f.revision() == commit {
		return nil
	}
	p := h.refPath(f)
	if b, err := os.ReadFile(p); err == nil && string(b) == commit {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return fileio.WriteFile(p, []byte(commit))
}

// linkBlob makes the snapshot entry point at the blob: a symlink relative
// to the entry's folder, as huggingface_hub's _create_symlink makes. Where
// symlinks cannot be made, a new blob is moved into place and an existing
// one copied, as huggingface_hub does.
func (h *Hub) linkBlob(blob, pointer string, newBlob bool) error {
	if err := os.MkdirAll(filepath.Dir(pointer), 0o755); err != nil {
		return err
	}
	_ = os.Remove(pointer)
	rel, err := filepath.Rel(filepath.Dir(pointer), blob)
	if err != nil {
		rel = blob
	}
	if err := h.symlink(rel, pointer); err == nil {
		return nil
	} else if errors.Is(err, os.ErrExist) {
		if dst, rerr := filepath.EvalSymlinks(pointer); rerr == nil {
			if src, serr := filepath.EvalSymlinks(blob); serr == nil && src == dst {
				return nil
			}
		}
		return err
	}
	if newBlob {
		return os.Rename(blob, pointer)
	}
	return copyFile(blob, pointer)
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	return fileio.Write(dst, func(f *fileio.File) error {
		_, err := io.Copy(f, in)
		return err
	})
}

// fileMeta is what a HEAD request tells about a file.
type fileMeta struct {
	commit, etag string
	size         int64 // -1 when unknown
}

// head asks for the file's commit, ETag and size without following the
// redirect to the storage backend: the Hub announces LFS files' hash and
// size in X-Linked-Etag and X-Linked-Size on the redirect itself, and the
// commit in X-Repo-Commit. Relative redirects (a renamed repository) are
// followed, as huggingface_hub follows them.
func (h *Hub) head(ctx context.Context, u string) (fileMeta, error) {
	c := *h.client
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 || req.URL.Host != via[0].URL.Host {
			return http.ErrUseLastResponse
		}
		return nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, u, nil)
	if err != nil {
		return fileMeta{}, err
	}
	h.authorize(req)
	req.Header.Set("Accept-Encoding", "identity")
	resp, err := c.Do(req)
	if err != nil {
		return fileMeta{}, fmt.Errorf("hub: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 400 {
		return fileMeta{}, &HubError{URL: u, StatusCode: resp.StatusCode, Message: resp.Header.Get("X-Error-Message")}
	}
	m := fileMeta{commit: resp.Header.Get("X-Repo-Commit"), size: -1}
	etag := resp.Header.Get("X-Linked-Etag")
	if etag == "" {
		etag = resp.Header.Get("ETag")
	}
	m.etag = normalizeETag(etag)
	if s := resp.Header.Get("X-Linked-Size"); s != "" {
		if m.size, err = strconv.ParseInt(s, 10, 64); err != nil {
			return fileMeta{}, fmt.Errorf("HEAD %s: bad X-Linked-Size %q", u, s)
		}
	} else if resp.StatusCode < 300 && resp.ContentLength >= 0 {
		m.size = resp.ContentLength
	}
	return m, nil
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

// fetch downloads u to path through a temporary file in the same folder
// (fileio), renamed into place once its size and checksum are right.
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
	f, err := fileio.Create(path)
	if err != nil {
		return 0, err
	}
	defer f.Abort() // no-op after the commit
	var sum hash.Hash
	var w io.Writer = f
	if sha256Hex.MatchString(etag) {
		sum = sha256.New()
		w = io.MultiWriter(f, sum)
	}
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		return 0, fmt.Errorf("GET %s: %w", u, err)
	}
	if size >= 0 && n != size {
		return 0, fmt.Errorf("GET %s: size mismatch: got %d bytes, the Hub announced %d", u, n, size)
	}
	if sum != nil {
		if got := hex.EncodeToString(sum.Sum(nil)); got != etag {
			return 0, fmt.Errorf("GET %s: SHA-256 mismatch: got %s, the Hub announced %s", u, got, etag)
		}
	}
	if err := f.Commit(); err != nil {
		return 0, err
	}
	return n, nil
}
