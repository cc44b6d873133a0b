package runloop

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/regenesis-ai/regenesis/internal/secret"
)

// expand fills the {model}, {name} and {round} placeholders.
func expand(tmpl, model, name string, round int) string {
	return strings.NewReplacer("{model}", model, "{name}", name, "{round}", strconv.Itoa(round)).Replace(tmpl)
}

// shellQuote quotes s for sh -c.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// serveCommand is Serve.Command with its placeholders filled, quoted for sh.
func serveCommand(s Serve, model, name string, round int) string {
	return strings.NewReplacer("{model}", shellQuote(model), "{name}", shellQuote(name), "{round}", strconv.Itoa(round)).Replace(s.Command)
}

// served is a model being served for a step.
type served struct {
	baseURL, name string
	stop          func() error
}

// serveModel makes the trained model reachable: it starts Serve.Command
// when there is one (its output goes to logPath) and waits until
// BaseURL/models lists the model's name.
func serveModel(ctx context.Context, s Serve, model string, round int, logPath string, log io.Writer) (*served, error) {
	name := expand(s.Model, model, model, round)
	sv := &served{baseURL: s.BaseURL, name: name, stop: func() error { return nil }}
	ctx, cancel := context.WithTimeout(ctx, s.readyTimeout)
	defer cancel()
	var p *proc
	if s.Command != "" {
		line := serveCommand(s, model, name, round)
		f, err := os.Create(logPath)
		if err != nil {
			return nil, fmt.Errorf("serve log: %w", err)
		}
		cmd := exec.Command("sh", "-c", line)
		cmd.Stdout, cmd.Stderr = f, f
		ownProcessGroup(cmd)
		if err := cmd.Start(); err != nil {
			f.Close()
			return nil, fmt.Errorf("starting the model server (%s): %w", line, err)
		}
		fmt.Fprintf(log, "started the model server (pid %d): %s\n  log: %s\n", cmd.Process.Pid, line, logPath)
		p = &proc{cmd: cmd, done: make(chan struct{})}
		go func() { p.err = cmd.Wait(); f.Close(); close(p.done) }()
		sv.stop = p.stop
	}
	fmt.Fprintf(log, "waiting for %s/models to list %s\n", s.BaseURL, name)
	err := waitReady(ctx, s.BaseURL, name, p)
	if err == nil {
		return sv, nil
	}
	if serr := sv.stop(); serr != nil {
		err = errors.Join(err, serr)
	}
	if s.Command != "" {
		err = fmt.Errorf("%w (server log: %s)", err, logPath)
	}
	return nil, err
}

// proc is a started model server.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited; err is then set
	err  error
}

// exited is closed when the server has exited; nil p never exits.
func (p *proc) exited() <-chan struct{} {
	if p == nil {
		return nil
	}
	return p.done
}

// stop asks the server's process group to stop, and kills it when it has
// not stopped within 30 seconds.
func (p *proc) stop() error {
	select {
	case <-p.done:
		return nil
	default:
	}
	if err := signalGroup(p.cmd, false); err != nil {
		return fmt.Errorf("stopping the model server: %w", err)
	}
	select {
	case <-p.done:
		return nil
	case <-time.After(30 * time.Second):
		if err := signalGroup(p.cmd, true); err != nil {
			return fmt.Errorf("killing the model server: %w", err)
		}
		<-p.done
		return nil
	}
}

// waitReady polls baseURL/models until it lists name, the server process
// exits, or ctx ends.
func waitReady(ctx context.Context, baseURL, name string, p *proc) error {
	url := strings.TrimRight(baseURL, "/") + "/models"
	client := &http.Client{Timeout: 10 * time.Second}
	var last error
	for {
		models, err := listModels(ctx, client, url)
		switch {
		case err != nil:
			last = err
		case slices.Contains(models, name):
			return nil
		default:
			last = fmt.Errorf("%s lists %v, not %q", url, models, name)
		}
		select {
		case <-p.exited():
			return fmt.Errorf("the model server exited before serving %q: %v", name, p.err)
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return fmt.Errorf("model %q not ready at %s in time: %w", name, url, last)
			}
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

func listModels(ctx context.Context, client *http.Client, url string) ([]string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	if key := secret.ReadEnv(nil).APIKey; key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	var list struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 4<<20)).Decode(&list); err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	ids := make([]string, len(list.Data))
	for i, m := range list.Data {
		ids[i] = m.ID
	}
	return ids, nil
}
