"""Reading a shared JSON export is as safe as reading a document: no text in it ever runs.

Every field that holds an expression must be a node tree; a string there is a FormatError. The
fields that may hold text (a step's display lhs, reasons, labels in extras) are loaded, and then
checking, rendering and compiling the derivation must not run the text either.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import json
import pathlib

import pytest

import derive
from derive.render.json import FormatError, derivation_json, load_export

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _payload(marker: pathlib.Path) -> str:
    return f"__import__('os').system('touch {marker}') or w"


def _export(*ids):
    from derive.render.export import export

    return json.loads(json.dumps(export([derive.get(i) for i in ids])))


def _use(derivations):
    """Everything a user does with a loaded export: check it, print it, compile its solver."""
    for d in derivations.values():
        d.check()
        d.latex()
        with contextlib.suppress(Exception):  # a refusal is fine; running the payload is not
            d.solver()


def _set(doc, path, value):
    obj = doc["derivations"][0]
    for key in path[:-1]:
        obj = obj[key]
    obj[path[-1]] = value


# (derivation, path to the field, how to place the payload string there)
EXPRESSION_FIELDS = [
    ("mse-gradient", ("steps", 1, "expr"), lambda p: p),
    ("mse-gradient", ("steps", 1, "wrt"), lambda p: [p]),
    ("normal-equations", ("steps", 3, "wrt"), lambda p: [p]),
    ("normal-equations", ("steps", 5, "factor"), lambda p: p),
    ("ridge-solution", ("steps", 1, "alpha"), lambda p: p),
    ("ridge-solution", ("steps", 1, "beta"), lambda p: p),
    ("gd-taylor", ("steps", 1, "small"), lambda p: p),
    ("normal-equations", ("assumptions", 2, "subject"), lambda p: p),
    ("normal-equations", ("result",), lambda p: p),
    ("normal-equations", ("claim",), lambda p: p),
    ("normal-equations", ("variables",), lambda p: [p]),
    ("normal-equations", ("sizes",), lambda p: {"map": [[p, [3]]]}),
    ("normal-equations", ("steps", 3, "wrt"), lambda p: [{"map": [[p, 1]]}]),
    ("normal-equations", ("steps", 3, "expr"), lambda p: {"node": "Add", "args": [p, p]}),
    ("normal-equations", ("steps", 3, "expr"), lambda p: {"node": "Pow", "args": [{"node": "Integer", "value": "2"}, p]}),
]


def _field_id(row):
    name, path, _ = row
    return f"{name}:{'.'.join(map(str, path))}"


@pytest.mark.parametrize("row", EXPRESSION_FIELDS, ids=[_field_id(r) for r in EXPRESSION_FIELDS])
def test_a_string_in_an_expression_field_is_refused_and_never_runs(row, tmp_path):
    name, path, place = row
    marker = tmp_path / "marker"
    doc = _export(name)
    if path[0] == "steps" and path[-1] in ("alpha", "beta", "factor", "small"):
        step = doc["derivations"][0]["steps"][path[1]]
        assert step[path[-1]] is not None or path[-1] in ("alpha", "beta", "factor", "small")
    _set(doc, path, place(_payload(marker)))
    with pytest.raises(FormatError, match="never text to parse|expected an expression|sizes map"):
        _use(load_export(doc))
    assert not marker.exists()


TEXT_FIELDS = [
    ("normal-equations", ("steps", 0, "lhs")),
    ("normal-equations", ("steps", 1, "reason")),
    ("normal-equations", ("steps", 1, "source")),
    ("normal-equations", ("assumptions", 2, "text")),
    ("normal-equations", ("title",)),
    ("map-laplace-prior-lasso", ("extras", "lam", "value")),
]


@pytest.mark.parametrize("row", TEXT_FIELDS, ids=[f"{n}:{'.'.join(map(str, p))}" for n, p in TEXT_FIELDS])
def test_text_fields_load_and_their_text_never_runs(row, tmp_path):
    name, path = row
    marker = tmp_path / "marker"
    doc = _export(name)
    _set(doc, path, _payload(marker))
    _use(load_export(doc))
    assert not marker.exists()


def test_a_hostile_symbol_name_never_runs_in_the_generated_solver(tmp_path):
    marker = tmp_path / "marker"
    doc = _export("normal-equations")
    text = json.dumps(doc).replace('"name": "y"', json.dumps({"name": _payload(marker)})[1:-1])
    text = text.replace('{"node": "Str", "value": "y"}', json.dumps({"node": "Str", "value": _payload(marker)}))
    loaded = load_export(json.loads(text))
    _use(loaded)
    assert not marker.exists()


@pytest.mark.parametrize(
    "float_node, message",
    [
        ({"precision": 0}, "precision"),
        ({"precision": -7}, "precision"),
        ({"precision": 10**7}, "precision"),
        ({"precision": True}, "precision"),
        ({"mpf": [2, "0x3", 0, 2]}, "sign"),
        ({"mpf": [0, "0x3", 0, 5]}, "bitcount"),
        ({"mpf": [0, "0x3", 10**9, 2]}, "exponent"),
        ({"mpf": [0, "3", 0, 2]}, "mantissa"),
        ({"mpf": [0, "0x" + "f" * 5000, 0, 20000]}, "mantissa"),
        ({"mpf": [0, "0x3", 0]}, "mpf"),
    ],
    ids=["precision-0", "precision-negative", "precision-huge", "precision-bool", "sign-2",
         "bitcount-mismatch", "exponent-huge", "mantissa-not-hex", "mantissa-too-long", "mpf-short"],
)
def test_float_nodes_are_bounded(float_node, message):
    from derive.render.json import decode_expr

    node = {"node": "Float", "value": "1.5", "precision": 53, "mpf": [0, "0x3", -1, 2]}
    node.update(float_node)
    with pytest.raises(FormatError, match=message):
        decode_expr(node)


def test_a_valid_float_round_trips():
    import sympy as sp

    from derive.render.json import decode_expr, encode_expr

    for value in (sp.Float("1.5"), sp.Float("-2.25e-300", 60), sp.Float(0), sp.Float("1e308")):
        assert decode_expr(json.loads(json.dumps(encode_expr(value)))) == value


def test_integers_up_to_the_documented_limit_round_trip_and_beyond_are_refused():
    import sympy as sp

    from derive.render.json import MAX_DIGITS, decode_expr, encode_expr

    big = sp.Integer(10) ** (MAX_DIGITS - 1) + 7
    assert decode_expr(json.loads(json.dumps(encode_expr(big)))) == big
    assert decode_expr(json.loads(json.dumps(encode_expr(-big)))) == -big
    with pytest.raises(FormatError, match="at most"):
        decode_expr({"node": "Integer", "value": "9" * (MAX_DIGITS + 1)})
    with pytest.raises(FormatError, match="decimal integer"):
        decode_expr({"node": "Integer", "value": "١٢"})  # Arabic-Indic digits are not decimal ASCII


WRONG_VALUES = [None, 1, 1.5, True, "x", [], [1], {}, {"node": 3}, {"map": 1}]


def _malformed_documents():
    """Every field of a derivation, a step and an assumption replaced by values of the wrong kind."""
    base = _export("normal-equations")
    rows = []
    derivation = base["derivations"][0]
    for key in list(derivation):
        rows += [(("derivations", 0, key), v) for v in WRONG_VALUES]
    for key in list(derivation["steps"][3]):
        rows += [(("derivations", 0, "steps", 3, key), v) for v in WRONG_VALUES]
    for key in list(derivation["assumptions"][2]):
        rows += [(("derivations", 0, "assumptions", 2, key), v) for v in WRONG_VALUES]
    rows += [(("derivations", 0, "steps", 3), v) for v in WRONG_VALUES]
    rows += [(("derivations",), v) for v in WRONG_VALUES]
    rows += [(("derivations", 0), v) for v in WRONG_VALUES]
    return base, rows


def test_every_malformed_document_is_a_format_error_or_loads():
    base, rows = _malformed_documents()
    assert len(rows) > 300
    crashes = []
    for path, value in rows:
        doc = copy.deepcopy(base)
        obj = doc
        for key in path[:-1]:
            obj = obj[key]
        obj[path[-1]] = value
        try:
            load_export(doc)
        except FormatError:
            continue
        except Exception as exc:  # noqa: BLE001 - what we are looking for
            crashes.append(f"{'.'.join(map(str, path))} = {value!r}: {type(exc).__name__}: {exc}")
    assert not crashes, "\n".join(crashes[:20])


def test_load_export_reads_a_path(tmp_path):
    doc = _export("normal-equations")
    path = tmp_path / "results.json"
    path.write_text(json.dumps(doc))
    loaded = load_export(path)
    assert loaded["normal-equations"] == derive.get("normal-equations")
    assert load_export(str(path)).keys() == loaded.keys()
    with pytest.raises(FormatError, match="no such file"):
        load_export(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(FormatError, match="not JSON"):
        load_export(tmp_path / "bad.json")


def test_derivation_json_of_every_field_is_typed():
    obj = derivation_json(derive.get("normal-equations"))
    assert all(isinstance(s["expr"], dict) and "node" in s["expr"] for s in obj["steps"])


# --- no path from a user's text to SymPy's string parser -------------------------------------

PARSERS = {"parse_expr", "eval", "exec", "parse_latex", "srepr_eval"}


def _calls(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else None
            yield name, node


def _is_strict(call) -> bool:
    return any(k.arg == "strict" and isinstance(k.value, ast.Constant) and k.value.value is True
               for k in call.keywords)


# the two compiled solver templates: fixed source plus identifiers checked by python_name
ALLOWED_EXEC = {("derive/codegen/solvers.py", "exec"), ("derive/codegen/__init__.py", "exec")}


def test_no_sympify_without_strict_and_no_string_parser_in_derive():
    offenders = []
    for path in sorted((ROOT / "derive").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        for name, call in _calls(ast.parse(path.read_text(), rel)):
            if name == "sympify" and not _is_strict(call):
                offenders.append(f"{rel}:{call.lineno}: sympify without strict=True")
            if name == "S" and call.args and isinstance(call.args[0], ast.Constant) \
                    and isinstance(call.args[0].value, str):
                offenders.append(f"{rel}:{call.lineno}: S() of a string")
            if name in PARSERS and (rel, name) not in ALLOWED_EXEC:
                offenders.append(f"{rel}:{call.lineno}: {name}()")
    assert not offenders, "\n".join(offenders)
