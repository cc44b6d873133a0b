package eval

import "testing"

// A temperature is taken as given, 0 included: only DefaultOptions brings
// DefaultTemperature. Greedy always decodes at 0.
func TestTemperatureAsGiven(t *testing.T) {
	base := Options{Model: "m", Completer: nil, Prompt: plainPrompt, Sources: []Source{{Name: "t"}}, OutDir: "out"}
	tests := []struct {
		name string
		set  func(*Options)
		want float64
	}{
		{"maj at 0", func(o *Options) { o.Mode, o.Samples, o.Temperature = Majority, 4, 0 }, 0},
		{"maj at 1.1", func(o *Options) { o.Mode, o.Samples, o.Temperature = Majority, 4, 1.1 }, 1.1},
		{"maj from the defaults", func(o *Options) {
			d := DefaultOptions()
			o.Mode, o.Samples, o.Temperature = Majority, 4, d.Temperature
		}, DefaultTemperature},
		{"greedy ignores it", func(o *Options) { o.Temperature = 0.9 }, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := base
			o.Completer = &fakeModel{}
			tt.set(&o)
			got, err := o.withDefaults()
			if err != nil {
				t.Fatal(err)
			}
			if got.Temperature != tt.want {
				t.Errorf("temperature %g, want %g", got.Temperature, tt.want)
			}
		})
	}
}
