package llm

import (
	"net"
	"net/http"
	"time"
)

// newHTTPClient returns an HTTP client whose connection pool keeps one idle
// connection for every request that may be in flight to an endpoint, so a
// run with hundreds of concurrent requests reuses its connections instead of
// dialing (and leaving TIME_WAIT sockets) on every request. Timeouts are
// applied per attempt through the request context, not here, because
// generation time varies from milliseconds to minutes.
func newHTTPClient(perHost int) *http.Client {
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	t := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          0, // no global cap; MaxIdleConnsPerHost bounds the pool
		MaxIdleConnsPerHost:   perHost,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		// Completions are short JSON documents; gzip would cost more CPU on
		// both ends than it saves on a LAN.
		DisableCompression: true,
		WriteBufferSize:    16 << 10,
		ReadBufferSize:     16 << 10,
	}
	return &http.Client{Transport: t}
}
