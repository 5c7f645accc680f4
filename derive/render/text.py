"""A derivation as plain text for a terminal: the chain, one relation and reason per line."""

from __future__ import annotations

import sympy as sp

from derive.core.derivation import Relation

SYMBOLS = {
    Relation.DEFINITION: ":=",
    Relation.EQUAL: "=",
    Relation.SAME_MINIMISER: "~argmin",
    Relation.MAX_TO_MIN: "argmax->argmin",
    Relation.IFF: "<=>",
    Relation.IMPLIES: "=>",
    Relation.APPROX: "~=",
    Relation.GRADIENT: "grad",
    Relation.STATIONARY: "stationary:",
}


def expression_text(expr) -> str:
    return sp.sstr(expr)


def derivation_text(d, report=None) -> str:
    """The derivation as text; with a check report, each step's verdict and method."""
    lines = [d.title, "=" * len(d.title), d.statement, ""]
    if d.assumptions:
        lines.append("Assumptions:")
        lines += [f"  - {a.text}" for a in d.assumptions]
        lines.append("")
    verdicts = {s.index: s.verdict for s in report.steps} if report else {}
    for index, step in enumerate(d.steps):
        head = f"{step.lhs} " if step.lhs is not None and step.relation is Relation.DEFINITION else ""
        extra = ""
        if step.relation in (Relation.SAME_MINIMISER, Relation.MAX_TO_MIN) and step.alpha is not None:
            extra = f" [alpha = {step.alpha}, beta = {step.beta}]"
        if step.relation is Relation.APPROX:
            extra = f" [to order {step.order} in {step.small}]"
        lines.append(f"{index:2d}. {head}{SYMBOLS[step.relation]} {expression_text(step.expr)}")
        reason = f"      because {step.reason}{extra}"
        if step.source:
            reason += f" ({step.source})"
        lines.append(reason)
        if index in verdicts:
            v = verdicts[index]
            how = f" ({v.method})" if v.method else ""
            lines.append(f"      [{v.status}{how}] {v.detail}")
    lines += ["", f"Result: {expression_text(d.result)}"]
    return "\n".join(lines)
