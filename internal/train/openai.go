package train

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"time"
)

// maxTransientFailures is how many failed requests in a row the follower
// rides out before giving up (the job keeps running either way).
const maxTransientFailures = 6

// runOpenAI uploads the data, creates the job and follows it to its end.
func runOpenAI(ctx context.Context, o *Options, res *Result, save func() error) error {
	c, err := newFTClient(o.OpenAI)
	if err != nil {
		return err
	}
	log := o.logw()
	if o.OpenAI.Follow != "" {
		res.JobID = o.OpenAI.Follow
		return followAndRecord(ctx, c, o, res, save)
	}
	if res.Epochs, err = wholeEpochs(o.Hyper.Epochs); err != nil {
		return err
	}
	var file *ftFile
	if err := retry(ctx, o, "uploading "+res.DataFile, func() error {
		var err error
		file, err = c.upload(ctx, res.DataFile)
		return err
	}); err != nil {
		return err
	}
	fmt.Fprintf(log, "uploaded %s as %s (%d bytes)\n", res.DataFile, file.ID, file.Bytes)
	req := jobRequest{Model: o.BaseModel, TrainingFile: file.ID, Suffix: o.OpenAI.Suffix}
	req.Seed = o.OpenAI.Seed
	req.Method.Type = "supervised"
	req.Method.Supervised.Hyperparameters = jobHyper{
		NEpochs:      res.Epochs,
		BatchSize:    o.OpenAI.BatchSize,
		LRMultiplier: o.OpenAI.LRMultiplier,
	}
	job, err := c.createJob(ctx, req)
	if err != nil {
		return fmt.Errorf("creating the fine-tuning job: %w", err)
	}
	res.JobID, res.Status = job.ID, "running"
	if err := save(); err != nil {
		return err
	}
	fmt.Fprintf(log, "created fine-tuning job %s (%s)\n", job.ID, job.Status)
	return followAndRecord(ctx, c, o, res, save)
}

func followAndRecord(ctx context.Context, c *ftClient, o *Options, res *Result, save func() error) error {
	job, err := follow(ctx, c, res.JobID, o.OpenAI, o.logw())
	if err != nil {
		if ctx.Err() != nil {
			fmt.Fprintf(o.logw(), "fine-tuning job %s is still running; follow it again with:\n  %s\n",
				res.JobID, ShellQuote([]string{"regenesis", "train", "--engine", EngineOpenAI, "--follow", res.JobID, "--out", o.Output}))
		}
		if job != nil && job.Status != "" {
			res.Status = job.Status
			if serr := save(); serr != nil {
				return errors.Join(err, serr)
			}
		}
		return err
	}
	res.Status, res.Model = job.Status, job.FineTunedModel
	return save()
}

// follow polls the job and prints its new events until the job ends. The
// wait between polls starts at PollInterval and doubles while nothing
// changes, up to MaxPollInterval. It returns the finished job, or an error
// saying why the job failed.
func follow(ctx context.Context, c *ftClient, id string, o OpenAIOptions, log io.Writer) (*Job, error) {
	first, most := o.PollInterval, o.MaxPollInterval
	if first <= 0 {
		first = 5 * time.Second
	}
	if most < first {
		most = max(first, time.Minute)
	}
	wait := first
	seen := map[string]bool{}
	status := ""
	failures := 0
	var last *Job
	for {
		job, err := c.job(ctx, id)
		var evs []jobEvent
		if err == nil {
			evs, err = c.events(ctx, id, seen)
		}
		if err != nil {
			if ctx.Err() != nil || !transient(err) {
				return last, fmt.Errorf("following fine-tuning job %s: %w", id, err)
			}
			failures++
			if failures >= maxTransientFailures {
				return last, fmt.Errorf("following fine-tuning job %s: %d failed requests in a row, last: %w", id, failures, err)
			}
			fmt.Fprintf(log, "job %s: %v; retrying in %s\n", id, err, wait)
		} else {
			failures = 0
			last = job
			changed := false
			slices.SortStableFunc(evs, func(a, b jobEvent) int { return int(a.CreatedAt - b.CreatedAt) })
			for _, e := range evs {
				if seen[e.ID] {
					continue
				}
				seen[e.ID] = true
				changed = true
				fmt.Fprintf(log, "job %s: %s %s\n", id, time.Unix(e.CreatedAt, 0).UTC().Format(time.RFC3339), e.Message)
			}
			if job.Status != status {
				status, changed = job.Status, true
				fmt.Fprintf(log, "job %s: status %s\n", id, status)
			}
			switch job.Status {
			case "succeeded":
				if job.FineTunedModel == "" {
					return job, fmt.Errorf("fine-tuning job %s succeeded without naming the fine-tuned model", id)
				}
				return job, nil
			case "failed":
				return job, fmt.Errorf("fine-tuning job %s failed: %s", id, describeJobError(job.Error))
			case "cancelled":
				return job, fmt.Errorf("fine-tuning job %s was cancelled", id)
			}
			if changed {
				wait = first
			}
		}
		if err := sleep(ctx, wait); err != nil {
			return last, fmt.Errorf("following fine-tuning job %s: %w", id, err)
		}
		wait = min(2*wait, most)
	}
}

func describeJobError(e *JobError) string {
	if e == nil || (e.Message == "" && e.Code == "") {
		return "the API gave no reason"
	}
	s := e.Message
	if e.Code != "" {
		s += " (code " + e.Code
		if e.Param != "" {
			s += ", param " + e.Param
		}
		s += ")"
	}
	return s
}

// retry runs f, repeating it after transient failures with doubling waits.
func retry(ctx context.Context, o *Options, what string, f func() error) error {
	wait := o.OpenAI.PollInterval
	if wait <= 0 {
		wait = 2 * time.Second
	}
	for attempt := 1; ; attempt++ {
		err := f()
		if err == nil {
			return nil
		}
		if attempt >= 3 || !transient(err) || ctx.Err() != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		fmt.Fprintf(o.logw(), "%s: %v; retrying in %s\n", what, err, wait)
		if err := sleep(ctx, wait); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		wait *= 2
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// wholeEpochs converts the epoch count for the API, which takes whole epochs.
func wholeEpochs(e float64) (int, error) {
	if e != math.Trunc(e) || e < 1 {
		return 0, fmt.Errorf("the openai engine takes a whole number of epochs, got %g", e)
	}
	return int(e), nil
}
