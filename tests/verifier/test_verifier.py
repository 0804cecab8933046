"""Runs the independent verifier (verify_bundle.py) against bundles the real `sovang` binary
makes: a whole one passes, and a changed record, a changed manifest, or another unit's key
fails. Usage: test_verifier.py PATH/TO/sovang"""

import json
import os
import shutil
import sys
import tempfile
import zipfile

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from verify_bundle import verify  # noqa: E402
from sovang_cli import run  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def rezip(src, dst, change):
    """Copies a zip, passing each entry's bytes through change(name, bytes)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, change(info.filename, zin.read(info.filename)))


def main():
    tmp = tempfile.mkdtemp(prefix="sovang-verifier-")
    try:
        ward, other = os.path.join(tmp, "ward"), os.path.join(tmp, "other")
        run(ward, "init", "--unit", "00070")
        run(other, "init", "--unit", "00004")
        p = run(ward, "put", "person", "--file", "-",
                stdin=json.dumps({"full_name": "Nguyễn Thị Minh Anh", "unit": "00070"}))
        run(ward, "put", "entry", "--file", "-", stdin=json.dumps({
            "unit": "00070", "title": "Dọn rác bờ hồ", "deed_date": "2025-05-19",
            "person_id": p["id"], "recorded_by": "Lê Văn Ghi", "values": ["trach_nhiem"]}))
        photo = os.path.join(tmp, "anh.png")
        with open(photo, "wb") as f:
            f.write(PNG)
        run(ward, "attach", "person", p["id"], photo)
        bundle = os.path.join(tmp, "ward.sovang")
        run(ward, "export", "--out", bundle, "--to", "01")
        card, other_card = os.path.join(tmp, "card.json"), os.path.join(tmp, "other.json")
        run(ward, "identity", "export", "--out", card)
        run(other, "identity", "export", "--out", other_card)

        problems = verify(bundle, card)
        assert problems == [], f"a bundle the app made must verify: {problems}"
        with zipfile.ZipFile(bundle) as z:
            assert any(n.startswith("attachments/") for n in z.namelist()), "the photo travels"

        changed = os.path.join(tmp, "changed-record.sovang")
        rezip(bundle, changed, lambda n, b: b.replace("Minh Anh".encode(), "Minh Ánh".encode())
              if n == "records/person.ndjson" else b)
        assert any("hash" in p for p in verify(changed, card)), "a changed record must be caught"

        forged = os.path.join(tmp, "changed-manifest.sovang")
        rezip(bundle, forged, lambda n, b: b.replace(b'"full": false', b'"full": true')
              if n == "manifest.json" else b)
        assert verify(forged, card) == ["bad signature"], "a changed manifest must be caught"
        assert verify(bundle, other_card) == ["bad signature"], "another unit's key must not verify"

        # An erasure: the next bundle carries its markers, in format 4, and verifies too.
        run(ward, "delete", "person", p["id"])
        run(ward, "purge", "person", p["id"], "--yes")
        erased = os.path.join(tmp, "erased.sovang")
        run(ward, "export", "--out", erased, "--to", "01")
        problems = verify(erased, card)
        assert problems == [], f"a bundle with erasures must verify: {problems}"
        with zipfile.ZipFile(erased) as z:
            m = json.loads(z.read("manifest.json"))
            assert m["format_version"] == 4 and m["counts"]["erasure"] == 3, m["counts"]
            text = z.read("records/erasure.ndjson").decode("utf-8")
            assert "Minh Anh" not in text and "Dọn rác" not in text, "markers carry no content"
        print("verifier: ok (whole bundle verified; changed record, changed manifest, wrong key refused; erasures in format 4)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
