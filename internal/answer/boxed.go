package answer

import "strings"

// lastBoxed returns the content of the last \boxed{...} or \fbox{...} in s,
// with balanced (and nested) braces; "\boxed {x}" is accepted. It reports
// false when there is none, or when the last one is never closed (a
// truncated reply has no final answer).
func lastBoxed(s string) (string, bool) {
	start := -1
	var cmd string
	for _, c := range [...]string{`\boxed`, `\fbox`} { // the commands that frame a final answer
		if i := strings.LastIndex(s, c); i > start {
			start, cmd = i, c
		}
	}
	if start < 0 {
		return "", false
	}
	rest := strings.TrimLeft(s[start+len(cmd):], " \t\n")
	if !strings.HasPrefix(rest, "{") {
		// "\boxedx" or "\boxed 5": not an argument we can delimit; look
		// further back.
		return lastBoxed(s[:start])
	}
	content, ok := braced(rest)
	if !ok {
		return "", false
	}
	content = strings.TrimSpace(content)
	for strings.HasPrefix(content, "{") {
		inner, ok := braced(content)
		if !ok || len(inner)+2 != len(content) {
			break
		}
		content = strings.TrimSpace(inner)
	}
	return content, true
}

// braced returns what is inside the brace group that s starts with,
// counting nested groups; escaped braces (\{ \}) do not count.
func braced(s string) (string, bool) {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++ // skip the escaped character
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return s[1:i], true
			}
		}
	}
	return "", false
}
