"""What both report checks start from: the real `sovang` binary (argv[1]) on a fresh city
installation whose own key chairs a one-member committee for 2026."""

import json
import os
import subprocess
import sys

SOVANG = os.path.abspath(sys.argv[1])
CAMPAIGN = "01856685-0800-7000-8000-000020232027"
CRITERIA = ["ban_linh", "tri_thuc", "ung_xu", "tuan_thu", "suc_khoe", "ky_nang"]


def run(data, *args, stdin=None):
    out = subprocess.run([SOVANG, "--data-dir", data, "--json", *args], input=stdin,
                         capture_output=True, text=True, check=False)
    assert out.returncode == 0, f"sovang {' '.join(args)} failed: {out.stderr}"
    return json.loads(out.stdout) if out.stdout.strip() else None


def put(data, kind, body):
    return run(data, "put", kind, "--file", "-", stdin=json.dumps(body))


def city_with_committee(tmp):
    """A city installation in `tmp`, and the id of its committee (chaired by its own key)."""
    city = os.path.join(tmp, "city")
    run(city, "init", "--unit", "01")
    key = run(city, "identity", "show")["fingerprint"]
    committee = put(city, "committee", {
        "name": "Hội đồng xét chọn Thành phố 2026", "unit": "01", "campaign_id": CAMPAIGN,
        "year": 2026, "quorum": 1,
        "members": [{"id": "ct", "name": "Nguyễn Văn Chủ", "role": "chair", "fingerprint": key}],
    })["id"]
    return city, committee


def points(n):
    """Every criterion scored `n`, as `review score --points` takes them."""
    return ",".join(f"{c}={n}" for c in CRITERIA)
