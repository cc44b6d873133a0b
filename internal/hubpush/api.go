// Package hubpush uploads a synthesized dataset to the Hugging Face Hub as
// a dataset repository through the Hub's HTTP API, as huggingface_hub's
// HfApi.create_repo and HfApi.create_commit do: POST /api/repos/create,
// then POST /api/datasets/{repo}/preupload/{revision} (which says, per
// file, whether it goes as a regular or an LFS blob and which oid the
// remote file has), the Git LFS batch API for LFS files (basic or
// multipart transfer, then verify), and POST
// /api/datasets/{repo}/commit/{revision} with an NDJSON body. Files whose
// remote oid equals the local one (the git blob SHA-1 of a regular file,
// the SHA-256 of an LFS one) are left out, and a push with nothing changed
// makes no commit.
package hubpush

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// Authorizer adds the Hub token to a request (task.Hub does).
type Authorizer interface {
	Authorize(req *http.Request)
}

// API is a client of the Hub's repository and commit API.
type API struct {
	endpoint string
	auth     Authorizer
	http     *http.Client
}

// NewAPI returns a client for the Hub at endpoint ("https://huggingface.co").
func NewAPI(endpoint string, auth Authorizer, hc *http.Client) *API {
	if hc == nil {
		hc = http.DefaultClient
	}
	return &API{endpoint: strings.TrimRight(endpoint, "/"), auth: auth, http: hc}
}

// HTTPError is an error status from the Hub.
type HTTPError struct {
	Op         string
	StatusCode int
	Message    string
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("hub: %s: HTTP %d: %s", e.Op, e.StatusCode, e.Message)
}

// call sends one request; authed adds the token (never to LFS storage URLs).
func (a *API) call(ctx context.Context, op, method, u string, body []byte, header map[string]string, authed bool, out any) (http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("hub: %s: %w", op, err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if authed && a.auth != nil {
		a.auth.Authorize(req)
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("hub: %s: %w", op, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("hub: %s: reading the response: %w", op, err)
	}
	if resp.StatusCode/100 != 2 {
		msg := strings.TrimSpace(string(raw))
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(raw, &e) == nil && e.Error != "" {
			msg = e.Error
		}
		if len(msg) > 500 {
			msg = msg[:500] + "..."
		}
		return nil, &HTTPError{Op: op, StatusCode: resp.StatusCode, Message: msg}
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return nil, fmt.Errorf("hub: %s: decoding the response: %w", op, err)
		}
	}
	return resp.Header, nil
}

// CreateRepo creates the dataset repository repoID ("owner/name"); it
// reports false when the repository already exists (HTTP 409).
func (a *API) CreateRepo(ctx context.Context, repoID string, private bool) (bool, error) {
	org, name, _ := strings.Cut(repoID, "/")
	visibility := "public"
	if private {
		visibility = "private"
	}
	body, _ := json.Marshal(map[string]any{"name": name, "organization": org, "type": "dataset", "visibility": visibility})
	_, err := a.call(ctx, "create repository "+repoID, http.MethodPost, a.endpoint+"/api/repos/create", body,
		map[string]string{"Content-Type": "application/json"}, true, nil)
	if he, ok := err.(*HTTPError); ok && he.StatusCode == http.StatusConflict {
		return false, nil
	}
	return err == nil, err
}

// File is one file to commit.
type File struct {
	Path    string // in the repository
	Content []byte

	mode      string // "regular" or "lfs", from preupload
	remoteOID string // from preupload; "" when the file is new
	ignored   bool
}

// sha256Hex is the file's SHA-256 (the oid of an LFS file).
func (f *File) sha256Hex() string {
	h := sha256.Sum256(f.Content)
	return hex.EncodeToString(h[:])
}

// gitBlobSHA1 is the git blob id of the content (the oid of a regular file).
func gitBlobSHA1(content []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(content))
	h.Write(content)
	return hex.EncodeToString(h.Sum(nil))
}

// localOID is what the remote oid is compared with.
func (f *File) localOID() string {
	if f.mode == "lfs" {
		return f.sha256Hex()
	}
	return gitBlobSHA1(f.Content)
}

func (a *API) repoAPI(repoID string) string {
	return a.endpoint + "/api/datasets/" + repoID
}

