# sha256 of every output file with wall-clock fields masked (JSON keys that
# hold times or durations; ISO timestamps in text). store.db is hashed by its
# rows without the created_at/updated_at columns.
import hashlib, json, os, re, sys
VOL = {"wall_seconds", "updated", "started_at", "finished_at", "created_at", "generated_at", "elapsed_seconds", "duration_seconds"}
WALL = re.compile(rb'wall time \(s\)</td>(\s*<td>[^<]*</td>)*')
ISO = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")
def scrub(o):
    if isinstance(o, dict):
        return {k: ("<t>" if k in VOL else scrub(v)) for k, v in o.items()}
    if isinstance(o, list):
        return [scrub(v) for v in o]
    return o
root = sys.argv[1]
# The run's own directory and port appear in recorded command lines: mask them
# so that runs in different places compare.
OUTDIR = os.path.abspath(root).encode()
PARENT = os.path.dirname(os.path.abspath(root)).encode()
PORT = os.environ.get("PORT", "").encode()
def mask(b):
    b = b.replace(OUTDIR, b"<out>").replace(PARENT, b"<root>")
    if PORT:
        b = b.replace(b":" + PORT, b":<port>")
    return b
for dp, dn, fn in os.walk(root):
    dn.sort()
    for f in sorted(fn):
        p = os.path.join(dp, f)
        if f.endswith(".lock"): continue
        if f.endswith(("-wal", "-shm")): continue
        if f == "store.db":
            import subprocess
            q = "select hex(hash), body from requests order by hash; select hex(key), hex(request_hash), sample_index, text, finish_reason, prompt_tokens, completion_tokens, hex(checksum) from samples order by key; select key, hex(value) from meta order by key;"
            b = mask(subprocess.run(["sqlite3", p, q], capture_output=True, check=True).stdout)
            print(hashlib.sha256(b).hexdigest(), p + " (rows, no times)"); continue
        b = open(p, "rb").read()
        if f.endswith(".json"):
            try: b = json.dumps(scrub(json.loads(b)), sort_keys=False).encode()
            except Exception: pass
        if f.endswith(".html"):
            b = WALL.sub(b"wall", b)
        b = mask(ISO.sub(b"<t>", b))
        print(hashlib.sha256(b).hexdigest(), p)
