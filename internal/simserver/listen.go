package simserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// shutdownGrace bounds how long Serve waits for requests in flight.
const shutdownGrace = 5 * time.Second

// Serve answers requests on ln until ctx ends, then shuts down gracefully:
// it stops accepting, lets requests in flight finish for up to five
// seconds, and closes the rest. It returns nil after a shutdown asked for
// by ctx.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("simserver: serving on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	err := hs.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) {
		err = hs.Close()
	}
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	if err != nil {
		return fmt.Errorf("simserver: shutting down %s: %w", ln.Addr(), err)
	}
	return nil
}

// Running is a Server listening on a loopback port, for tests in any
// package:
//
//	sim, err := simserver.Start(simserver.Config{Accuracy: 0.7}, key)
//	...
//	defer sim.Close()
//	opts := llm.DefaultOptions()
//	opts.BaseURLs = []string{sim.BaseURL}
//	client, err := llm.NewClient(opts)
type Running struct {
	*Server
	// URL is the server's root, such as "http://127.0.0.1:41234".
	URL string
	// BaseURL is URL + "/v1", what OpenAI-compatible clients take as base URL.
	BaseURL string

	cancel context.CancelFunc
	done   chan error
}

// Start runs a new Server on a free loopback port.
func Start(cfg Config, key []Entry) (*Running, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("simserver: listen on a loopback port: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &Running{
		Server: New(cfg, key),
		URL:    "http://" + ln.Addr().String(),
		cancel: cancel,
		done:   make(chan error, 1),
	}
	r.BaseURL = r.URL + "/v1"
	go func() { r.done <- r.Serve(ctx, ln) }()
	return r, nil
}

// Close shuts the server down and waits for it. It is safe to call more
// than once; later calls return nil.
func (r *Running) Close() error {
	r.cancel()
	err, ok := <-r.done
	if ok {
		close(r.done)
	}
	return err
}
