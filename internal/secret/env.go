package secret

import (
	"os"
	"strings"
)

// The environment variables regenesis reads.
const (
	EnvBaseURL = "OPENAI_BASE_URL"
	EnvAPIKey  = "OPENAI_API_KEY"
	EnvDataDir = "REGENESIS_DATA_DIR"
	EnvHFToken = "HF_TOKEN"
)

// Env is what the program takes from its environment. It is read once, in
// one place, so that every credential in it is known to the Redactor.
type Env struct {
	// BaseURLs are the model servers of $OPENAI_BASE_URL (comma- or
	// space-separated).
	BaseURLs []string
	// APIKey is $OPENAI_API_KEY.
	APIKey string
	// DataDir is $REGENESIS_DATA_DIR.
	DataDir string
	// HFToken is $HF_TOKEN (or the older $HUGGING_FACE_HUB_TOKEN).
	HFToken string
}

// ReadEnv reads the environment through getenv (os.Getenv when nil).
func ReadEnv(getenv func(string) string) Env {
	if getenv == nil {
		getenv = os.Getenv
	}
	return Env{
		BaseURLs: SplitList(getenv(EnvBaseURL)),
		APIKey:   strings.TrimSpace(getenv(EnvAPIKey)),
		DataDir:  getenv(EnvDataDir),
		HFToken:  strings.TrimSpace(firstSet(getenv(EnvHFToken), getenv("HUGGING_FACE_HUB_TOKEN"))),
	}
}

// Secrets are the credentials of the environment, for a Redactor: the keys
// and the passwords of the server URLs.
func (e Env) Secrets() []string {
	out := []string{e.APIKey, e.HFToken}
	for _, u := range e.BaseURLs {
		out = append(out, URLSecrets(u)...)
	}
	return out
}

// SplitList splits a comma- or space-separated list, dropping empty items.
func SplitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
}

func firstSet(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
