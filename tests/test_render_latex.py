"""LaTeX proofs: the printer's textbook notation, the calc-chain layout, line breaks.

Per-derivation tests iterate over the whole catalogue and skip ids whose builder has not landed
yet; compiling every proof with pdflatex happens once, in test_render_book.py.
"""

from __future__ import annotations

import importlib
import re

import pytest
import sympy as sp

import derive
from derive.catalog import INDEX
from derive.core.derivation import (
    Assumption,
    Derivation,
    approx,
    definition,
    equal,
    gradient,
    iff,
    implies,
    max_to_min,
    same_minimiser,
)
from derive.render.latex import (
    BOOK,
    chains,
    derivation_latex,
    derivation_notebook_latex,
    expression_latex,
    expression_lines,
    visual_width,
)


def built(name):
    """The derivation, or a skip when its builder has not landed in the catalogue yet."""
    module, function = next((m, f) for i, m, f in INDEX if i == name)
    try:
        mod = importlib.import_module(f"derive.catalog.{module}")
    except ModuleNotFoundError:
        pytest.skip(f"derive.catalog.{module} does not exist yet ({name})")
    if not hasattr(mod, function):
        pytest.skip(f"derive.catalog.{module}.{function} does not exist yet ({name})")
    return derive.get(name)


n, d = sp.symbols("n d", integer=True, positive=True)
X = sp.MatrixSymbol("X", n, d)
w = sp.MatrixSymbol("w", d, 1)
y = sp.MatrixSymbol("y", n, 1)
sigma = sp.Symbol("sigma", positive=True)
i = sp.Symbol("i", integer=True, positive=True)
f_, y_ = sp.IndexedBase("f", real=True), sp.IndexedBase("y", real=True)


# --- the printer: a few small snapshots ----------------------------------------------------------


@pytest.mark.parametrize(
    "expr, expected",
    [
        pytest.param(X.T * X, r"X^{\top} X", id="transpose-is-top"),
        pytest.param((X.T * X).I * X.T * y, r"(X^{\top} X)^{-1} X^{\top} y", id="inverse-normal-parens"),
        pytest.param((X * w - y).T * (X * w - y) / n, r"\frac{1}{n} \left\lVert X w - y \right\rVert^{2}",
                     id="residual-norm"),
        pytest.param(sp.log(sigma), r"\log \sigma", id="log-of-atom"),
        pytest.param(y_[i] - f_[i], r"y_{i} - f_{i}", id="positive-term-first"),
        pytest.param(sp.Sum((y_[i] - f_[i]) ** 2, (i, 1, n)) / (2 * sigma**2),
                     r"\frac{1}{2 \sigma^{2}} \sum_{i=1}^{n} (y_{i} - f_{i})^{2}", id="fraction-before-sum"),
        pytest.param(sp.ImmutableMatrix([sp.Rational(14, 25), sp.Rational(21, 100)]),
                     r"\frac{1}{100} \left[\begin{matrix}56\\21\end{matrix}\right]", id="common-denominator"),
        pytest.param(X.T * X + sigma * sp.Identity(d), r"X^{\top} X + \sigma I", id="identity"),
    ],
)
def test_printer_snapshots(expr, expected):
    assert expression_latex(expr) == expected


def test_matrix_sum_signs_are_not_plus_minus():
    expr = sp.MatAdd(-(w.T * X.T * y) / n, (w.T * X.T * X * w) / n)
    tex = expression_latex(expr)
    assert "+ -" not in tex and "+ - " not in tex
    assert tex.startswith(r"\frac{1}{n} w^{\top} X^{\top} X w")


def test_no_sympy_transpose_marker_anywhere_in_the_catalogue():
    for name in derive.names():
        try:
            tex = derivation_latex(built(name))
        except pytest.skip.Exception:
            continue
        assert "^{T}" not in tex, name
        assert r"\mathbb{I}" not in tex, name


# --- layout of a proof ---------------------------------------------------------------------------


def toy() -> Derivation:
    """One step of every relation (the renderer does not check; this only exercises layout)."""
    loss = (X * w - y).T * (X * w - y) / n
    grad = 2 * X.T * (X * w - y) / n
    return Derivation(
        id="toy", title="A toy with every relation", statement=r"$L(w) = \frac{1}{n} \lVert X w - y \rVert^2$ and $2 \sigma^2 > 0$.",
        topic="least_squares",
        assumptions=(Assumption.positive(sigma, r"$\sigma > 0$"), Assumption.full_column_rank(X)),
        steps=(
            definition(loss, "the mean squared error", lhs="L(w)"),
            equal(loss, "nothing changes"),
            same_minimiser(2 * sigma**2 * loss, r"multiply by $2 \sigma^2 > 0$", wrt=(w,), alpha=2 * sigma**2, beta=0),
            max_to_min(-loss, "flip the sign", wrt=(w,), alpha=1, beta=0),
            approx(loss, r"drop $h^\top A h$", small=w, order=1),
            gradient(grad, "differentiate", wrt=w, lhs=r"\nabla_w L(w)", source="Matrix Cookbook eq. 81"),
            definition(sp.Eq(grad, sp.ZeroMatrix(d, 1)), "stationary point"),
            iff(sp.Eq(X.T * X * w, X.T * y), "multiply by $n/2$", wrt=(w,), factor=sp.Rational(2) / n),
            implies(sp.Eq(w, (X.T * X).I * X.T * y), r"invert $X^\top X$", wrt=(w,),
                    uses=("$X$ has full column rank",)),
        ),
        result=(X.T * X).I * X.T * y,
        claim=(X.T * X).I * X.T * y,
        variables=(w,),
    )


