package secret

import (
	"net/url"
	"sort"
	"strings"
)

// Flag is one flag the user set, for CommandLine.
type Flag struct {
	Name string
	// Values are the flag's values: one for a plain flag, each item of a
	// list flag (written as a repeated flag, which every list flag takes).
	Values []string
	// Bool marks a boolean flag, written --name or --name=false.
	Bool bool
}

// IsSecretName reports whether a flag or field of this name holds a
// credential (its value is never recorded).
func IsSecretName(name string) bool {
	name = strings.ToLower(name)
	for _, s := range []string{"key", "token", "secret", "password", "passwd", "credential"} {
		if strings.Contains(name, s) {
			return true
		}
	}
	return false
}

// CommandLine returns the command path followed by the flags, sorted by
// name, as argv: --name=value for each value, credentials removed (flags
// named like a credential are left out, other values redacted by r) and
// positional args last. ShellJoin of the result pastes back into a shell.
func CommandLine(r *Redactor, path []string, flags []Flag, args []string) []string {
	line := append([]string(nil), path...)
	sort.SliceStable(flags, func(i, j int) bool { return flags[i].Name < flags[j].Name })
	for _, f := range flags {
		if IsSecretName(f.Name) {
			continue
		}
		if f.Bool && len(f.Values) == 1 && f.Values[0] == "true" {
			line = append(line, "--"+f.Name)
			continue
		}
		for _, v := range f.Values {
			line = append(line, "--"+f.Name+"="+r.String(v))
		}
	}
	for _, a := range args {
		line = append(line, r.String(a))
	}
	return line
}

// ShellJoin quotes argv for a POSIX shell.
func ShellJoin(argv []string) string {
	parts := make([]string, len(argv))
	for i, a := range argv {
		parts[i] = shellQuote(a)
	}
	return strings.Join(parts, " ")
}

func shellQuote(s string) string {
	if s == "" {
		return "''"
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@,+%", r)) {
			return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
		}
	}
	return s
}

// URLSecrets returns the credentials inside a URL: the password (or a user
// name without one, as some APIs put the key there) and the values of
// credential query parameters.
func URLSecrets(raw string) []string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil
	}
	var out []string
	if u.User != nil {
		if p, ok := u.User.Password(); ok {
			out = append(out, p)
		} else {
			out = append(out, u.User.Username())
		}
	}
	for k, vs := range u.Query() {
		if IsSecretName(k) || strings.EqualFold(k, "sig") || strings.EqualFold(k, "auth") {
			out = append(out, vs...)
		}
	}
	return out
}
