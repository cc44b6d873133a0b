// Package prompts holds the prompt templates of every method as embedded
// text/template files, overridable file by file from a directory.
//
// A template's name is its path under templates/ without the ".tmpl"
// extension, e.g. "regenesis/adapt". Every template renders from one data
// type, Data, so that one test can render them all.
package prompts

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/template"
)

//go:embed templates/*/*.tmpl
var embedded embed.FS

const ext = ".tmpl"

// Set is a loaded, parsed set of templates. It is immutable and safe for
// concurrent use.
type Set struct {
	templates map[string]*template.Template
	hashes    map[string]string
	sources   map[string]string // where each template came from, for errors
}

// Load parses the embedded templates. When overrideDir is not empty, each
// DIR/<method>/<stage>.tmpl replaces the embedded template of the same name;
// an override that matches no embedded template is an error (it would
// otherwise be silently ignored).
func Load(overrideDir string) (*Set, error) {
	s := &Set{
		templates: make(map[string]*template.Template),
		hashes:    make(map[string]string),
		sources:   make(map[string]string),
	}
	files, err := fs.Glob(embedded, "templates/*/*"+ext)
	if err != nil {
		return nil, fmt.Errorf("list embedded templates: %w", err)
	}
	for _, f := range files {
		text, err := embedded.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read embedded %s: %w", f, err)
		}
		name := strings.TrimSuffix(strings.TrimPrefix(f, "templates/"), ext)
		if err := s.add(name, "embedded "+f, string(text)); err != nil {
			return nil, err
		}
	}
	if overrideDir == "" {
		return s, nil
	}
	overrides, err := filepath.Glob(filepath.Join(overrideDir, "*", "*"+ext))
	if err != nil {
		return nil, fmt.Errorf("list prompt overrides in %s: %w", overrideDir, err)
	}
	if len(overrides) == 0 {
		return nil, fmt.Errorf("prompt override directory %s has no <method>/<stage>%s files", overrideDir, ext)
	}
	for _, f := range overrides {
		rel, err := filepath.Rel(overrideDir, f)
		if err != nil {
			return nil, fmt.Errorf("prompt override %s: %w", f, err)
		}
		name := strings.TrimSuffix(filepath.ToSlash(rel), ext)
		if _, ok := s.templates[name]; !ok {
			return nil, fmt.Errorf("prompt override %s: no template named %q to replace (known: %s)", f, name, strings.Join(s.Names(), ", "))
		}
		text, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read prompt override: %w", err)
		}
		if err := s.add(name, f, string(text)); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (s *Set) add(name, source, text string) error {
	t, err := template.New(name).Funcs(funcs()).Option("missingkey=error").Parse(text)
	if err != nil {
		return fmt.Errorf("parse %s: %w", source, err)
	}
	sum := sha256.Sum256([]byte(text))
	s.templates[name] = t
	s.hashes[name] = hex.EncodeToString(sum[:])
	s.sources[name] = source
	return nil
}

// Render executes the template name ("regenesis/adapt"; a trailing ".tmpl"
// is accepted) with data and returns the text with surrounding blank space
// trimmed. It fails if the output contains "<no value>".
func (s *Set) Render(name string, data Data) (string, error) {
	name = strings.TrimSuffix(name, ext)
	t, ok := s.templates[name]
	if !ok {
		return "", fmt.Errorf("no prompt template %q (known: %s)", name, strings.Join(s.Names(), ", "))
	}
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return "", fmt.Errorf("render %s: %w", s.sources[name], err)
	}
	out := strings.TrimSpace(b.String())
	if strings.Contains(out, "<no value>") {
		return "", fmt.Errorf("render %s: output contains <no value>", s.sources[name])
	}
	return out, nil
}

// Has reports whether a template named name exists.
func (s *Set) Has(name string) bool {
	_, ok := s.templates[strings.TrimSuffix(name, ext)]
	return ok
}

// Names returns the template names, sorted.
func (s *Set) Names() []string {
	names := make([]string, 0, len(s.templates))
	for n := range s.templates {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Hashes returns the SHA-256 (hex) of each template's source text by name,
// for manifests: a changed prompt shows as a changed hash.
func (s *Set) Hashes() map[string]string {
	out := make(map[string]string, len(s.hashes))
	for n, h := range s.hashes {
		out[n] = h
	}
	return out
}
