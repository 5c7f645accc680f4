"""A derivation as readable Unicode text for a terminal: one step a line.

Expressions go through the proof printer (`derive.render.latex.expression_latex`, the same
forms as the book) and then `derive.render.markup.latex_to_unicode`, so a terminal reads
``(2/n) Xᵀ (X w − y) = 0`` where the book prints the fraction; reasons are the reasons markup
rendered by `derive.render.markup.to_text`.
"""

from __future__ import annotations

from derive.core.derivation import Relation
from derive.render.latex import assumptions_shown, bound_directions, expression_latex, maximised_steps
from derive.render.markup import latex_to_unicode, to_text

SYMBOLS = {
    Relation.DEFINITION: ":=",
    Relation.EQUAL: "=",
    Relation.IFF: "⇔",
    Relation.IMPLIES: "⇒",
    Relation.APPROX: "≈",
    Relation.GRADIENT: "=",
    Relation.STATIONARY: "",
}


def expression_text(expr) -> str:
    """One SymPy object (or a LaTeX string such as a step's lhs) as one line of Unicode."""
    if expr is None:
        return ""
    return latex_to_unicode(expression_latex(expr))


def _wrt(step) -> str:
    names = []
    for v in step.wrt:
        name = expression_text(getattr(v, "label", v))
        if name not in names:
            names.append(name)
    return ", ".join(names)


def relation_text(step, maximise: bool = False) -> str:
    """The relation of a step to the line above: '=', '≡ argmin_w', 'argmax → argmin', ..."""
    if step.relation is Relation.SAME_MINIMISER:
        return f"≡ {'argmax' if maximise else 'argmin'}_{_wrt(step)}"
    if step.relation is Relation.MAX_TO_MIN:
        return f"≡ argmax→argmin_{_wrt(step)}"
    if step.relation is Relation.GRADIENT and step.lhs is None:
        return f"∇_{_wrt(step)} ="
    return SYMBOLS[step.relation]


def step_text(step, maximise: bool = False) -> str:
    """`lhs rel expr` of one step."""
    rel = relation_text(step, maximise)
    head = expression_text(step.lhs) if step.lhs is not None else ""
    body = expression_text(step.expr)
    if step.relation is Relation.DEFINITION and head.replace(" ", "") == body.replace(" ", ""):
        head = ""  # "(Xᵀ X)ᵀ := (Xᵀ X)ᵀ" defines nothing: the expression alone
    if step.relation is Relation.DEFINITION and head:
        rel = ":="
    elif step.relation is Relation.DEFINITION:
        rel = ""
    parts = [p for p in (head, rel, body) if p]
    return " ".join(parts)


def reason_text(step, bound=(), bound_texts=()) -> str:
    """The reason with its witnesses, assumptions used and source, as plain text."""
    out = to_text(step.reason)
    for a in bound:
        out += f", for every {to_text(a.text)}"
    if step.relation in (Relation.SAME_MINIMISER, Relation.MAX_TO_MIN) and step.alpha is not None:
        out += f" [α = {expression_text(step.alpha)}, β = {expression_text(step.beta or 0)}]"
    if step.relation is Relation.APPROX and step.small is not None:
        out += f" [to order {step.order} in {expression_text(step.small)}]"
    uses = [u for u in step.uses if u not in bound_texts]
    if uses:
        out += "; uses: " + "; ".join(to_text(u) for u in uses)
    if step.source:
        out += f" ({to_text(step.source)})"
    return out


def derivation_text(d, report=None) -> str:
    """The derivation as text, one step a line; with a check report, each step's verdict."""
    lines = [to_text(d.title), "=" * len(to_text(d.title)), to_text(d.statement), ""]
    if assumptions_shown(d):
        lines.append("Assumptions:")
        lines += [f"  - {to_text(a.text)}" for a in assumptions_shown(d)]
        lines.append("")
    verdicts = {s.index: s.verdict for s in report.steps} if report else {}
    maximised = maximised_steps(d)
    directions = bound_directions(d)
    bound_texts = {a.text for group in directions.values() for a in group}
    for index, step in enumerate(d.steps):
        reason = reason_text(step, directions.get(index, ()), bound_texts)
        line = f"{index:2d}. {step_text(step, index in maximised)}    -- {reason}"
        if index in verdicts:
            v = verdicts[index]
            line += f" [{v.status}{f', {v.method}' if v.method else ''}]"
            if v.status in ("failed", "undecided") and v.detail:
                line += f": {v.detail}"
        lines.append(line)
    lines += ["", f"Result: {expression_text(d.result)}"]
    return "\n".join(lines)
