"""What both report checks start from: the real `sovang` binary (argv[1]) on a fresh city
installation whose own key chairs a one-member committee for 2026."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from sovang_cli import put, run  # noqa: E402,F401  (the report checks take them from here)

CAMPAIGN = "01856685-0800-7000-8000-000020232027"
CRITERIA = ["ban_linh", "tri_thuc", "ung_xu", "tuan_thu", "suc_khoe", "ky_nang"]


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
