"""The reasons markup: plain English with $...$ LaTeX, one small renderer per format."""

from __future__ import annotations

import pytest

from derive.render.markup import latex_to_unicode, segments, to_latex, to_markdown, to_mathjax, to_text


def test_text_and_mathematics_split_at_dollars():
    assert [(s.kind, s.value) for s in segments(r"multiply by $n/2$, costs \$3")] == [
        ("text", "multiply by "), ("math", "n/2"), ("text", ", costs $3")]


def test_an_unbalanced_dollar_is_an_error_naming_the_text():
    with pytest.raises(ValueError, match=r"unbalanced \$ in 'a \$b'"):
        segments("a $b")


def test_latex_escapes_the_text_and_keeps_the_mathematics():
    assert to_latex(r"50% of $x_1$ & #2") == r"50\% of \(x_1\) \& \#2"


def test_markdown_keeps_the_mathematics_and_escapes_the_text():
    assert to_markdown(r"a *b* $\sigma^2$") == r"a \*b\* $\sigma^2$"


def test_mathjax_puts_the_text_in_text_pieces():
    assert to_mathjax(r"for $v \neq 0$") == r"\text{for }v \neq 0"


@pytest.mark.parametrize("tex, text", [
    (r"\frac{2}{n} X^{\top} (X w - y) = 0", "(2/n) Xᵀ (X w − y) = 0"),
    (r"\frac{1}{2 \sigma^{2}}", "1/(2 σ²)"),
    (r"(X^\top X)^{-1} X^\top y", "(Xᵀ X)⁻¹ Xᵀ y"),
    (r"\lVert X v \rVert^2 \geq 0", "‖X v‖² ≥ 0"),
    (r"x_1, \dots, x_n \in \mathbb{R}^k", "x₁, …, xₙ ∈ ℝᵏ"),
    (r"D - \mu \mathbf{1}^\top", "D − μ 𝟏ᵀ"),
    (r"\arg\max_\theta \log L", "argmax_θ log L"),
    (r"\sqrt{2 \pi \sigma^{2}}", "√(2 π σ²)"),
    (r"p_{\text{data}}", "p_data"),
])
def test_latex_to_unicode(tex, text):
    assert latex_to_unicode(tex) == text


def test_text_has_no_markup_left():
    out = to_text(r"multiply by the nonzero constant $\frac{n}{2}$; $X^\top X$ is invertible")
    assert out == "multiply by the nonzero constant n/2; Xᵀ X is invertible"
