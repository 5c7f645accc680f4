"""The rendering methods of a Derivation: `d.latex()` and the notebook displays.

The core (`derive.core.derivation`) knows no rendering; `derive/__init__.py` calls `attach` once,
so every Derivation has these methods while the core never imports a renderer. Each method
imports its renderer only when called (importing derive stays cheap).
"""

from __future__ import annotations


def latex(self) -> str:
    """The proof as LaTeX: statement, assumptions, one align* chain per chain."""
    from derive.render.latex import derivation_latex

    return derivation_latex(self)


def _repr_latex_(self) -> str:
    from derive.render.latex import derivation_notebook_latex

    return derivation_notebook_latex(self)


def _repr_markdown_(self) -> str:
    from derive.render.markdown import derivation_markdown

    return derivation_markdown(self)


def attach(cls) -> None:
    """Give `cls` (the core's Derivation) the methods latex, _repr_latex_ and _repr_markdown_."""
    cls.latex = latex
    cls._repr_latex_ = _repr_latex_
    cls._repr_markdown_ = _repr_markdown_
