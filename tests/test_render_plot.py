"""Figures from the catalogue: non-empty PNG/PDF files, numbers from the derived results."""

from __future__ import annotations

import sys

import pytest
import sympy as sp

from derive.render import plot
from tests.test_render_latex import built

pytest.importorskip("matplotlib", reason="matplotlib is the optional extra `plot`")


@pytest.mark.parametrize("name", sorted(plot.FIGURES))
@pytest.mark.parametrize("suffix, magic", [(".png", b"\x89PNG"), (".pdf", b"%PDF")])
def test_figures_are_written(tmp_path, name, suffix, magic):
    built(name)
    if name == "mse-hessian":
        built("normal-equations")
    out = plot.draw(name, tmp_path / f"fig{suffix}", dpi=40)
    data = out.read_bytes()
    assert data.startswith(magic) and len(data) > 5000


def test_gradient_descent_reproduces_the_seed_table():
    d = built("gd-quadratic-regression")
    iterates, X, y = plot.gd_iterates(d)
    assert len(iterates) == 11
    assert list(iterates[1]) == [sp.Rational(14, 25), sp.Rational(21, 100), sp.Rational(9, 100)]
    losses = [plot.mse_value(X, y, t) for t in iterates]
    assert losses[0] == sp.Rational(65, 2)
    # seed post 000, section 2.1.2: the loss column to six decimals
    assert [round(float(v), 6) for v in losses[1:4]] == [6.29195, 1.377884, 0.453345]
    assert round(float(losses[10]), 6) == 0.210484
    assert [round(float(v), 6) for v in iterates[10]] == [0.974821, 0.382502, 0.210951]


def test_gaussian_mle_is_the_sample_mean():
    d = built("gaussian-mle-mean")
    f, mle, _ = plot.gaussian_log_likelihood(d)
    assert mle == 5
    assert f(5) > f(4.9) and f(5) > f(5.1)


def test_mse_surface_minimiser_solves_the_normal_equations():
    d = built("mse-hessian")
    built("normal-equations")
    f, tstar, H, _ = plot.mse_surface(d)
    assert list(tstar) == [3, 0]
    assert H == sp.ImmutableMatrix([[7, 3], [3, 2]])
    assert f(3, 0) < f(3.01, 0) and f(3, 0) < f(3, 0.01)


def test_missing_matplotlib_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(RuntimeError, match=r"pip install -e \"\.\[plot\]\" \(derive is not on PyPI\)"):
        plot._pyplot()


def test_unknown_figure_and_format(tmp_path, capsys):
    from derive.cli import main

    assert main(["plot", "bayes-rule", "-o", str(tmp_path / "x.png")]) == 2
    assert "figures exist for" in capsys.readouterr().err
    assert main(["plot", "mse-hessian", "-o", str(tmp_path / "x.gif")]) == 2


def test_a_figure_in_a_missing_directory_is_refused_not_created(tmp_path, capsys):
    from derive.cli import main

    target = tmp_path / "missing" / "fig.png"
    assert main(["plot", "mse-hessian", "-o", str(target)]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not target.parent.exists()
