// Package deploy_test checks the cluster recipes of docs/SCALING.md: the
// Kubernetes manifests decode strictly into the Kubernetes API types and
// agree with each other and with regenesis' own flags; the Slurm scripts
// pass bash -n and shellcheck, and run end to end with stand-ins for
// Slurm and vLLM (the simulated server), their merged output equal to an
// unsharded run's.
package deploy_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/regenesis-ai/regenesis/internal/cli"
	"github.com/regenesis-ai/regenesis/internal/llm"
)

// objects are the decoded manifests of deploy/k8s, by kind and name.
type objects struct {
	jobs         map[string]*batchv1.Job
	configMaps   map[string]*corev1.ConfigMap
	claims       map[string]*corev1.PersistentVolumeClaim
	statefulSets map[string]*appsv1.StatefulSet
	services     map[string]*corev1.Service
}

// decodeStrict decodes one YAML document into v, failing on any field the
// Kubernetes type does not have.
func decodeStrict(doc []byte, v any) error {
	j, err := yaml.YAMLToJSON(doc)
	if err != nil {
		return err
	}
	d := json.NewDecoder(bytes.NewReader(j))
	d.DisallowUnknownFields()
	return d.Decode(v)
}

func loadManifests(t *testing.T) objects {
	t.Helper()
	o := objects{
		jobs: map[string]*batchv1.Job{}, configMaps: map[string]*corev1.ConfigMap{},
		claims: map[string]*corev1.PersistentVolumeClaim{}, statefulSets: map[string]*appsv1.StatefulSet{},
		services: map[string]*corev1.Service{},
	}
	files, err := filepath.Glob("k8s/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in k8s/: %v", err)
	}
	sep := regexp.MustCompile(`(?m)^---\s*$`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range sep.Split(string(b), -1) {
			if strings.TrimSpace(doc) == "" {
				continue
			}
			var head struct {
				APIVersion string `json:"apiVersion"`
				Kind       string `json:"kind"`
			}
			if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
				t.Fatalf("%s document %d: %v", f, i+1, err)
			}
			where := fmt.Sprintf("%s document %d (%s)", f, i+1, head.Kind)
			var obj interface{ GetName() string }
			switch head.APIVersion + " " + head.Kind {
			case "batch/v1 Job":
				obj = &batchv1.Job{}
			case "v1 ConfigMap":
				obj = &corev1.ConfigMap{}
			case "v1 PersistentVolumeClaim":
				obj = &corev1.PersistentVolumeClaim{}
			case "apps/v1 StatefulSet":
				obj = &appsv1.StatefulSet{}
			case "v1 Service":
				obj = &corev1.Service{}
			default:
				t.Fatalf("%s: no check for %s %s", where, head.APIVersion, head.Kind)
			}
			if err := decodeStrict([]byte(doc), obj); err != nil {
				t.Fatalf("%s: %v", where, err)
			}
			if obj.GetName() == "" {
				t.Errorf("%s: metadata.name is empty", where)
			}
			switch x := obj.(type) {
			case *batchv1.Job:
				o.jobs[x.Name] = x
			case *corev1.ConfigMap:
				o.configMaps[x.Name] = x
			case *corev1.PersistentVolumeClaim:
				o.claims[x.Name] = x
			case *appsv1.StatefulSet:
				o.statefulSets[x.Name] = x
			case *corev1.Service:
				o.services[x.Name] = x
			}
		}
	}
	return o
}

// checkPod checks what the API server would refuse or what would leave a
// pod pending for ever: containers with images, volume mounts with
// volumes, claims and config maps that the manifests define.
func checkPod(t *testing.T, o objects, where string, spec corev1.PodSpec) {
	t.Helper()
	if len(spec.Containers) == 0 {
		t.Errorf("%s: no containers", where)
	}
	volumes := map[string]corev1.Volume{}
	for _, v := range spec.Volumes {
		volumes[v.Name] = v
		switch {
		case v.PersistentVolumeClaim != nil:
			if o.claims[v.PersistentVolumeClaim.ClaimName] == nil {
				t.Errorf("%s: volume %s claims %q, which no manifest defines", where, v.Name, v.PersistentVolumeClaim.ClaimName)
			}
		case v.ConfigMap != nil:
			if o.configMaps[v.ConfigMap.Name] == nil {
				t.Errorf("%s: volume %s uses config map %q, which no manifest defines", where, v.Name, v.ConfigMap.Name)
			}
		}
	}
	for _, c := range spec.Containers {
		if c.Image == "" || c.Name == "" {
			t.Errorf("%s: container %q has no image or name", where, c.Name)
		}
		for _, m := range c.VolumeMounts {
			if _, ok := volumes[m.Name]; !ok {
				t.Errorf("%s: container %s mounts %q, which is not a volume of the pod", where, c.Name, m.Name)
			}
			if m.SubPath != "" {
				t.Errorf("%s: %s mounted with subPath: config map updates would not reach the pod", where, m.Name)
			}
		}
	}
}