// preupload asks, 256 files at a time, how each file is uploaded and what
// the remote oid is.
func (a *API) preupload(ctx context.Context, repoID, revision string, files []*File) error {
	for start := 0; start < len(files); start += 256 {
		chunk := files[start:min(start+256, len(files))]
		type entry struct {
			Path   string `json:"path"`
			Sample string `json:"sample"`
			Size   int    `json:"size"`
		}
		var req struct {
			Files []entry `json:"files"`
		}
		for _, f := range chunk {
			req.Files = append(req.Files, entry{Path: f.Path, Sample: base64.StdEncoding.EncodeToString(f.Content[:min(512, len(f.Content))]), Size: len(f.Content)})
		}
		body, _ := json.Marshal(req)
		var resp struct {
			Files []struct {
				Path         string  `json:"path"`
				UploadMode   string  `json:"uploadMode"`
				ShouldIgnore bool    `json:"shouldIgnore"`
				OID          *string `json:"oid"`
			} `json:"files"`
		}
		if _, err := a.call(ctx, "preupload", http.MethodPost, a.repoAPI(repoID)+"/preupload/"+url.PathEscape(revision), body,
			map[string]string{"Content-Type": "application/json"}, true, &resp); err != nil {
			return err
		}
		byPath := map[string]*File{}
		for _, f := range chunk {
			byPath[f.Path] = f
		}
		for _, r := range resp.Files {
			f, ok := byPath[r.Path]
			if !ok {
				return fmt.Errorf("hub: preupload: the Hub answered for %q, which was not asked about", r.Path)
			}
			if r.UploadMode != "regular" && r.UploadMode != "lfs" {
				return fmt.Errorf("hub: preupload: upload mode %q for %s (this client knows regular and lfs)", r.UploadMode, r.Path)
			}
			f.mode, f.ignored = r.UploadMode, r.ShouldIgnore
			if r.OID != nil {
				f.remoteOID = *r.OID
			}
			delete(byPath, r.Path)
		}
		for p := range byPath {
			return fmt.Errorf("hub: preupload: no answer for %s", p)
		}
	}
	for _, f := range files {
		if len(f.Content) == 0 {
			f.mode = "regular" // empty files cannot go to LFS storage
		}
	}
	return nil
}

// lfsHeaders are the Git LFS API's content types.
func lfsHeaders() map[string]string {
	return map[string]string{"Accept": "application/vnd.git-lfs+json", "Content-Type": "application/vnd.git-lfs+json"}
}

type lfsAction struct {
	Href   string            `json:"href"`
	Header map[string]string `json:"header"`
}

