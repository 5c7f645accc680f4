"""The core knows no rendering: no module of derive/core imports derive.render, yet every
Derivation has d.latex() and the notebook displays (attached by derive/__init__.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import derive
from derive.core.derivation import Derivation

CORE = Path(derive.__file__).parent / "core"


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_no_core_module_imports_a_renderer():
    offenders = {p.name: sorted(m for m in _imports(p) if m.startswith("derive.render"))
                 for p in CORE.glob("*.py")}
    assert not {k: v for k, v in offenders.items() if v}


def test_the_rendering_methods_are_attached():
    d = derive.get("scalar-transpose")
    assert isinstance(d, Derivation)
    assert r"\begin{align*}" in d.latex()
    assert d._repr_latex_().startswith("$$")
    assert d._repr_markdown_().startswith("## ")
