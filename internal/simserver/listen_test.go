package simserver

import (
	"encoding/json"
	"net/http"
	"testing"
)

func TestStartClose(t *testing.T) {
	t.Parallel()
	key := gsm8kKey(t, 3)
	sim, err := Start(Config{Accuracy: 1}, key)
	if err != nil {
		t.Fatal(err)
	}
	resp, out, err := post(t, sim.URL, encode(t, userRequest(solvePrompt(key[2].Question), 0, 0, nil)))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("POST: %v %s", err, out)
	}
	var r chatResponse
	if err := json.Unmarshal(out, &r); err != nil || !solvedRight(t, r.Choices[0].Message.Content, key[2]) {
		t.Fatalf("response %s", out)
	}
	if sim.BaseURL != sim.URL+"/v1" || sim.Stats().Succeeded != 1 {
		t.Errorf("BaseURL %q, stats %+v", sim.BaseURL, sim.Stats())
	}
	if err := sim.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := sim.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := http.Get(sim.URL + "/v1/models"); err == nil {
		t.Error("server still answers after Close")
	}
}

func TestStartRejectsBadConfig(t *testing.T) {
	t.Parallel()
	if _, err := Start(Config{Accuracy: 2}, nil); err == nil {
		t.Error("Start accepted Accuracy 2")
	}
}
