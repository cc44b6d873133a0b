package task

import (
	"archive/zip"
	"os"
	"testing"
)

func writeZip(t *testing.T, path string, files map[string]string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for name, body := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestCanonNumber(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"18", "18", true},
		{" 1,234 ", "1234", true},
		{"1,234,567.50", "1234567.5", true},
		{"51.0", "51", true},
		{"-4.50", "-4.5", true},
		{"+3", "3", true},
		{"0.000", "0", true},
		{"-0.0", "0", true},
		{"5/2", "5/2", true},
		{"1.4300000000000002", "1.4300000000000002", true},
		{"1e3", "1e3", true},
		{"12,34", "", false},
		{"June", "", false},
		{"3:4", "", false},
		{"0x10", "", false},
		{"Inf", "", false},
		{"1.5/2", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := canonNumber(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("canonNumber(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestLastBoxed(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{`so $\boxed{5}$.`, "5"},
		{`\boxed{1} then \boxed{\frac{1}{2}}`, `\frac{1}{2}`},
		{`\boxed{\left( 3, \frac{\pi}{2} \right)}.`, `\left( 3, \frac{\pi}{2} \right)`},
		{`answer \fbox{x^2}`, "x^2"},
		{`$\boxed 7$`, "7"},
		{`no box`, ""},
		{`\boxed{unclosed`, ""},
	}
	for _, tt := range tests {
		if got := lastBoxed(tt.in); got != tt.want {
			t.Errorf("lastBoxed(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestLetterLabel(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"A": "A", "e": "E", "1": "A", "4": "D", " C ": "C"} {
		if got, ok := letterLabel(in); !ok || got != want {
			t.Errorf("letterLabel(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "0", "AB", "(A)"} {
		if got, ok := letterLabel(in); ok {
			t.Errorf("letterLabel(%q) = %q, want not ok", in, got)
		}
	}
}