// checkRegenesisArgs parses a container's arguments with regenesis' own
// command tree: the subcommand and every flag must exist.
func checkRegenesisArgs(t *testing.T, where string, args []string) {
	t.Helper()
	root := cli.NewRoot()
	cmd, rest, err := root.Find(args)
	if err != nil || cmd == root {
		t.Fatalf("%s: %v is not a regenesis command: %v", where, args, err)
	}
	if err := cmd.ParseFlags(rest); err != nil {
		t.Errorf("%s: regenesis %s rejects its arguments: %v", where, cmd.Name(), err)
	}
}

func flagValue(args []string, name string) string {
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, "--"+name+"="); ok {
			return v
		}
	}
	return ""
}

func TestKubernetesManifests(t *testing.T) {
	o := loadManifests(t)
	synth := o.jobs["regenesis-synth-gsm8k"]
	merge := o.jobs["regenesis-merge-synth-gsm8k"]
	if synth == nil || merge == nil {
		t.Fatalf("want the shard and merge jobs, have %v", slices.Sorted(maps.Keys(o.jobs)))
	}
	for name, j := range o.jobs {
		checkPod(t, o, "job "+name, j.Spec.Template.Spec)
		if p := j.Spec.Template.Spec.RestartPolicy; p != corev1.RestartPolicyNever && p != corev1.RestartPolicyOnFailure {
			t.Errorf("job %s: restartPolicy %q: a Job's pods need Never or OnFailure", name, p)
		}
		checkRegenesisArgs(t, "job "+name, j.Spec.Template.Spec.Containers[0].Args)
	}
	for name, s := range o.statefulSets {
		checkPod(t, o, "statefulset "+name, s.Spec.Template.Spec)
		if o.services[s.Spec.ServiceName] == nil {
			t.Errorf("statefulset %s: service %q is not defined", name, s.Spec.ServiceName)
		}
	}

	// The Indexed Job: one shard per index, the index from the environment.
	spec := synth.Spec
	if spec.CompletionMode == nil || *spec.CompletionMode != batchv1.IndexedCompletion {
		t.Fatalf("shard job: completionMode is not Indexed")
	}
	if spec.Completions == nil || spec.Parallelism == nil || *spec.Completions != *spec.Parallelism {
		t.Errorf("shard job: completions and parallelism should be equal (one pod per shard at once)")
	}
	n := int(*spec.Completions)
	if spec.PodFailurePolicy != nil && spec.Template.Spec.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("shard job: podFailurePolicy needs restartPolicy Never")
	}
	if spec.BackoffLimitPerIndex == nil {
		t.Errorf("shard job: no backoffLimitPerIndex: a shard that fails for good would stop the others")
	}
	c := spec.Template.Spec.Containers[0]
	if got, want := flagValue(c.Args, "shard"), "JOB_COMPLETION_INDEX/"+strconv.Itoa(n); got != want {
		t.Errorf("shard job: --shard=%s, want %s (completions %d)", got, want, n)
	}
	outDir := flagValue(c.Args, "out")
	if !strings.HasSuffix(outDir, "/shard-$(JOB_COMPLETION_INDEX)") {
		t.Errorf("shard job: --out=%s does not end in /shard-$(JOB_COMPLETION_INDEX)", outDir)
	}
	var index *corev1.EnvVar
	for i, e := range c.Env {
		if e.Name == "JOB_COMPLETION_INDEX" {
			index = &c.Env[i]
		}
	}
	if index == nil || index.ValueFrom == nil || index.ValueFrom.FieldRef == nil ||
		index.ValueFrom.FieldRef.FieldPath != "metadata.annotations['batch.kubernetes.io/job-completion-index']" {
		t.Errorf("shard job: JOB_COMPLETION_INDEX is not defined from the completion-index annotation (needed for $(JOB_COMPLETION_INDEX) in args)")
	}

	// The merge job lists every shard's directory, and only those.
	var want []string
	for i := range n {
		want = append(want, strings.Replace(outDir, "$(JOB_COMPLETION_INDEX)", strconv.Itoa(i), 1))
	}
	margs := merge.Spec.Template.Spec.Containers[0].Args
	var dirs []string
	for _, a := range margs[1:] {
		if !strings.HasPrefix(a, "--") {
			dirs = append(dirs, a)
		}
	}
	if margs[0] != "merge" || !slices.Equal(dirs, want) {
		t.Errorf("merge job merges %v, want %v", dirs, want)
	}

	// The endpoints file is what regenesis reads, and lists the replicas.
	ep := flagValue(c.Args, "endpoints")
	cm := o.configMaps["regenesis-endpoints"]
	if cm == nil || ep != "/etc/regenesis/"+"endpoints.txt" || cm.Data["endpoints.txt"] == "" {
		t.Fatalf("shard job reads --endpoints=%s; the config map should hold endpoints.txt", ep)
	}
	file := filepath.Join(t.TempDir(), "endpoints.txt")
	if err := os.WriteFile(file, []byte(cm.Data["endpoints.txt"]), 0o644); err != nil {
		t.Fatal(err)
	}
	urls, err := llm.ReadEndpointsFile(file)
	if err != nil {
		t.Fatalf("config map endpoints.txt: %v", err)
	}
	vllm := o.statefulSets["vllm"]
	if vllm == nil || vllm.Spec.Replicas == nil || len(urls) != int(*vllm.Spec.Replicas) {
		t.Fatalf("endpoints.txt lists %d servers; the vllm StatefulSet should have as many replicas", len(urls))
	}
	for i, u := range urls {
		if want := fmt.Sprintf("http://vllm-%d.%s:8000/v1", i, vllm.Spec.ServiceName); u != want {
			t.Errorf("endpoints.txt line for replica %d = %s, want %s", i, u, want)
		}
	}
	served := ""
	for _, a := range vllm.Spec.Template.Spec.Containers[0].Args {
		if v, ok := strings.CutPrefix(a, "--served-model-name="); ok {
			served = v
		}
	}
	if m := flagValue(c.Args, "model"); m != served {
		t.Errorf("shard job asks for model %q; vLLM serves %q", m, served)
	}
}

