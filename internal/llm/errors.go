package llm

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ErrorKind classifies a failed attempt, for Stats and retry decisions.
type ErrorKind string

// The kinds of failed attempts.
const (
	// ErrRateLimited is HTTP 429.
	ErrRateLimited ErrorKind = "rate_limited"
	// ErrServer is HTTP 5xx (and 408).
	ErrServer ErrorKind = "server"
	// ErrTimeout is an attempt that ran past Options.Timeout.
	ErrTimeout ErrorKind = "timeout"
	// ErrNetwork is a refused, reset or dropped connection.
	ErrNetwork ErrorKind = "network"
	// ErrMalformed is a 200 response whose body is not a usable completion.
	ErrMalformed ErrorKind = "malformed"
	// ErrClient is any other HTTP 4xx; it is not retried.
	ErrClient ErrorKind = "client"
)

// numErrorKinds is the number of ErrorKind values.
const numErrorKinds = 6

// errorKinds lists every ErrorKind, in counter order.
func errorKinds() [numErrorKinds]ErrorKind {
	return [...]ErrorKind{ErrRateLimited, ErrServer, ErrTimeout, ErrNetwork, ErrMalformed, ErrClient}
}

// maxErrorMessage bounds the server message kept in an APIError.
const maxErrorMessage = 1024

// APIError is an HTTP error status from a server, with the message decoded
// from its JSON error body.
type APIError struct {
	// Endpoint is the URL the request went to, without credentials.
	Endpoint   string
	StatusCode int
	// Message is the server's error message (its raw body when that is not
	// one of the known JSON error shapes), with the API key removed.
	Message string
	// Type is the server's error type or code, when it gave one.
	Type string
}

// Error implements error.
func (e *APIError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = "(no message)"
	}
	if e.Type != "" {
		return fmt.Sprintf("llm: %s: HTTP %d (%s): %s", e.Endpoint, e.StatusCode, e.Type, msg)
	}
	return fmt.Sprintf("llm: %s: HTTP %d: %s", e.Endpoint, e.StatusCode, msg)
}

// Retryable reports whether the status is worth another attempt.
func (e *APIError) Retryable() bool {
	return e.StatusCode == 429 || e.StatusCode == 408 || e.StatusCode >= 500
}

// errorBody covers the error shapes of OpenAI, vLLM, SGLang, llama.cpp,
// Ollama and FastAPI-based servers.
type errorBody struct {
	Error   json.RawMessage `json:"error"`
	Message string          `json:"message"`
	Detail  json.RawMessage `json:"detail"`
	Type    string          `json:"type"`
}

type errorObject struct {
	Message string          `json:"message"`
	Type    string          `json:"type"`
	Code    json.RawMessage `json:"code"`
}

// newAPIError decodes body into an APIError; redact removes secrets.
func newAPIError(endpoint string, status int, body []byte, redact func(string) string) *APIError {
	e := &APIError{Endpoint: endpoint, StatusCode: status}
	var eb errorBody
	if json.Unmarshal(body, &eb) == nil {
		var obj errorObject
		var str string
		switch {
		case len(eb.Error) > 0 && json.Unmarshal(eb.Error, &obj) == nil && obj.Message != "":
			e.Message, e.Type = obj.Message, obj.Type
			if e.Type == "" && len(obj.Code) > 0 && string(obj.Code) != "null" {
				e.Type = strings.Trim(string(obj.Code), `"`)
			}
		case len(eb.Error) > 0 && json.Unmarshal(eb.Error, &str) == nil:
			e.Message = str
		case eb.Message != "":
			e.Message, e.Type = eb.Message, eb.Type
		case len(eb.Detail) > 0:
			if json.Unmarshal(eb.Detail, &str) == nil {
				e.Message = str
			} else {
				e.Message = string(eb.Detail)
			}
		}
	}
	if e.Message == "" {
		e.Message = strings.TrimSpace(string(body))
	}
	e.Message = truncate(redact(e.Message), maxErrorMessage)
	e.Type = redact(e.Type)
	return e
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// redactedError carries an error whose text had the API key removed. It does
// not unwrap to the original, so the key cannot leak through errors.As.
type redactedError struct{ msg string }

func (e *redactedError) Error() string { return e.msg }

// secret removes one secret from text.
type secret string

const redacted = "[REDACTED]"

func (s secret) redact(text string) string {
	if s == "" || !strings.Contains(text, string(s)) {
		return text
	}
	return strings.ReplaceAll(text, string(s), redacted)
}

// redactErr returns err unchanged unless its text contains the secret.
func (s secret) redactErr(err error) error {
	if err == nil || s == "" {
		return err
	}
	if msg := err.Error(); strings.Contains(msg, string(s)) {
		return &redactedError{msg: s.redact(msg)}
	}
	return err
}
