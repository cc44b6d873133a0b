// Package hubfake is a TEST DOUBLE of the Hugging Face Hub's repository,
// preupload, Git LFS and commit API, for tests of regenesis push. It keeps
// each repository's tree, records every upload and commit, and rejects a
// README.md whose YAML header is not valid dataset-card metadata. Keep it
// out of product code paths.
package hubfake

import (
	"bufio"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/goccy/go-yaml"
)

// Hub is the fake Hub. Its fields are read by tests after the calls
// they make (under no concurrent use).
type Hub struct {
	token string
	// Server serves the API; URL is its endpoint.
	Server *httptest.Server
	// MultipartOver: LFS objects larger than this are asked for in parts
	// of Chunk bytes.
	MultipartOver int
	Chunk         int

	mu sync.Mutex
	// Repos are the repositories by id.
	Repos   map[string]*Repo
	storage map[string][]byte // LFS storage by sha256
	// Uploads are the LFS storage uploads: "PUT oid" or "PART oid n".
	Uploads []string
	// Commits lists, per commit, the paths it changed.
	Commits []string
	// Leaks records requests to LFS storage that carried the Hub token.
	Leaks    int
	verified map[string]bool
	parts    map[string]map[int][]byte
}

// Repo is a repository: its visibility and tree.
type Repo struct {
	Private bool
	Tree    map[string]Entry
}

// Entry is a file of a repository.
type Entry struct {
	LFS  bool
	OID  string // sha256 for LFS, git blob sha1 for regular
	Data []byte
}

// New starts a fake Hub accepting token; Close its Server when done.
func New(token string) *Hub {
	h := &Hub{token: token, Repos: map[string]*Repo{}, storage: map[string][]byte{},
		verified: map[string]bool{}, parts: map[string]map[int][]byte{}, MultipartOver: 1 << 30, Chunk: 1 << 20}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/repos/create", h.authed(h.create))
	mux.HandleFunc("POST /api/datasets/{owner}/{name}/preupload/{rev}", h.authed(h.preupload))
	mux.HandleFunc("POST /datasets/{owner}/{name}/info/lfs/objects/batch", h.authed(h.lfsBatch))
	mux.HandleFunc("PUT /storage/{oid}", h.put)
	mux.HandleFunc("PUT /storage/{oid}/part/{n}", h.putPart)
	mux.HandleFunc("POST /storage/{oid}/complete", h.complete)
	mux.HandleFunc("POST /verify", h.authed(h.verify))
	mux.HandleFunc("POST /api/datasets/{owner}/{name}/commit/{rev}", h.authed(h.commit))
	h.Server = httptest.NewServer(mux)
	return h
}

// URL is the fake Hub's endpoint.
func (h *Hub) URL() string { return h.Server.URL }

// gitBlobSHA1 is the git blob id of content.
func gitBlobSHA1(content []byte) string {
	s := sha1.New()
	fmt.Fprintf(s, "blob %d\x00", len(content))
	s.Write(content)
	return hex.EncodeToString(s.Sum(nil))
}

// authed answers 401 without the expected token, as the Hub does.
func (h *Hub) authed(f http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+h.token {
			http.Error(w, `{"error":"Invalid credentials in Authorization header"}`, http.StatusUnauthorized)
			return
		}
		f(w, r)
	}
}

func (h *Hub) create(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name, Organization, Type, Visibility string
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Type != "dataset" || req.Name == "" ||
		(req.Visibility != "public" && req.Visibility != "private") {
		http.Error(w, `{"error":"bad create request"}`, http.StatusBadRequest)
		return
	}
	id := req.Organization + "/" + req.Name
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.Repos[id]; ok {
		http.Error(w, `{"error":"You already created this dataset repo"}`, http.StatusConflict)
		return
	}
	h.Repos[id] = &Repo{Private: req.Visibility == "private", Tree: map[string]Entry{}}
	fmt.Fprintf(w, `{"url":"%s/datasets/%s"}`, h.Server.URL, id)
}

