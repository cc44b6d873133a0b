package simserver

import (
	"context"
	"net/http"
	"strconv"
	"time"
)

// faultFor returns the fault of request number num.
func (s *Server) faultFor(num uint64) Fault {
	f := s.cfg.faults
	if num < uint64(len(f.Script)) {
		return f.Script[num]
	}
	u := unit(combine(s.cfg.seed, saltFault, num))
	for _, c := range []struct {
		rate  float64
		fault Fault
	}{
		{f.RateLimit, FaultRateLimit}, {f.ServerError, FaultServerError}, {f.Drop, FaultDrop},
		{f.Truncate, FaultTruncate}, {f.Malformed, FaultMalformed},
	} {
		if u < c.rate {
			return c.fault
		}
		u -= c.rate
	}
	return FaultNone
}

// delay waits for the configured latency of request num; it reports false
// when ctx ends first.
func (s *Server) delay(ctx context.Context, num uint64) bool {
	l := s.cfg.latency
	d := l.Fixed
	if l.Jitter > 0 {
		d += time.Duration(unit(combine(s.cfg.seed, saltLatency, num)) * float64(l.Jitter))
	}
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// writeFault answers with a fault other than truncation.
func (s *Server) writeFault(w http.ResponseWriter, f Fault, num uint64) {
	s.counts.faults[f].Add(1)
	switch f {
	case FaultRateLimit:
		w.Header().Set("Retry-After", s.cfg.retryAfter)
		writeError(w, http.StatusTooManyRequests, "rate_limit_error", "rate_limit_exceeded",
			"Rate limit reached for requests (simulated fault). Please try again in "+s.cfg.retryAfter+"s.")
	case FaultServerError:
		writeError(w, http.StatusInternalServerError, "server_error", "",
			"The server had an error while processing your request (simulated fault).")
	case FaultDrop:
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			// Not hijackable (HTTP/2): abort the response instead.
			panic(http.ErrAbortHandler)
		}
		conn.Close()
	case FaultMalformed:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		w.Write([]byte(`{"id":"chatcmpl-sim-` + strconv.FormatUint(num, 10) +
			`","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Let's solve th`))
	}
}
