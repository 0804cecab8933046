"""An independent verifier of Sổ Vàng sync bundles, written only from docs/bundle-format.md.

Usage: verify_bundle.py BUNDLE CARD.json
Checks the entry names, that the manifest is signed by the card's key (Ed25519, with the
`cryptography` library), that the manifest's fingerprint is the card's, and every listed
entry's size and SHA-256. Prints a summary and exits 0 if the bundle is whole, 1 if not.
"""

import hashlib
import json
import re
import stat
import sys
import zipfile

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

KINDS = {"unit", "campaign", "target", "person", "project", "update", "entry", "nomination",
         "committee", "transition", "score", "decision", "attachment", "erasure"}
# An erasure line's fields (docs/bundle-format.md, "Erasures"): ids, never content.
ERASURE_FIELDS = {"id", "kind", "unit", "erased_at", "erased_by", "version"}
ERASABLE = {"person", "entry", "nomination", "transition", "score", "decision", "attachment"}


def fingerprint(public_key: bytes, unit: str) -> str:
    digest = hashlib.sha256(public_key + unit.encode("utf-8")).digest()
    groups = [int.from_bytes(digest[i:i + 4], "big") % 100_000 for i in range(0, 32, 4)]
    return "-".join(f"{g:05d}" for g in groups)


def allowed(name: str) -> bool:
    if name in ("manifest.json", "manifest.sig"):
        return True
    m = re.fullmatch(r"records/([a-z]+)\.ndjson", name)
    if m:
        return m.group(1) in KINDS
    return re.fullmatch(r"attachments/[0-9a-f]{64}", name) is not None


def verify(path: str, card_path: str) -> list:
    problems = []
    with open(card_path, encoding="utf-8") as f:
        card = json.load(f)
    key_bytes = bytes.fromhex(card["public_key"])
    if fingerprint(key_bytes, card["unit"]) != card["fingerprint"]:
        problems.append("the card's fingerprint is not its key's and unit's")
    with zipfile.ZipFile(path) as z:
        names = [i.filename for i in z.infolist()]
        if len(names) != len(set(names)):
            problems.append("duplicate entry names")
        for info in z.infolist():
            mode = info.external_attr >> 16
            if not allowed(info.filename) or stat.S_ISLNK(mode) or info.is_dir():
                problems.append(f"entry not allowed: {info.filename}")
        manifest_bytes = z.read("manifest.json")
        signature = z.read("manifest.sig")
        try:
            Ed25519PublicKey.from_public_bytes(key_bytes).verify(signature, manifest_bytes)
        except InvalidSignature:
            return problems + ["bad signature"]
        manifest = json.loads(manifest_bytes)
        if manifest["format"] != "sovang-bundle" or manifest["format_version"] not in (1, 2, 3, 4):
            problems.append("unknown format")
        if ("erasure" in manifest["counts"]) != (manifest["format_version"] == 4):
            problems.append("erasures travel in format 4, and only they make a bundle format 4")
        if manifest["origin"]["fingerprint"] != card["fingerprint"]:
            problems.append("the manifest names another key")
        if manifest["origin"]["public_key"] != card["public_key"]:
            problems.append("the manifest carries another key")
        listed = {e["name"] for e in manifest["entries"]}
        others = set(names) - {"manifest.json", "manifest.sig"}
        if listed != others:
            problems.append(f"entries listed {sorted(listed)} but present {sorted(others)}")
        for e in manifest["entries"]:
            if e["name"] not in others:
                continue
            h = hashlib.sha256()
            size = 0
            with z.open(e["name"]) as r:
                while chunk := r.read(1 << 16):
                    h.update(chunk)
                    size += len(chunk)
            if h.hexdigest() != e["sha256"] or size != e["size"]:
                problems.append(f"hash or size differs: {e['name']}")
            if e["name"].startswith("attachments/") and h.hexdigest() != e["name"].split("/")[1]:
                problems.append(f"attachment not named by its hash: {e['name']}")
        lines = 0
        for e in manifest["entries"]:
            if e["name"].startswith("records/"):
                for line in z.read(e["name"]).decode("utf-8").splitlines():
                    if line.strip():
                        rec = json.loads(line)
                        lines += 1
                        if e["name"] == "records/erasure.ndjson":
                            fields = set(rec) - {"record_id"}
                            if fields != ERASURE_FIELDS or rec["kind"] not in ERASABLE:
                                problems.append(f"an erasure line out of the documented form: {sorted(rec)}")
        if lines != sum(manifest["counts"].values()):
            problems.append(f"{lines} records but counts say {sum(manifest['counts'].values())}")
        print(f"{path}: {len(manifest['entries'])} entries, {lines} records, "
              f"origin {manifest['origin']['unit']} ({manifest['origin']['unit_name']})")
    return problems


def main() -> int:
    problems = verify(sys.argv[1], sys.argv[2])
    for p in problems:
        print("PROBLEM:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