def test_one_relation_one_right_hand_side_one_reason_per_line():
    tex = derivation_latex(toy())
    body = tex[tex.index(r"\begin{align*}"):tex.index(r"\end{align*}")]
    assert body.count(r"\parbox") == len(toy().steps)
    assert "L(w) &:= " in body
    assert r"\nabla_w L(w) &= " in body
    assert r"\overset{\arg\max_{w}}{\equiv}" in body  # followed by max-to-min: a maximisation
    assert r"\alpha = 2 \sigma^{2}" in body and r"\beta = 0" in body
    assert r"\overset{\max \to \min}{\equiv}" in body
    assert r"\approx" in body and r"O\left(\lVert w \rVert^{2}\right)" in body
    assert r"\iff\quad &X^{\top} X w = X^{\top} y" in body
    assert r"\implies\quad &w = " in body
    assert r"uses: \(X\) has full column rank" in body
    assert "[Matrix Cookbook eq." in body


def test_chains_restart_at_a_named_left_hand_side_and_at_definitions():
    kinds = [(c.kind, [r.index for r in c.rows]) for c in chains(toy())]
    assert kinds == [("value", [0, 1, 2, 3, 4]), ("value", [5]), ("statement", [6, 7, 8])]


def test_check_report_tags_each_reason_with_its_method():
    d = built("normal-equations")
    report = d.check()
    tex = derivation_latex(d, report)
    assert tex.count("(symbolic)") + tex.count("(instantiated)") + tex.count("(sampled)") \
        + tex.count("(given)") == len(d.steps)


@pytest.mark.parametrize("name", derive.names())
def test_every_derivation_renders_a_complete_proof(name):
    d = built(name)
    tex = derivation_latex(d)
    assert r"\textbf{Statement.}" in tex
    assert tex.count(r"\begin{align*}") == tex.count(r"\end{align*}") == 1
    assert tex.count(r"\parbox") == len(d.steps), "one reason per step"
    if d.assumptions:
        assert r"\textbf{Assumptions.}" in tex
    depth = 0
    # drop row breaks first: in "\\{u}_{1,0}" the "\{" is a row break and a brace, not a literal
    for ch in tex.replace("\\\\", " ").replace(r"\{", "").replace(r"\}", ""):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        assert depth >= 0
    assert depth == 0, "braces balance"
    nb = derivation_notebook_latex(d)
    assert nb.startswith("$$") and nb.rstrip().endswith("$$")
    assert r"\begin{aligned}" in nb and "align*" not in nb and r"\parbox" not in nb


@pytest.mark.parametrize("name", derive.names())
def test_long_lines_are_broken(name):
    d = built(name)
    for chain in chains(d):
        for row in chain.rows:
            for line in row.lines[1:]:
                assert visual_width(line) <= BOOK.width + 20, (name, row.index, line)


def test_a_long_sum_breaks_at_top_level_signs():
    terms = sp.Add(*[sp.Symbol(f"a_{k}") * sp.log(sigma + k) for k in range(1, 12)])
    lines = expression_lines(terms, 20)
    assert len(lines) > 1
    assert all(visual_width(line) <= 22 for line in lines)
    assert all(line.startswith("{} + ") for line in lines[1:])


# --- friendly names and notebook displays --------------------------------------------------------


def test_friendly_python_names():
    built("normal-equations")
    from derive.catalog import normal_equations

    assert normal_equations is derive.get("normal-equations")


def test_notebook_reprs():
    d = built("normal-equations")
    assert d._repr_latex_().startswith("$$")
    md = d._repr_markdown_()
    assert d.title in md and "$$" in md and "align*" not in md


# --- the ones vector, argmax under a maximisation ------------------------------------------------


def test_the_ones_row_prints_its_transpose_and_the_column_does_not():
    N, k = sp.symbols("N k", integer=True, positive=True)
    D, mu = sp.MatrixSymbol("D", k, N), sp.MatrixSymbol("mu", k, 1)
    assert expression_latex(sp.OneMatrix(1, N)) == r"\mathbf{1}^{\top}"
    assert expression_latex(sp.OneMatrix(N, 1)) == r"\mathbf{1}"
    assert expression_latex(sp.Transpose(sp.OneMatrix(N, 1))) == r"\mathbf{1}^{\top}"
    assert expression_latex(D - mu * sp.OneMatrix(1, N)) == r"D - \mu \mathbf{1}^{\top}"
    assert expression_latex(D * sp.OneMatrix(N, 1)) == r"D \mathbf{1}"


def test_the_multivariate_gaussian_pages_transpose_the_ones_row():
    for name in ("mvn-mle-mean", "mvn-mle-covariance"):
        tex = derivation_latex(built(name))
        assert r"\mu \mathbf{1}^{\top}" in tex, name
        assert not re.search(r"\\mu \\mathbf\{1\}(?!\^)", tex), name


def test_a_same_minimiser_step_under_a_max_prints_argmax():
    tex = derivation_latex(built("map-uniform-prior-mle"))
    assert r"\overset{\arg\max_{\theta}}{\equiv}" in tex
    assert r"\overset{\arg\min_{\theta}}{\equiv}" not in tex
    # a minimisation keeps argmin
    assert r"\overset{\arg\min_{w}}{\equiv}" in derivation_latex(built("map-gaussian-prior-ridge"))
