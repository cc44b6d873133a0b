package task

import "net/http"

// Endpoint returns the Hub's base URL (HF_ENDPOINT or the default).
func (h *Hub) Endpoint() string { return h.endpoint }

// Authorize adds the Hub token (see NewHub) to req as a bearer token; it
// does nothing without a token. For callers of the Hub's HTTP API, such as
// regenesis push.
func (h *Hub) Authorize(req *http.Request) { h.authorize(req) }

// HasToken reports whether a token was found.
func (h *Hub) HasToken() bool { return h.token != "" }