func TestSlurmScriptsLint(t *testing.T) {
	scripts, _ := filepath.Glob("slurm/*")
	if len(scripts) == 0 {
		t.Fatal("no Slurm scripts")
	}
	for _, s := range scripts {
		if out, err := exec.Command("bash", "-n", s).CombinedOutput(); err != nil {
			t.Errorf("bash -n %s: %v\n%s", s, err, out)
		}
	}
	sc, err := exec.LookPath("shellcheck")
	if err != nil {
		t.Skip("shellcheck is not installed (apt-get install shellcheck)")
	}
	if out, err := exec.Command(sc, append([]string{"-x"}, scripts...)...).CombinedOutput(); err != nil {
		t.Errorf("shellcheck: %v\n%s", err, out)
	}
}

// freePorts returns a port p such that p and p+1 are free.
func freePorts(t *testing.T) int {
	t.Helper()
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		p := l.Addr().(*net.TCPAddr).Port
		l2, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p+1))
		l.Close()
		if err == nil {
			l2.Close()
			return p
		}
	}
	t.Fatal("no two free ports in a row")
	return 0
}

// TestSlurmScriptsRun runs shard.sbatch as the 4 tasks of an array, with
// the simulated server standing in for vLLM (two "GPUs" per node, so two
// servers per task, found through the endpoints file the script writes),
// then merge.sbatch, and checks the merged synthesis equals an unsharded
// run's; and submit.sh against a stand-in sbatch, for the dependency.
func TestSlurmScriptsRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds regenesis and runs the scripts")
	}
	data, err := filepath.Abs("../../shared/data")
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "regenesis")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/regenesis").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	// vLLM's stand-in: "vllm serve MODEL --served-model-name NAME --host H --port P ..."
	vllm := filepath.Join(tmp, "vllm")
	stub := fmt.Sprintf(`#!/bin/bash
shift # serve
name=""; port=""
while [[ $# -gt 0 ]]; do
	case "$1" in
	--served-model-name) name=$2; shift ;;
	--port) port=$2; shift ;;
	esac
	shift
done
exec %q simulate-server --task gsm8k --split train --data-dir %q --no-download --seed 7 --model "$name" --addr "127.0.0.1:$port"
`, bin, data)
	if err := os.WriteFile(vllm, []byte(stub), 0o755); err != nil {
		t.Fatal(err)
	}
	const shards, questions = 4, 8
	runDir := filepath.Join(tmp, "runs", "42")
	synth := []string{"synthesize", "--task", "gsm8k", "--split", "train", "--limit", strconv.Itoa(questions),
		"--model", "mistral-7b", "--data-dir", data, "--no-download", "--seed", "3", "--server-concurrency", "8"}
	env := append(os.Environ(), "REGENESIS="+bin, "VLLM="+vllm+" serve", "RUN_DIR="+runDir, "POLL=0.1",
		"SLURM_ARRAY_JOB_ID=42", "SLURM_ARRAY_TASK_COUNT="+strconv.Itoa(shards), "SLURM_GPUS_ON_NODE=2")
	for i := range shards {
		cmd := exec.Command("bash", append([]string{"slurm/shard.sbatch"}, synth...)...)
		cmd.Env = append(slices.Clone(env), "SLURM_ARRAY_TASK_ID="+strconv.Itoa(i), "BASE_PORT="+strconv.Itoa(freePorts(t)))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("shard task %d: %v\n%s", i, err, out)
		}
		urls, err := llm.ReadEndpointsFile(filepath.Join(runDir, "shard-"+strconv.Itoa(i), "endpoints.txt"))
		if err != nil || len(urls) != 2 {
			t.Errorf("shard task %d: endpoints file %v, %v; want its 2 local servers", i, urls, err)
		}
	}
	merge := exec.Command("bash", "slurm/merge.sbatch")
	merge.Env = append(slices.Clone(env), "SHARDS="+strconv.Itoa(shards))
	if out, err := merge.CombinedOutput(); err != nil {
		t.Fatalf("merge.sbatch: %v\n%s", err, out)
	}

	// The same synthesis, unsharded, against one stand-in server.
	port := freePorts(t)
	srv := exec.Command(vllm, "serve", "m", "--served-model-name", "mistral-7b", "--port", strconv.Itoa(port))
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = srv.Process.Kill(); _ = srv.Wait() }()
	whole := filepath.Join(tmp, "whole")
	args := append(slices.Clone(synth), "--base-url", fmt.Sprintf("http://127.0.0.1:%d/v1", port), "--out", whole)
	var out []byte
	for try := 0; ; try++ { // until the stand-in listens
		if out, err = exec.Command(bin, args...).CombinedOutput(); err == nil || try == 50 {
			break
		}
		exec.Command("sleep", "0.1").Run()
	}
	if err != nil {
		t.Fatalf("unsharded run: %v\n%s", err, out)
	}
	for _, name := range []string{"sft.jsonl", "candidates.jsonl", "synth-index.jsonl"} {
		a, err1 := os.ReadFile(filepath.Join(whole, name))
		b, err2 := os.ReadFile(filepath.Join(runDir, "merged", name))
		if err1 != nil || err2 != nil || !bytes.Equal(a, b) || len(a) == 0 {
			t.Errorf("%s of the Slurm run's merge differs from the unsharded run's (%v, %v)", name, err1, err2)
		}
	}

	// submit.sh: the array, then the merge after it.
	sbatch := filepath.Join(tmp, "sbatch")
	log := filepath.Join(tmp, "sbatch.log")
	if err := os.WriteFile(sbatch, []byte(fmt.Sprintf("#!/bin/bash\necho \"$*\" >> %q\necho $((100 + $(wc -l < %q)))\n", log, log)), 0o755); err != nil {
		t.Fatal(err)
	}
	submit := exec.Command("bash", "slurm/submit.sh", "eval", "--suite", "all", "--model", "m")
	submit.Env = append(os.Environ(), "SBATCH="+sbatch, "SHARDS=3", "RUN_DIR="+filepath.Join(tmp, "sub"), "SBATCH_ARGS=--partition=gpu")
	if out, err := submit.CombinedOutput(); err != nil || !strings.Contains(string(out), "shards: job 101 (array 0-2), merge: job 102") {
		t.Fatalf("submit.sh: %v\n%s", err, out)
	}
	calls, _ := os.ReadFile(log)
	lines := strings.Split(strings.TrimSpace(string(calls)), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "--partition=gpu --array=0-2") || !strings.HasSuffix(lines[0], "shard.sbatch eval --suite all --model m") ||
		!strings.Contains(lines[1], "--dependency=afterok:101") || !strings.HasSuffix(lines[1], "merge.sbatch") {
		t.Errorf("submit.sh ran sbatch as:\n%s", calls)
	}
}
