"""Verdicts -> a readable report or one JSON object."""

from __future__ import annotations

import json

SYMBOLS = {"verified": "ok", "wrong": "WRONG", "undecided": "?", "unparsed": "unparsed"}


def step_record(result) -> dict:
    step, outcome = result.step, result.outcome
    record = {
        "line": step.line,
        "source": step.source,
        "relation": step.relation,
        "verdict": outcome.verdict,
        "method": outcome.method,
        "reason": outcome.reason,
        "check": step.check,
        "before": step.before_text,
        "seconds": round(result.seconds, 3),
    }
    if outcome.counterexample:
        record["counterexample"] = outcome.counterexample
    if outcome.difference:
        record["difference"] = outcome.difference
    return record


def counts(results) -> dict:
    out = {"steps": len(results), "verified": 0, "wrong": 0, "undecided": 0, "unparsed": 0}
    for r in results:
        out[r.outcome.verdict] = out.get(r.outcome.verdict, 0) + 1
    return out


def as_json(path: str, results, problems=()) -> str:
    payload = {"file": path, "steps": [step_record(r) for r in results], "summary": counts(results)}
    if problems:
        payload["problems"] = list(problems)
    return json.dumps(payload, indent=2, ensure_ascii=False, default=str)


def _short(text: str, width: int = 110) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def as_text(path: str, results, *, verbose: bool = False, problems=()) -> str:
    lines = []
    for p in problems:
        lines.append(f"{path}: note: {p}")
    for r in results:
        rec = step_record(r)
        verdict = rec["verdict"]
        if not verbose and verdict == "undecided" and rec["method"] in ("definition", "condition"):
            continue
        how = f" ({rec['method']})" if rec["method"] and verdict == "verified" else ""
        label = "definition" if rec["method"] == "definition" else SYMBOLS.get(verdict, verdict)
        lines.append(f"{path}:{rec['line']}: {label}{how}: {_short(rec['source'])}")
        if verdict in ("wrong", "unparsed") or verbose or verdict == "undecided":
            if rec["before"] and verdict == "wrong":
                lines.append(f"    from: {_short(rec['before'])}")
            lines.append(f"    {_short(rec['reason'], 300)}")
        if verdict == "wrong":
            if rec.get("difference"):
                lines.append(f"    difference (left - right): {_short(rec['difference'], 200)}")
            if rec.get("counterexample"):
                ce = ", ".join(f"{k} = {v}" for k, v in list(rec["counterexample"].items())[:8])
                lines.append(f"    counterexample: {_short(ce, 300)}")
    c = counts(results)
    lines.append(
        f"{path}: {c['steps']} steps: {c['verified']} verified, {c['wrong']} wrong, "
        f"{c['undecided']} undecided, {c['unparsed']} unparsed"
    )
    return "\n".join(lines)
