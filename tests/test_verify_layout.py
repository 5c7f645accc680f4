"""derive/verify is laid out as stages with one direction of imports (no circles)."""

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent / "derive" / "verify"
ORDER = ["read", "steps", "model", "decide", "report", "command"]


def _stage(module: str) -> str | None:
    parts = module.split(".")
    if parts[:2] != ["derive", "verify"] or len(parts) < 3:
        return None
    return parts[2]


def _imports(path: pathlib.Path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name


FILES = sorted(p for p in ROOT.rglob("*.py") if p.name != "__init__.py" or p.parent != ROOT)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_stage_imports_only_the_stages_before_it(path):
    rel = path.relative_to(ROOT)
    own = rel.parts[0] if len(rel.parts) > 1 else rel.stem
    for module in _imports(path):
        stage = _stage(module)
        if stage is None or stage == own:
            continue
        assert stage in ORDER, f"{rel} imports {module}, which is not a stage"
        assert ORDER.index(stage) < ORDER.index(own), f"{rel} ({own}) imports {module} ({stage}), a later stage"
