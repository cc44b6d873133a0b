// Package secret keeps credentials out of everything regenesis writes and
// prints. A Redactor removes API keys and tokens it was told about, and by
// shape: user:password@ in URLs, credentials in query strings, bearer and
// basic Authorization values, and well-known key formats (sk-..., hf_...).
// Env is the one place the program reads its environment, and CommandLine
// records the command line for manifests and results.json, pasteable back
// into a shell and free of credentials.
package secret

import (
	"io"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Mask is what a removed credential is replaced with.
const Mask = "REDACTED"

// minSecret is the shortest value a Redactor removes by value: shorter ones
// would blank out ordinary text.
const minSecret = 4

// patterns find credentials by shape. Each keeps its first group and masks
// the rest of the match; userinfo is dropped outright so the URL stays usable.
var (
	userinfoRE = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://)[^/\s@"'<>]+@`)
	queryRE    = regexp.MustCompile(`(?i)([?&;](?:api[_-]?key|apikey|key|token|access[_-]?token|refresh[_-]?token|id[_-]?token|auth|authorization|password|passwd|pwd|secret|client[_-]?secret|sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token)=)[^&;#\s"'<>]+`)
	authRE     = regexp.MustCompile(`(?i)(\bbearer\s+)[A-Za-z0-9._~+/=-]{4,}`)
	jsonKeyRE  = regexp.MustCompile(`(?i)("(?:api[_-]?key|apikey|token|access[_-]?token|hf[_-]?token|password|secret|client[_-]?secret|authorization)"\s*:\s*")(?:[^"\\]|\\.)*`)
	headerRE   = regexp.MustCompile(`(?i)(\b(?:x-api-key|api-key|authorization)\s*:\s*)(?:(?:bearer|basic)\s+)?[^\s"',]{4,}`)
	keyShapeRE = regexp.MustCompile(`\b(?:sk-[A-Za-z0-9_-]{16,}|hf_[A-Za-z0-9]{16,}|gh[pousr]_[A-Za-z0-9]{20,})`)
)

// Redactor removes credentials from text: the values it was given, and
// anything that looks like one. It is safe for concurrent use.
type Redactor struct {
	mu     sync.RWMutex
	values []string // longest first, so that a key containing another goes whole
}

// NewRedactor returns a Redactor that also removes values (empty and very
// short values are ignored).
func NewRedactor(values ...string) *Redactor {
	r := &Redactor{}
	r.Add(values...)
	return r
}

// Add makes r remove these values too.
func (r *Redactor) Add(values ...string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range values {
		v = strings.TrimSpace(v)
		if len(v) < minSecret || slices.Contains(r.values, v) {
			continue
		}
		r.values = append(r.values, v)
	}
	slices.SortFunc(r.values, func(a, b string) int { return len(b) - len(a) })
}

// String returns s without credentials. A nil Redactor removes credentials
// by shape only.
func (r *Redactor) String(s string) string {
	if r != nil {
		r.mu.RLock()
		for _, v := range r.values {
			s = strings.ReplaceAll(s, v, Mask)
		}
		r.mu.RUnlock()
	}
	return Shapes(s)
}

// Shapes removes what looks like a credential from s: user:password@ in
// URLs, credential query parameters, Authorization values, JSON fields
// named like keys, and well-known key formats.
func Shapes(s string) string {
	if s == "" {
		return s
	}
	s = userinfoRE.ReplaceAllString(s, "$1")
	s = queryRE.ReplaceAllString(s, "${1}"+Mask)
	s = headerRE.ReplaceAllString(s, "${1}"+Mask)
	s = authRE.ReplaceAllString(s, "${1}"+Mask)
	s = jsonKeyRE.ReplaceAllString(s, "${1}"+Mask)
	return keyShapeRE.ReplaceAllString(s, Mask)
}

// Error returns err with its message redacted; errors.Is and errors.As
// still see the original chain. Nil stays nil.
func (r *Redactor) Error(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if red := r.String(msg); red != msg {
		return &redactedError{msg: red, err: err}
	}
	return err
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// Writer returns a writer that redacts each Write before passing it on to
// w. Every message of the program is written in one Write per line or
// record (fmt.Fprint*, log/slog), so a credential is never split.
func (r *Redactor) Writer(w io.Writer) *Writer { return &Writer{r: r, w: w} }

// Writer is a redacting io.Writer (see Redactor.Writer).
type Writer struct {
	r *Redactor
	w io.Writer
}

// Write redacts p and writes it; it reports len(p) on success so that
// callers do not see a short write when text was removed.
func (w *Writer) Write(p []byte) (int, error) {
	s := string(p)
	red := w.r.String(s)
	if _, err := io.WriteString(w.w, red); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Unwrap returns the writer w writes to, e.g. to tell whether it is a
// terminal.
func (w *Writer) Unwrap() io.Writer { return w.w }

// Underlying returns the writer beneath any redacting Writers.
func Underlying(w io.Writer) io.Writer {
	for {
		rw, ok := w.(*Writer)
		if !ok {
			return w
		}
		w = rw.w
	}
}
