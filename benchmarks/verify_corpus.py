"""Score `derive verify` on the labelled corpus of other people's derivations.

Usage: python benchmarks/verify_corpus.py [--split dev|test|all] [-v] [--json] [--reasons]
                                          [--timeout SECONDS] [--step-timeout SECONDS] [DOCUMENT-ID ...]

Runs `python -m derive verify --json FILE` on every document of tests/data/verify/corpus/<split>/
(one subprocess each, with a time limit), matches its step records to the labels, and prints per
split:

- wrong steps flagged (%): labelled wrong, verdict wrong (TPR);
- correct steps called wrong (%): labelled correct, verdict wrong (1 - TNR);
- steps read (%): the labelled step has a matching record with a verdict other than unparsed;
- correct steps verified (%): labelled correct, verdict verified;
- balanced F1 = 2 TPR TNR / (TPR + TNR).

Only labels of kind `step` are scored (definitions and conditions are listed with -v).

Matching rule: a label is matched to the records of derive verify on the same source line. When
the line holds one label and one record, they match. Otherwise labels and records of the line
are paired greedily, best first, by the similarity of their texts (the label's `after` against
the record's `source` without its leading relation, and `before` against `before`, whitespace
removed, difflib ratio); a record matches at most one label. A label with no record on its line
is "missing" (not read). Records with no label are counted as unlabelled.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "verify" / "corpus"
SPLITS = ("dev", "test")
RELATIONS = ("\\approx", "\\propto", "\\implies", "\\Rightarrow", "\\iff", "\\leq", "\\geq", "\\le", "\\ge",
             ":=", "=", "<", ">")


@dataclass
class Row:
    """One labelled step and what derive verify said of it."""

    split: str
    document: str
    line: int
    kind: str
    label: str
    after: str
    verdict: str = "missing"
    method: str = ""
    reason: str = ""

    @property
    def read(self) -> bool:
        return self.verdict not in ("missing", "unparsed", "timeout", "error")


@dataclass
class DocumentRun:
    split: str
    document: str
    rows: list = field(default_factory=list)
    unlabelled: int = 0
    seconds: float = 0.0
    failure: str = ""


def _squash(s: str) -> str:
    return re.sub(r"\s+", "", s or "")


def _strip_relation(source: str) -> str:
    s = source.lstrip()
    for r in RELATIONS:
        if s.startswith(r):
            return s[len(r):].strip()
    return s


def _similarity(label: dict, record: dict) -> float:
    a = difflib.SequenceMatcher(None, _squash(label.get("after")), _squash(_strip_relation(record.get("source", "")))).ratio()
    b = difflib.SequenceMatcher(None, _squash(label.get("before")), _squash(record.get("before", ""))).ratio()
    return a + 0.5 * b


def match(labels: list[dict], records: list[dict]) -> tuple[dict[int, dict], int]:
    """label index -> record, by the matching rule; and the number of records left unmatched."""
    by_line: dict[int, list[int]] = {}
    for k, rec in enumerate(records):
        by_line.setdefault(rec.get("line"), []).append(k)
    out: dict[int, dict] = {}
    used: set[int] = set()
    label_lines: dict[int, list[int]] = {}
    for i, lab in enumerate(labels):
        label_lines.setdefault(lab["line"], []).append(i)
    for line, idx in label_lines.items():
        cands = by_line.get(line, [])
        if len(idx) == 1 and len(cands) == 1:
            out[idx[0]] = records[cands[0]]
            used.add(cands[0])
            continue
        pairs = sorted(((_similarity(labels[i], records[k]), i, k) for i in idx for k in cands), reverse=True)
        for _, i, k in pairs:
            if i in out or k in used:
                continue
            out[i] = records[k]
            used.add(k)
    return out, len(records) - len(used)


def run_document(md: Path, split: str, timeout: float, step_timeout: float) -> DocumentRun:
    labels = json.loads(md.with_suffix(".labels.json").read_text(encoding="utf-8"))["steps"]
    run = DocumentRun(split, md.stem)
    start = time.perf_counter()
    cmd = [sys.executable, "-m", "derive", "verify", "--json", "--timeout", str(step_timeout), str(md)]
    records: list[dict] = []
    try:
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
        if proc.returncode not in (0, 1):
            run.failure = f"exit {proc.returncode}: {proc.stderr.strip()[:200]}"
        else:
            records = json.loads(proc.stdout)["steps"]
    except subprocess.TimeoutExpired:
        run.failure = f"timeout after {timeout:g} s"
    except json.JSONDecodeError as exc:
        run.failure = f"output is not JSON ({exc})"
    run.seconds = time.perf_counter() - start
    matched, run.unlabelled = match(labels, records)
    for i, lab in enumerate(labels):
        row = Row(split, md.stem, lab["line"], lab["kind"], lab["label"], lab.get("after", ""))
        rec = matched.get(i)
        if run.failure:
            row.verdict = "timeout" if run.failure.startswith("timeout") else "error"
            row.reason = run.failure
        elif rec is not None:
            row.verdict, row.method, row.reason = rec.get("verdict", ""), rec.get("method") or "", rec.get("reason", "")
        run.rows.append(row)
    return run


def _pct(num: int, den: int) -> float | None:
    return None if den == 0 else 100.0 * num / den


def metrics(rows: list[Row]) -> dict:
    steps = [r for r in rows if r.kind == "step"]
    wrong = [r for r in steps if r.label == "wrong"]
    correct = [r for r in steps if r.label == "correct"]
    flagged = sum(r.verdict == "wrong" for r in wrong)
    false_alarm = sum(r.verdict == "wrong" for r in correct)
    tpr = flagged / len(wrong) if wrong else None
    tnr = 1 - false_alarm / len(correct) if correct else None
    f1 = (2 * tpr * tnr / (tpr + tnr) if (tpr + tnr) > 0 else 0.0) if tpr is not None and tnr is not None else None
    return {
        "documents": len({r.document for r in rows}),
        "steps": len(steps),
        "wrong_steps": len(wrong),
        "correct_steps": len(correct),
        "wrong_flagged_pct": _pct(flagged, len(wrong)),
        "correct_called_wrong_pct": _pct(false_alarm, len(correct)),
        "read_pct": _pct(sum(r.read for r in steps), len(steps)),
        "correct_verified_pct": _pct(sum(r.verdict == "verified" for r in correct), len(correct)),
        "balanced_f1": None if f1 is None else 100.0 * f1,
    }


def reason_class(reason: str) -> str:
    """A reason with its specifics (quoted text, columns, numbers) removed, to count alike reasons."""
    r = re.sub(r"\(column \d+ of .*", "", reason or "")
    r = re.sub(r"'[^']*'", "'…'", r)
    r = re.sub(r"\d+", "N", r)
    return " ".join(r.split())[:120] or "(no reason)"


def _fmt(v: float | None) -> str:
    return "  n/a" if v is None else f"{v:5.1f}"


def print_table(name: str, m: dict) -> None:
    print(f"{name}: {m['documents']} documents, {m['steps']} steps ({m['wrong_steps']} wrong, {m['correct_steps']} correct)")
    print(f"  wrong steps flagged        {_fmt(m['wrong_flagged_pct'])} %")
    print(f"  correct steps called wrong {_fmt(m['correct_called_wrong_pct'])} %")
    print(f"  steps read                 {_fmt(m['read_pct'])} %")
    print(f"  correct steps verified     {_fmt(m['correct_verified_pct'])} %")
    print(f"  balanced F1                {_fmt(m['balanced_f1'])} %")


def documents(split: str, wanted: set[str]) -> list[tuple[str, Path]]:
    parts = SPLITS if split == "all" else (split,)
    out = []
    for part in parts:
        for md in sorted((CORPUS / part).glob("*.md")):
            if not wanted or md.stem in wanted:
                out.append((part, md))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("documents", nargs="*", help="only these document ids")
    ap.add_argument("--split", choices=("dev", "test", "all"), default="all")
    ap.add_argument("-v", "--verbose", action="store_true", help="a table of every labelled step")
    ap.add_argument("--json", action="store_true", help="one JSON object: metrics per split and every row")
    ap.add_argument("--reasons", action="store_true", help="count the reasons of unread and undecided steps")
    ap.add_argument("--timeout", type=float, default=180.0, help="seconds allowed per document (default 180)")
    ap.add_argument("--step-timeout", type=float, default=5.0, help="derive verify --timeout per step (default 5)")
    args = ap.parse_args(argv)

    docs = documents(args.split, set(args.documents))
    if not docs:
        print(f"verify_corpus: no documents in {CORPUS} for split {args.split!r}", file=sys.stderr)
        return 2
    tty = sys.stderr.isatty()
    runs = []
    for k, (part, md) in enumerate(docs, 1):
        if tty:
            print(f"\r[{k}/{len(docs)}] {md.stem[:60]:60}", end="", file=sys.stderr, flush=True)
        run = run_document(md, part, args.timeout, args.step_timeout)
        runs.append(run)
        if not tty and not args.json:
            st = [r for r in run.rows if r.kind == "step"]
            print(f"{part}/{md.stem}: {len(st)} steps, {sum(r.read for r in st)} read, "
                  f"{sum(r.verdict == 'verified' for r in st)} verified, "
                  f"{sum(r.verdict == 'wrong' and r.label == 'wrong' for r in st)}/{sum(r.label == 'wrong' for r in st)} wrong flagged, "
                  f"{sum(r.verdict == 'wrong' and r.label == 'correct' for r in st)} false alarms, {run.seconds:.1f} s"
                  + (f" [{run.failure}]" if run.failure else ""), flush=True)
    if tty:
        print("\r" + " " * 80 + "\r", end="", file=sys.stderr)

    rows = [r for run in runs for r in run.rows]
    splits = [s for s in SPLITS if any(r.split == s for r in rows)]
    result = {s: metrics([r for r in rows if r.split == s]) for s in splits}
    if len(splits) > 1:
        result["all"] = metrics(rows)
    unlabelled = sum(run.unlabelled for run in runs)
    if args.json:
        print(json.dumps({"metrics": result, "unlabelled_records": unlabelled,
                          "seconds": round(sum(run.seconds for run in runs), 1),
                          "rows": [r.__dict__ | {"read": r.read} for r in rows]}, indent=1, ensure_ascii=False))
        return 0
    if args.verbose:
        print(f"{'document':52} {'line':>4} {'kind':10} {'label':7} {'verdict':10} reason")
        for r in rows:
            print(f"{r.split + '/' + r.document:52.52} {r.line:>4} {r.kind:10} {r.label:7} {r.verdict:10} {r.reason[:90]}")
        print()
    for s, m in result.items():
        print_table(s, m)
    print(f"records of derive verify matched to no label: {unlabelled}; "
          f"time {sum(run.seconds for run in runs):.1f} s")
    if args.reasons:
        tally: dict[str, int] = {}
        for r in rows:
            if r.kind == "step" and r.verdict in ("missing", "unparsed", "undecided"):
                key = f"{r.verdict}: {reason_class(r.reason) if r.verdict != 'missing' else 'no record on the line'}"
                tally[key] = tally.get(key, 0) + 1
        print("\nreasons of unread and undecided steps:")
        for key, n in sorted(tally.items(), key=lambda kv: -kv[1]):
            print(f"  {n:4}  {key}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
