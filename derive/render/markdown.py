r"""A derivation as Markdown that GitHub and Jupyter render.

The statement and the assumptions are text with inline ``$...$`` mathematics; each calc chain
is a ``$$`` block holding ``\begin{aligned} ... \end{aligned}`` (GitHub's and Jupyter's MathJax
render it; ``align*`` they do not), with the reasons on the right in ``\text{...}``.
"""

from __future__ import annotations

from derive.render.latex import MATHJAX, aligned_chains, assumptions_shown, chains, expression_latex
from derive.render.markup import to_markdown

prose_markdown = to_markdown  # the reasons markup as Markdown (derive.render.markup)


def _text(value: str) -> str:
    return to_markdown(value.replace("$", r"\$"))


def _summary(report) -> str:
    from derive.render.book import summary

    return summary(report)


def derivation_markdown(d, report=None, *, heading_level: int = 2, anchor: bool = False) -> str:
    """The proof as Markdown: a heading, the statement, the assumptions, then $$aligned$$ blocks."""
    hashes = "#" * max(1, min(heading_level, 6))
    lines = []
    if anchor:
        lines.append(f'<a id="{d.id}"></a>')
        lines.append("")
    lines += [f"{hashes} {prose_markdown(d.title)}", ""]
    meta = f"`{d.id}`"
    if report is not None:
        meta += f" · checked: {_summary(report)}"
        if not report.ok:
            meta += " · **a step failed**"
        elif not report.decided:
            meta += " · **a step is undecided**"
    lines += [meta, "", f"**Statement.** {prose_markdown(d.statement)}", ""]
    if assumptions_shown(d):
        lines.append("**Assumptions.**")
        lines.append("")
        lines += [f"- {prose_markdown(a.text)}" for a in assumptions_shown(d)]
        lines.append("")
    lines += ["**Derivation.**", ""]
    lines += ["$$", aligned_chains(chains(d, report, MATHJAX), MATHJAX), "$$", ""]
    lines += ["**Result** (computed from the steps):", "", "$$", expression_latex(d.result), "$$", ""]
    try:
        differs = d.claim is not None and not bool(d.claim == d.result)
    except Exception:  # noqa: BLE001 - comparing odd objects: show both then
        differs = True
    if differs:
        lines += ["Textbook form (compared with the result in the tests):", "", "$$",
                  expression_latex(d.claim), "$$", ""]
    if d.references:
        lines += ["**References.** " + "; ".join(_text(r) for r in d.references), ""]
    return "\n".join(lines)
