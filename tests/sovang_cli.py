"""The real `sovang` binary (the path given as the check's first argument), run with `--json`:
what the black-box checks in tests/verifier and tests/reports drive."""

import json
import os
import subprocess
import sys

SOVANG = os.path.abspath(sys.argv[1])


def run(data, *args, stdin=None):
    out = subprocess.run([SOVANG, "--data-dir", data, "--json", *args], input=stdin,
                         capture_output=True, text=True, check=False)
    assert out.returncode == 0, f"sovang {' '.join(args)} failed: {out.stderr}"
    return json.loads(out.stdout) if out.stdout.strip() else None


def put(data, kind, body):
    return run(data, "put", kind, "--file", "-", stdin=json.dumps(body))
