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
	EnvShard   = "REGENESIS_SHARD"
	EnvHFToken = "HF_TOKEN"
)

// Env is what the program takes from its environment. It is read in this
// one place, so that every credential in it is known to the Redactor and
// no other package calls os.Getenv.
type Env struct {
	// BaseURLs are the model servers of $OPENAI_BASE_URL (comma- or
	// space-separated).
	BaseURLs []string
	// APIKey is $OPENAI_API_KEY.
	APIKey string
	// DataDir is $REGENESIS_DATA_DIR.
	DataDir string
	// Shard is $REGENESIS_SHARD ("I/N", or "VAR/N" naming another
	// variable, read with Lookup).
	Shard string

	// HF is what the Hugging Face Hub client reads, named as huggingface_hub
	// names it.
	HF HFEnv

	// Home is $HOME ("" when unset).
	Home string

	getenv func(string) string
}

// HFEnv holds the Hugging Face variables, read the way the Python
// huggingface_hub library reads them.
type HFEnv struct {
	// Token is the first non-empty of $HF_TOKEN and the older
	// $HUGGING_FACE_HUB_TOKEN, line breaks and spaces removed; TokenVar
	// names the variable it came from.
	Token, TokenVar string
	// TokenPath is $HF_TOKEN_PATH (the token file `hf auth login` writes).
	TokenPath string
	// DisableImplicitToken is $HF_HUB_DISABLE_IMPLICIT_TOKEN set true.
	DisableImplicitToken bool
	// Endpoint is $HF_ENDPOINT (a mirror), without a trailing slash.
	Endpoint string
	// OfflineVar names the first of $HF_HUB_OFFLINE, $TRANSFORMERS_OFFLINE
	// and $HF_DATASETS_OFFLINE that is set true ("" when none is).
	OfflineVar string
	// Home is $HF_HOME; XDGCacheHome is $XDG_CACHE_HOME.
	Home, XDGCacheHome string
	// HubCache is $HF_HUB_CACHE, else the legacy $HUGGINGFACE_HUB_CACHE.
	HubCache string
}

// ReadEnv reads the environment through getenv (os.Getenv when nil).
func ReadEnv(getenv func(string) string) Env {
	if getenv == nil {
		getenv = os.Getenv
	}
	e := Env{
		BaseURLs: SplitList(getenv(EnvBaseURL)),
		APIKey:   strings.TrimSpace(getenv(EnvAPIKey)),
		DataDir:  getenv(EnvDataDir),
		Shard:    getenv(EnvShard),
		Home:     getenv("HOME"),
		getenv:   getenv,
	}
	hf := &e.HF
	for _, v := range []string{EnvHFToken, "HUGGING_FACE_HUB_TOKEN"} {
		if t := CleanToken(getenv(v)); t != "" {
			hf.Token, hf.TokenVar = t, v
			break
		}
	}
	hf.TokenPath = getenv("HF_TOKEN_PATH")
	hf.DisableImplicitToken = isTrue(getenv("HF_HUB_DISABLE_IMPLICIT_TOKEN"))
	hf.Endpoint = strings.TrimRight(getenv("HF_ENDPOINT"), "/")
	for _, v := range []string{"HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"} {
		if isTrue(getenv(v)) {
			hf.OfflineVar = v
			break
		}
	}
	hf.Home = getenv("HF_HOME")
	hf.XDGCacheHome = getenv("XDG_CACHE_HOME")
	hf.HubCache = firstSet(getenv("HF_HUB_CACHE"), getenv("HUGGINGFACE_HUB_CACHE"))
	return e
}

// Lookup reads a variable the user names (e.g. the shard index variable of
// --shard SLURM_ARRAY_TASK_ID/8); ok is false when it is unset or empty.
func (e Env) Lookup(name string) (string, bool) {
	getenv := e.getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	v := getenv(name)
	return v, v != ""
}

// Expand replaces $VAR and ${VAR} in s with the variables' values, as
// Python's os.path.expandvars does for the Hugging Face paths.
func (e Env) Expand(s string) string {
	return os.Expand(s, func(name string) string { v, _ := e.Lookup(name); return v })
}

// Secrets are the credentials of the environment, for a Redactor: the keys
// and the passwords of the server URLs.
func (e Env) Secrets() []string {
	out := []string{e.APIKey, e.HF.Token}
	for _, u := range e.BaseURLs {
		out = append(out, URLSecrets(u)...)
	}
	return out
}

// SplitList splits a comma- or space-separated list, dropping empty items.
func SplitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
}

// isTrue reads a boolean variable the way huggingface_hub's _is_true does.
func isTrue(v string) bool {
	switch strings.ToUpper(v) {
	case "1", "ON", "YES", "TRUE":
		return true
	}
	return false
}

// CleanToken strips line breaks and spaces from a token, as huggingface_hub
// does; an empty result is no token.
func CleanToken(t string) string {
	return strings.TrimSpace(strings.NewReplacer("\r", "", "\n", "").Replace(t))
}

func firstSet(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
