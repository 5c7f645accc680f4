"""Confirm every label of the verify corpus by an independent computation, document by document.

Usage: python tests/data/verify/corpus/check_labels.py [--quiet] [DOCUMENT-ID ...]

For each `NAME.md` under dev/, test/ and mutated/, reads `NAME.labels.json` beside it and
`checks/NAME.py`, runs the check named by every step, and requires the check's answer to agree
with the label (`correct` <=> the step holds). It also checks the format: the header fields,
that each labelled step's text is on its line, and that every check named exists and is used.
Exit status 0 when every label is confirmed, 1 otherwise. Never imports derive.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
PARTS = ("dev", "test", "mutated")
HEADER_FIELDS = ("corpus-id", "source", "author", "licence", "topic")
KINDS = ("step", "definition", "condition")
LABELS = ("correct", "wrong")
ORIGINS = ("author", "mutated")

sys.path.insert(0, str(HERE))
import checklib  # noqa: E402  (beside this script; imported after the path is set)

BUILTIN = {"definition": lambda: checklib.DEFINITION, "condition": lambda: checklib.CONDITION}


@dataclass
class Document:
    """One corpus document: its Markdown, its header fields, its labels and its checks module."""

    path: Path
    part: str
    header: dict
    labels: dict
    checks: dict = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.path.stem


def read_header(text: str) -> dict:
    """The `key: value` lines of the HTML comment that opens the document."""
    m = re.match(r"\s*<!--(.*?)-->", text, re.S)
    if not m:
        return {}
    out = {}
    for line in m.group(1).splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            out[k.strip()] = v.strip()
    return out


def documents(root: Path = HERE, parts=PARTS) -> list[Document]:
    docs = []
    for part in parts:
        for md in sorted((root / part).glob("*.md")):
            text = md.read_text(encoding="utf-8")
            lab = md.with_suffix(".labels.json")
            labels = json.loads(lab.read_text(encoding="utf-8")) if lab.exists() else {}
            docs.append(Document(md, part, read_header(text), labels))
    return docs


def load_checks(doc: Document, root: Path = HERE) -> dict:
    path = root / "checks" / f"{doc.id.replace('-', '_')}.py"
    if not path.exists():
        raise FileNotFoundError(f"{doc.id}: no checks module {path.relative_to(root)}")
    spec = importlib.util.spec_from_file_location(f"corpus_checks_{doc.id.replace('-', '_')}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return dict(getattr(module, "CHECKS"))


def _squash(s: str) -> str:
    """Whitespace, row breaks (\\\\, \\\\[8pt]) and alignment marks removed: a member may span rows."""
    return re.sub(r"\\\\(\[[^\]]*\])?|&|\s+", "", s)


def format_problems(doc: Document) -> list[str]:
    """What is wrong with the document's form (header, labels file, step text on its line)."""
    out = []
    for k in HEADER_FIELDS:
        if not doc.header.get(k):
            out.append(f"header field {k!r} missing")
    if doc.header.get("corpus-id") != doc.id:
        out.append(f"corpus-id {doc.header.get('corpus-id')!r} is not the file name {doc.id!r}")
    if not doc.labels:
        return out + ["no labels file"]
    if doc.labels.get("document") != doc.path.name:
        out.append(f"labels name document {doc.labels.get('document')!r}, not {doc.path.name!r}")
    lines = doc.path.read_text(encoding="utf-8").splitlines()
    for k, s in enumerate(doc.labels.get("steps", [])):
        where = f"step {k} (line {s.get('line')})"
        if s.get("kind") not in KINDS:
            out.append(f"{where}: kind {s.get('kind')!r} is not one of {KINDS}")
        if s.get("label") not in LABELS:
            out.append(f"{where}: label {s.get('label')!r} is not one of {LABELS}")
        if s.get("label") == "wrong" and s.get("origin") not in ORIGINS:
            out.append(f"{where}: a wrong step needs origin 'author' or 'mutated'")
        if s.get("label") == "wrong" and s.get("kind") != "step":
            out.append(f"{where}: only a step (not a definition or condition) can be wrong")
        if (s.get("origin") == "mutated") != (doc.part == "mutated") and s.get("label") == "wrong":
            out.append(f"{where}: origin {s.get('origin')!r} in part {doc.part!r}")
        if not s.get("why") or not s.get("check"):
            out.append(f"{where}: 'why' and 'check' are required")
        line = s.get("line")
        if not isinstance(line, int) or not 1 <= line <= len(lines):
            out.append(f"{where}: line out of range")
            continue
        after = _squash(s.get("after", ""))
        if not after or after[:12] not in _squash(lines[line - 1]):
            out.append(f"{where}: the step's text {s.get('after', '')[:40]!r} does not start on that line")
    return out


def check_document(doc: Document) -> tuple[list[str], list[tuple[dict, checklib.Result]]]:
    problems = format_problems(doc)
    results = []
    if not doc.labels:
        return problems, results
    try:
        checks = BUILTIN | load_checks(doc)
    except FileNotFoundError as exc:
        return problems + [str(exc)], results
    used = set()
    for k, s in enumerate(doc.labels.get("steps", [])):
        name = s.get("check")
        used.add(name)
        if name not in checks:
            problems.append(f"step {k} (line {s.get('line')}): no check named {name!r}")
            continue
        try:
            res = checks[name]()
        except Exception as exc:  # a broken check is a problem of the document, reported, not a crash
            problems.append(f"line {s.get('line')}: check {name!r} raised {type(exc).__name__}: {exc}")
            continue
        results.append((s, res))
        if res.holds != (s.get("label") == "correct"):
            problems.append(f"line {s['line']}: labelled {s['label']} but the check says it "
                            f"{'holds' if res.holds else 'fails'} ({res.how}) {res.witness or ''}")
    unused = set(checks) - used - set(BUILTIN)
    if unused:
        problems.append(f"checks defined but used by no step: {sorted(unused)}")
    return problems, results


def main(argv=None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    quiet = "--quiet" in args
    wanted = {a for a in args if not a.startswith("--")}
    bad = 0
    totals = {"documents": 0, "steps": 0, "wrong": 0, "correct": 0}
    for doc in documents():
        if wanted and doc.id not in wanted:
            continue
        problems, results = check_document(doc)
        steps = [s for s in doc.labels.get("steps", []) if s.get("kind") == "step"]
        n_wrong = sum(s.get("label") == "wrong" for s in steps)
        totals["documents"] += 1
        totals["steps"] += len(steps)
        totals["wrong"] += n_wrong
        totals["correct"] += len(steps) - n_wrong
        status = "ok" if not problems else "FAIL"
        bad += bool(problems)
        print(f"{status:4} {doc.part}/{doc.id}: {len(steps)} steps ({n_wrong} wrong), "
              f"{len(results)} checks run")
        for p in problems:
            print(f"     {p}")
        if not quiet:
            for s, res in results:
                if s.get("kind") == "step":
                    print(f"       line {s['line']:>3} {s['label']:7} {res.how}")
    print(f"{totals['documents']} documents, {totals['steps']} steps: {totals['correct']} correct, "
          f"{totals['wrong']} wrong; {bad} document(s) with problems")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
