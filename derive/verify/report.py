"""Verdicts -> a readable report, one JSON object, or GitHub annotations."""

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
    cell = getattr(step, "cell", None)
    if cell is not None:
        record["cell"] = cell
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


def first_wrong(results):
    return next((r for r in results if r.outcome.verdict == "wrong"), None)


def as_json(path: str, results, problems=()) -> str:
    payload = {"file": path, "steps": [step_record(r) for r in results], "summary": counts(results)}
    wrong = first_wrong(results)
    if wrong is not None:
        payload["first_wrong_line"] = wrong.step.line
    if problems:
        payload["problems"] = list(problems)
    return json.dumps(payload, indent=2, ensure_ascii=False, default=str)


def _short(text: str, width: int = 110) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def _where(path: str, rec: dict) -> str:
    cell = f" (cell {rec['cell']})" if rec.get("cell") is not None else ""
    return f"{path}:{rec['line']}{cell}"


def step_lines(path: str, result, *, verbose: bool = False) -> list[str]:
    """The report's lines for one step (none for a definition unless verbose)."""
    rec = step_record(result)
    verdict = rec["verdict"]
    if not verbose and verdict == "undecided" and rec["method"] in ("definition", "condition"):
        return []
    how = f" ({rec['method']})" if rec["method"] and verdict == "verified" else ""
    label = "definition" if rec["method"] == "definition" else SYMBOLS.get(verdict, verdict)
    lines = [f"{_where(path, rec)}: {label}{how}: {_short(rec['source'])}"]
    if verdict in ("wrong", "unparsed", "undecided") or verbose:
        if rec["before"] and verdict == "wrong":
            lines.append(f"    from: {_short(rec['before'])}")
        lines.append(f"    {_short(rec['reason'], 300)}")
    if verdict == "wrong":
        if rec.get("difference"):
            lines.append(f"    difference (left - right): {_short(rec['difference'], 200)}")
        if rec.get("counterexample"):
            ce = ", ".join(f"{k} = {v}" for k, v in list(rec["counterexample"].items())[:10])
            lines.append(f"    counterexample: {_short(ce, 400)}")
    return lines


def problem_lines(path: str, problems) -> list[str]:
    return [f"{path}: note: {p}" for p in problems]


def summary_line(path: str, results) -> str:
    if not results:
        return f"{path}: no math found"
    c = counts(results)
    line = (f"{path}: {c['steps']} steps: {c['verified']} verified, {c['wrong']} wrong, "
            f"{c['undecided']} undecided, {c['unparsed']} unparsed")
    wrong = first_wrong(results)
    if wrong is not None:
        line += f"; first wrong step at line {wrong.step.line}"
    return line


def as_text(path: str, results, *, verbose: bool = False, problems=()) -> str:
    lines = problem_lines(path, problems)
    for r in results:
        lines.extend(step_lines(path, r, verbose=verbose))
    lines.append(summary_line(path, results))
    return "\n".join(lines)


def _escape(text: str, *, prop: bool = False) -> str:
    """GitHub workflow-command escaping (% CR LF always; : and , in properties)."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def as_github(path: str, results, problems=()) -> str:
    """`::error file=...,line=...::` for each wrong step (warnings for unreadable ones), then the summary."""
    lines = []
    for r in results:
        rec = step_record(r)
        if rec["verdict"] not in ("wrong", "unparsed"):
            continue
        kind = "error" if rec["verdict"] == "wrong" else "warning"
        message = f"{SYMBOLS[rec['verdict']]}: {_short(rec['source'])}: {_short(rec['reason'], 300)}"
        if rec.get("counterexample"):
            message += "; counterexample: " + ", ".join(f"{k} = {v}" for k, v in list(rec["counterexample"].items())[:10])
        title = "derive verify: wrong step" if kind == "error" else "derive verify: step not read"
        lines.append(f"::{kind} file={_escape(path, prop=True)},line={rec['line']},"
                     f"title={_escape(title, prop=True)}::{_escape(message)}")
    for p in problems:
        lines.append(f"::notice file={_escape(path, prop=True)}::{_escape(p)}")
    lines.append(summary_line(path, results))
    return "\n".join(lines)
