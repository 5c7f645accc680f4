"""Place corpus documents in dev/ or test/ by the fixed, stratified rule, once each.

Usage: python tests/data/verify/corpus/split.py add DOCUMENT-ID   (the document is in dev/ or test/)
       python tests/data/verify/corpus/split.py check

The rule: a document's stratum is (topic, whether it holds a wrong step). Documents are split in
the order they were added (`split.json` records it). Within a stratum, the k-th document goes to
position k mod 3 of an arrangement of (dev, dev, test) drawn once per stratum by
random.Random(f"{SEED}:{topic}:{has_wrong}"). Every stratum therefore holds about two thirds dev
and one third test, and a document never moves once added (later documents do not reshuffle the
earlier ones, so the dev split can be studied while the corpus grows).
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "split.json"
SEED = 20261208
PATTERN = ("dev", "dev", "test")

sys.path.insert(0, str(HERE))
from check_labels import read_header  # noqa: E402


def arrangement(topic: str, has_wrong: bool) -> list[str]:
    order = list(PATTERN)
    random.Random(f"{SEED}:{topic}:{has_wrong}").shuffle(order)
    return order


def assign(manifest: list[dict]) -> dict[str, str]:
    """document id -> split, for the documents of the manifest in their order."""
    seen: dict[tuple, int] = {}
    out = {}
    for entry in manifest:
        key = (entry["topic"], entry["has_wrong"])
        k = seen.get(key, 0)
        seen[key] = k + 1
        out[entry["id"]] = arrangement(*key)[k % len(PATTERN)]
    return out


def stratum_of(doc_id: str) -> tuple[str, bool, Path]:
    for part in ("dev", "test"):
        md = HERE / part / f"{doc_id}.md"
        if md.exists():
            header = read_header(md.read_text(encoding="utf-8"))
            labels = json.loads(md.with_suffix(".labels.json").read_text(encoding="utf-8"))
            wrong = any(s["label"] == "wrong" for s in labels["steps"])
            return header["topic"], wrong, md
    raise SystemExit(f"split.py: no document {doc_id!r} in dev/ or test/")


def load() -> list[dict]:
    return json.loads(MANIFEST.read_text(encoding="utf-8")) if MANIFEST.exists() else []


def add(doc_id: str) -> str:
    manifest = load()
    if any(e["id"] == doc_id for e in manifest):
        raise SystemExit(f"split.py: {doc_id} is already split; a document is split once")
    topic, wrong, md = stratum_of(doc_id)
    manifest.append({"id": doc_id, "topic": topic, "has_wrong": wrong})
    split = assign(manifest)[doc_id]
    target = HERE / split
    for src in (md, md.with_suffix(".labels.json")):
        src.rename(target / src.name)
    MANIFEST.write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return split


def check() -> list[str]:
    """Problems: a document not where the rule puts it, or not in the manifest, or a stale stratum."""
    problems = []
    manifest = load()
    split = assign(manifest)
    listed = set()
    for entry in manifest:
        listed.add(entry["id"])
        topic, wrong, md = stratum_of(entry["id"])
        if md.parent.name != split[entry["id"]]:
            problems.append(f"{entry['id']} is in {md.parent.name}/, the rule puts it in {split[entry['id']]}/")
        if (topic, wrong) != (entry["topic"], entry["has_wrong"]):
            problems.append(f"{entry['id']}: stratum changed since it was split ({entry['topic']}, "
                            f"{entry['has_wrong']}) -> ({topic}, {wrong})")
    for part in ("dev", "test"):
        for md in (HERE / part).glob("*.md"):
            if md.stem not in listed:
                problems.append(f"{part}/{md.name} is not in split.json")
    return problems


if __name__ == "__main__":
    if sys.argv[1:2] == ["add"] and len(sys.argv) == 3:
        print(f"{sys.argv[2]} -> {add(sys.argv[2])}/")
    elif sys.argv[1:] == ["check"]:
        found = check()
        print("\n".join(found) or "split ok")
        sys.exit(1 if found else 0)
    else:
        raise SystemExit(__doc__)
