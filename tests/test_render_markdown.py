"""Markdown proofs that GitHub and Jupyter render: $$aligned$$ blocks, never align*."""

from __future__ import annotations

import pytest

import derive
from derive.cli import main
from derive.render.markdown import derivation_markdown, prose_markdown
from tests.test_render_latex import built, toy


def blocks(md: str) -> list[str]:
    lines = md.splitlines()
    starts = [k for k, line in enumerate(lines) if line.strip() == "$$"]
    assert len(starts) % 2 == 0, "every $$ block is closed"
    return ["\n".join(lines[a + 1:b]) for a, b in zip(starts[::2], starts[1::2])]


@pytest.mark.parametrize("name", derive.names())
def test_every_derivation_is_markdown_with_aligned_blocks(name):
    d = built(name)
    md = derivation_markdown(d)
    assert "align*" not in md
    assert "\\parbox" not in md
    found = blocks(md)
    aligned = [b for b in found if b.startswith(r"\begin{aligned}")]
    assert len(aligned) == 1 and aligned[0].endswith(r"\end{aligned}")
    assert aligned[0].count(r"\quad \text{") >= 1
    assert "**Statement.**" in md


def test_markdown_of_the_toy_has_a_reason_per_step():
    md = derivation_markdown(toy())
    (aligned,) = [b for b in blocks(md) if b.startswith(r"\begin{aligned}")]
    rows = [r for r in aligned.split("\\\\") if "&&" in r]
    assert len(rows) == len(toy().steps)
    assert "- $\\sigma > 0$" in md


def test_inline_math_and_escaped_text():
    assert prose_markdown(r"multiply by $2 \sigma^2 > 0$") == r"multiply by $2 \sigma^2 > 0$"
    assert prose_markdown("a *starred* [link]") == r"a \*starred\* \[link\]"


def test_book_as_one_page_and_as_a_site(tmp_path):
    built("normal-equations")
    page = tmp_path / "proofs.md"
    assert main(["book", "--format", "markdown", "--no-check", "-o", str(page), "normal-equations",
                 "quadratic-form-gradient"]) == 0
    text = page.read_text()
    assert "(#normal-equations)" in text and '<a id="normal-equations"></a>' in text
    assert "align*" not in text
    site = tmp_path / "site"
    assert main(["book", "--format", "markdown", "--no-check", "-o", str(site) + "/", "normal-equations"]) == 0
    assert (site / "index.md").exists() and (site / "normal-equations.md").exists()
    assert "[The normal equations](normal-equations.md)" in (site / "index.md").read_text()