func (h *Hub) repo(w http.ResponseWriter, r *http.Request) *Repo {
	repo := h.Repos[r.PathValue("owner")+"/"+r.PathValue("name")]
	if repo == nil {
		http.Error(w, `{"error":"Repository not found"}`, http.StatusNotFound)
	}
	return repo
}

// lfsPath is the Hub's rule of thumb: binary data files go to LFS.
func lfsPath(p string) bool {
	return strings.HasSuffix(p, ".parquet") || strings.HasSuffix(p, ".arrow")
}

func (h *Hub) preupload(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Files []struct {
			Path, Sample string
			Size         int
		}
	}
	json.NewDecoder(r.Body).Decode(&req)
	h.mu.Lock()
	defer h.mu.Unlock()
	repo := h.repo(w, r)
	if repo == nil {
		return
	}
	type answer struct {
		Path         string  `json:"path"`
		UploadMode   string  `json:"uploadMode"`
		ShouldIgnore bool    `json:"shouldIgnore"`
		OID          *string `json:"oid"`
	}
	var out struct {
		Files []answer `json:"files"`
	}
	for _, f := range req.Files {
		if _, err := base64.StdEncoding.DecodeString(f.Sample); err != nil {
			http.Error(w, `{"error":"sample is not base64"}`, http.StatusBadRequest)
			return
		}
		a := answer{Path: f.Path, UploadMode: "regular"}
		if lfsPath(f.Path) {
			a.UploadMode = "lfs"
		}
		if e, ok := repo.Tree[f.Path]; ok {
			oid := e.OID
			a.OID = &oid
		}
		out.Files = append(out.Files, a)
	}
	json.NewEncoder(w).Encode(out)
}

func (h *Hub) lfsBatch(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Content-Type") != "application/vnd.git-lfs+json" {
		http.Error(w, "want the LFS content type", http.StatusUnsupportedMediaType)
		return
	}
	var req struct {
		Operation string
		Transfers []string
		HashAlgo  string `json:"hash_algo"`
		Objects   []struct {
			OID  string
			Size int
		}
	}
	json.NewDecoder(r.Body).Decode(&req)
	if req.Operation != "upload" || req.HashAlgo != "sha256" || !slices.Contains(req.Transfers, "basic") {
		http.Error(w, `{"message":"bad batch"}`, http.StatusBadRequest)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	var objs []map[string]any
	for _, o := range req.Objects {
		obj := map[string]any{"oid": o.OID, "size": o.Size}
		if _, ok := h.storage[o.OID]; !ok {
			up := map[string]any{"href": h.Server.URL + "/storage/" + o.OID}
			if o.Size > h.MultipartOver {
				header := map[string]string{"chunk_size": strconv.Itoa(h.Chunk)}
				for i := 1; (i-1)*h.Chunk < o.Size; i++ {
					header[strconv.Itoa(i)] = fmt.Sprintf("%s/storage/%s/part/%d", h.Server.URL, o.OID, i)
				}
				up = map[string]any{"href": h.Server.URL + "/storage/" + o.OID + "/complete", "header": header}
			}
			obj["actions"] = map[string]any{"upload": up, "verify": map[string]any{"href": h.Server.URL + "/verify"}}
		}
		objs = append(objs, obj)
	}
	json.NewEncoder(w).Encode(map[string]any{"transfer": "basic", "objects": objs})
}

