package task

import (
	"context"
	"strings"
	"testing"

	"github.com/regenesis-ai/regenesis/internal/answer"
)

func TestReferenceVariants(t *testing.T) {
	t.Parallel()
	r := NewRegistry(dataDir(t))
	ctx := context.Background()
	count := func(name, split string) (int, []Example) {
		t.Helper()
		tk, err := r.Get(name)
		if err != nil {
			t.Fatal(err)
		}
		var exs []Example
		for ex, err := range tk.Examples(ctx, split) {
			if err != nil {
				t.Fatalf("%s/%s: %v", name, split, err)
			}
			exs = append(exs, ex)
		}
		return len(exs), exs
	}

	t.Run("strategyqa facts", func(t *testing.T) {
		n, exs := count(StrategyQAFacts, "train")
		plainN, plain := count("strategyqa", "train")
		if n != 2061 || plainN != n {
			t.Fatalf("counts %d, %d; want 2061 each", n, plainN)
		}
		want := "Facts:\n- Julius Caesar had three children.\n- Genghis Khan had sixteen children.\n" +
			"- Modern geneticists have determined that out of every 200 men today has DNA that can be traced to Genghis Khan.\n\n" +
			"Question: Are more people today related to Genghis Khan than Julius Caesar?"
		if exs[0].Question != want {
			t.Errorf("question:\n%s\nwant:\n%s", exs[0].Question, want)
		}
		if exs[0].Task != StrategyQAFacts || exs[0].Answer != plain[0].Answer || exs[0].ID != plain[0].ID {
			t.Errorf("first example %+v vs plain %+v", exs[0], plain[0])
		}
	})
	t.Run("arc train+dev", func(t *testing.T) {
		n, exs := count(ARCTrainDev, "train")
		if n != 1119+299 {
			t.Fatalf("train+dev has %d questions, want %d", n, 1119+299)
		}
		_, dev := count("arc_challenge", "dev")
		if exs[1119].ID != dev[0].ID {
			t.Errorf("question 1120 is %s, want dev's first %s", exs[1119].ID, dev[0].ID)
		}
		if n, _ := count(ARCTrainDev, "test"); n != 1172 {
			t.Errorf("test has %d", n)
		}
	})
	t.Run("numglue four types", func(t *testing.T) {
		_, all := count("numglue", "sample")
		n, exs := count(NumGLUEReference, "sample")
		want := 0
		for _, ex := range all {
			switch {
			case strings.HasPrefix(ex.ID, "Type_1"), strings.HasPrefix(ex.ID, "Type_2"), strings.HasPrefix(ex.ID, "Type_8"):
				want++
			case strings.HasPrefix(ex.ID, "Type_5") && ex.Spec.Type == answer.Number:
				want++
			}
		}
		if n != want || n == 0 || n >= len(all) {
			t.Fatalf("kept %d of %d, want %d", n, len(all), want)
		}
		for _, ex := range exs {
			if strings.HasPrefix(ex.ID, "Type_5") && ex.Spec.Type != answer.Number {
				t.Fatalf("type 5 with a non-number answer kept: %+v", ex)
			}
			for _, bad := range []string{"Type_3", "Type_4", "Type_6", "Type_7"} {
				if strings.HasPrefix(ex.ID, bad) {
					t.Fatalf("%s kept: %s", bad, ex.ID)
				}
			}
		}
	})
	for name, want := range map[string]string{"strategyqa": StrategyQAFacts, "arc_challenge": ARCTrainDev, "numglue": NumGLUEReference, "gsm8k": "gsm8k", "reclor": "reclor"} {
		if got := ReferenceVariant(name); got != want {
			t.Errorf("ReferenceVariant(%s) = %s, want %s", name, got, want)
		}
	}
	got, err := r.Suite(SuiteBBHReference)
	if err != nil || len(got) != 6 || got[0] != "bbh.tracking_shuffled_objects_three_objects" || got[5] != "bbh.logical_deduction_seven_objects" {
		t.Errorf("bbh-reference: %v %v", got, err)
	}
	for _, name := range got {
		if _, err := r.Get(name); err != nil {
			t.Error(err)
		}
	}
}