// uploadLFS sends the LFS files' content through the LFS batch API: files
// the storage already has come back without actions and are skipped.
func (a *API) uploadLFS(ctx context.Context, repoID, revision string, files []*File) error {
	if len(files) == 0 {
		return nil
	}
	type object struct {
		OID  string `json:"oid"`
		Size int    `json:"size"`
	}
	req := map[string]any{"operation": "upload", "transfers": []string{"basic", "multipart"}, "hash_algo": "sha256",
		"ref": map[string]string{"name": revision}}
	byOID := map[string]*File{}
	var objects []object
	for _, f := range files {
		oid := f.sha256Hex()
		byOID[oid] = f
		objects = append(objects, object{OID: oid, Size: len(f.Content)})
	}
	req["objects"] = objects
	body, _ := json.Marshal(req)
	var resp struct {
		Objects []struct {
			OID     string `json:"oid"`
			Size    int    `json:"size"`
			Actions *struct {
				Upload *lfsAction `json:"upload"`
				Verify *lfsAction `json:"verify"`
			} `json:"actions"`
			Error *struct {
				Code    int    `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		} `json:"objects"`
	}
	if _, err := a.call(ctx, "LFS batch", http.MethodPost, a.endpoint+"/datasets/"+repoID+".git/info/lfs/objects/batch", body, lfsHeaders(), true, &resp); err != nil {
		return err
	}
	for _, o := range resp.Objects {
		f, ok := byOID[o.OID]
		switch {
		case !ok:
			return fmt.Errorf("hub: LFS batch: answer for oid %s, which was not asked about", o.OID)
		case o.Error != nil:
			return fmt.Errorf("hub: LFS batch: %s: %s", f.Path, o.Error.Message)
		case o.Actions == nil || o.Actions.Upload == nil:
			continue // already in storage
		}
		if err := a.putLFS(ctx, f, o.Actions.Upload); err != nil {
			return err
		}
		if v := o.Actions.Verify; v != nil {
			vb, _ := json.Marshal(object{OID: o.OID, Size: len(f.Content)})
			if _, err := a.call(ctx, "LFS verify "+f.Path, http.MethodPost, v.Href, vb, map[string]string{"Content-Type": "application/json"}, true, nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// putLFS uploads one LFS object: a single PUT, or parts when the action's
// header has a chunk_size and one URL per part ("1", "2", ...), then the
// completion request with the parts' ETags.
func (a *API) putLFS(ctx context.Context, f *File, up *lfsAction) error {
	cs, multi := up.Header["chunk_size"]
	if !multi {
		_, err := a.call(ctx, "LFS upload "+f.Path, http.MethodPut, up.Href, f.Content, nil, false, nil)
		return err
	}
	chunk, err := strconv.Atoi(cs)
	if err != nil || chunk <= 0 {
		return fmt.Errorf("hub: LFS upload %s: chunk_size %q is not a positive integer", f.Path, cs)
	}
	var parts []int
	for k := range up.Header {
		if n, err := strconv.Atoi(k); err == nil && n > 0 {
			parts = append(parts, n)
		}
	}
	sort.Ints(parts)
	if want := (len(f.Content) + chunk - 1) / chunk; len(parts) != want {
		return fmt.Errorf("hub: LFS upload %s: %d part URLs for %d parts", f.Path, len(parts), want)
	}
	type part struct {
		PartNumber int    `json:"partNumber"`
		ETag       string `json:"etag"`
	}
	var done []part
	for i, n := range parts {
		data := f.Content[i*chunk : min((i+1)*chunk, len(f.Content))]
		h, err := a.call(ctx, fmt.Sprintf("LFS upload %s part %d", f.Path, n), http.MethodPut, up.Header[strconv.Itoa(n)], data, nil, false, nil)
		if err != nil {
			return err
		}
		etag := h.Get("ETag")
		if etag == "" {
			return fmt.Errorf("hub: LFS upload %s part %d: no ETag", f.Path, n)
		}
		done = append(done, part{PartNumber: i + 1, ETag: etag})
	}
	body, _ := json.Marshal(map[string]any{"oid": f.sha256Hex(), "parts": done})
	_, err = a.call(ctx, "LFS complete "+f.Path, http.MethodPost, up.Href, body, lfsHeaders(), false, nil)
	return err
}

// Commit is the outcome of a push.
type Commit struct {
	// URL and OID of the commit; empty when nothing changed.
	URL, OID string
	// Changed and Unchanged list the files by path.
	Changed, Unchanged []string
}

// CommitFiles commits files to the repository's revision, leaving out the
// files whose remote oid equals the local one; with none left it makes no
// commit.
func (a *API) CommitFiles(ctx context.Context, repoID, revision, summary, description string, files []*File) (*Commit, error) {
	if err := a.preupload(ctx, repoID, revision, files); err != nil {
		return nil, err
	}
	out := &Commit{}
	var changed, lfs []*File
	for _, f := range files {
		if f.ignored || (f.remoteOID != "" && f.remoteOID == f.localOID()) {
			out.Unchanged = append(out.Unchanged, f.Path)
			continue
		}
		changed = append(changed, f)
		out.Changed = append(out.Changed, f.Path)
		if f.mode == "lfs" {
			lfs = append(lfs, f)
		}
	}
	if len(changed) == 0 {
		return out, nil
	}
	if err := a.uploadLFS(ctx, repoID, revision, lfs); err != nil {
		return nil, err
	}
	var nd bytes.Buffer
	enc := json.NewEncoder(&nd)
	_ = enc.Encode(map[string]any{"key": "header", "value": map[string]string{"summary": summary, "description": description}})
	for _, f := range changed {
		if f.mode == "lfs" {
			_ = enc.Encode(map[string]any{"key": "lfsFile", "value": map[string]any{"path": f.Path, "algo": "sha256", "oid": f.sha256Hex(), "size": len(f.Content)}})
			continue
		}
		_ = enc.Encode(map[string]any{"key": "file", "value": map[string]string{"content": base64.StdEncoding.EncodeToString(f.Content), "path": f.Path, "encoding": "base64"}})
	}
	var resp struct {
		CommitURL string `json:"commitUrl"`
		CommitOID string `json:"commitOid"`
	}
	if _, err := a.call(ctx, "commit", http.MethodPost, a.repoAPI(repoID)+"/commit/"+url.PathEscape(revision), nd.Bytes(),
		map[string]string{"Content-Type": "application/x-ndjson"}, true, &resp); err != nil {
		return nil, err
	}
	out.URL, out.OID = resp.CommitURL, resp.CommitOID
	return out, nil
}