func sum256(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func (h *Hub) put(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "" {
		h.mu.Lock()
		h.Leaks++
		h.mu.Unlock()
	}
	data, _ := io.ReadAll(r.Body)
	if sum256(data) != r.PathValue("oid") {
		http.Error(w, "content does not match the oid", http.StatusBadRequest)
		return
	}
	h.mu.Lock()
	h.storage[r.PathValue("oid")] = data
	h.Uploads = append(h.Uploads, "PUT "+r.PathValue("oid"))
	h.mu.Unlock()
}

func (h *Hub) putPart(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "" {
		h.mu.Lock()
		h.Leaks++
		h.mu.Unlock()
	}
	data, _ := io.ReadAll(r.Body)
	n, _ := strconv.Atoi(r.PathValue("n"))
	h.mu.Lock()
	defer h.mu.Unlock()
	oid := r.PathValue("oid")
	if h.parts[oid] == nil {
		h.parts[oid] = map[int][]byte{}
	}
	h.parts[oid][n] = data
	h.Uploads = append(h.Uploads, fmt.Sprintf("PART %s %d", oid, n))
	w.Header().Set("ETag", fmt.Sprintf(`"etag-%d"`, n))
}

func (h *Hub) complete(w http.ResponseWriter, r *http.Request) {
	var req struct {
		OID   string
		Parts []struct {
			PartNumber int
			ETag       string
		}
	}
	json.NewDecoder(r.Body).Decode(&req)
	h.mu.Lock()
	defer h.mu.Unlock()
	var all []byte
	for i, p := range req.Parts {
		if p.PartNumber != i+1 || p.ETag != fmt.Sprintf(`"etag-%d"`, i+1) {
			http.Error(w, "parts out of order or wrong etag", http.StatusBadRequest)
			return
		}
		all = append(all, h.parts[req.OID][p.PartNumber]...)
	}
	if sum256(all) != req.OID || req.OID != r.PathValue("oid") {
		http.Error(w, "assembled parts do not match the oid", http.StatusBadRequest)
		return
	}
	h.storage[req.OID] = all
}

func (h *Hub) verify(w http.ResponseWriter, r *http.Request) {
	var req struct {
		OID  string
		Size int
	}
	json.NewDecoder(r.Body).Decode(&req)
	h.mu.Lock()
	defer h.mu.Unlock()
	if data, ok := h.storage[req.OID]; !ok || len(data) != req.Size {
		http.Error(w, `{"error":"object not found"}`, http.StatusNotFound)
		return
	}
	h.verified[req.OID] = true
}

func (h *Hub) commit(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Content-Type") != "application/x-ndjson" {
		http.Error(w, "want NDJSON", http.StatusUnsupportedMediaType)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	repo := h.repo(w, r)
	if repo == nil {
		return
	}
	sc := bufio.NewScanner(r.Body)
	sc.Buffer(nil, 256<<20)
	staged := map[string]Entry{}
	var paths []string
	sawHeader := false
	for sc.Scan() {
		var line struct {
			Key   string          `json:"key"`
			Value json.RawMessage `json:"value"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			http.Error(w, "bad NDJSON line", http.StatusBadRequest)
			return
		}
		switch line.Key {
		case "header":
			var hv struct{ Summary string }
			json.Unmarshal(line.Value, &hv)
			sawHeader = hv.Summary != ""
		case "file":
			var f struct{ Content, Path, Encoding string }
			json.Unmarshal(line.Value, &f)
			data, err := base64.StdEncoding.DecodeString(f.Content)
			if err != nil || f.Encoding != "base64" {
				http.Error(w, "file content is not base64", http.StatusBadRequest)
				return
			}
			staged[f.Path] = Entry{OID: gitBlobSHA1(data), Data: data}
			paths = append(paths, f.Path)
		case "lfsFile":
			var f struct {
				Path, Algo, OID string
				Size            int
			}
			json.Unmarshal(line.Value, &f)
			data, ok := h.storage[f.OID]
			if !ok || len(data) != f.Size || f.Algo != "sha256" || !h.verified[f.OID] {
				http.Error(w, `{"error":"LFS object not uploaded or not verified"}`, http.StatusBadRequest)
				return
			}
			staged[f.Path] = Entry{LFS: true, OID: f.OID, Data: data}
			paths = append(paths, f.Path)
		default:
			http.Error(w, "unknown key "+line.Key, http.StatusBadRequest)
			return
		}
	}
	if !sawHeader || len(staged) == 0 {
		http.Error(w, `{"error":"a commit needs a header and a file"}`, http.StatusBadRequest)
		return
	}
	if readme, ok := staged["README.md"]; ok {
		tree := map[string]bool{}
		for p := range repo.Tree {
			tree[p] = true
		}
		for p := range staged {
			tree[p] = true
		}
		if err := ValidateCard(readme.Data, tree); err != nil {
			http.Error(w, `{"error":"Invalid metadata in README.md: `+err.Error()+`"}`, http.StatusBadRequest)
			return
		}
	}
	for p, e := range staged {
		repo.Tree[p] = e
	}
	slices.Sort(paths)
	h.Commits = append(h.Commits, strings.Join(paths, ","))
	oid := fmt.Sprintf("%040d", len(h.Commits))
	fmt.Fprintf(w, `{"commitUrl":"%s/datasets/%s/%s/commit/%s","commitOid":"%s"}`, h.Server.URL, r.PathValue("owner"), r.PathValue("name"), oid, oid)
}

// ValidateCard checks a dataset card's YAML header as the Hub's metadata
// validation does for the fields regenesis writes: known licence, task
// categories and size categories; configs whose data_files exist.
func ValidateCard(card []byte, tree map[string]bool) error {
	text := string(card)
	if !strings.HasPrefix(text, "---\n") {
		return fmt.Errorf("no YAML header")
	}
	end := strings.Index(text[4:], "\n---\n")
	if end < 0 {
		return fmt.Errorf("YAML header not closed")
	}
	var meta map[string]any
	if err := yaml.Unmarshal([]byte(text[4:4+end]), &meta); err != nil {
		return fmt.Errorf("YAML: %v", err)
	}
	licenses := []string{"apache-2.0", "mit", "cc-by-4.0", "cc-by-sa-4.0", "cc-by-nc-4.0", "cc-by-nc-sa-4.0", "odc-by", "other", "unknown"}
	if l, _ := meta["license"].(string); !slices.Contains(licenses, l) {
		return fmt.Errorf("license %q is not a Hub licence identifier", meta["license"])
	}
	if meta["license"] == "other" && meta["license_name"] == nil {
		return fmt.Errorf("license other needs license_name")
	}
	cats := []string{"text-generation", "question-answering", "text-classification", "summarization", "translation"}
	tc, _ := meta["task_categories"].([]any)
	if len(tc) == 0 {
		return fmt.Errorf("no task_categories")
	}
	for _, c := range tc {
		if !slices.Contains(cats, fmt.Sprint(c)) {
			return fmt.Errorf("task category %v unknown", c)
		}
	}
	sizes := []string{"n<1K", "1K<n<10K", "10K<n<100K", "100K<n<1M", "1M<n<10M", "10M<n<100M"}
	sc, _ := meta["size_categories"].([]any)
	if len(sc) != 1 || !slices.Contains(sizes, fmt.Sprint(sc[0])) {
		return fmt.Errorf("size_categories %v", meta["size_categories"])
	}
	configs, _ := meta["configs"].([]any)
	if len(configs) == 0 {
		return fmt.Errorf("no configs")
	}
	for _, c := range configs {
		cm, _ := c.(map[string]any)
		if cm["config_name"] == nil {
			return fmt.Errorf("config without config_name")
		}
		dfs, _ := cm["data_files"].([]any)
		if len(dfs) == 0 {
			return fmt.Errorf("config %v has no data_files", cm["config_name"])
		}
		for _, d := range dfs {
			dm, _ := d.(map[string]any)
			p, _ := dm["path"].(string)
			if dm["split"] == nil || !tree[p] {
				return fmt.Errorf("data_files entry %v: no split or no such file in the commit", d)
			}
		}
	}
	return nil
}
