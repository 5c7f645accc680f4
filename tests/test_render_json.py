"""JSON export and import: every derivation round-trips to equal SymPy objects, without eval."""

from __future__ import annotations

import json

import pytest
import sympy as sp

import derive
from derive.cli import main
from derive.render.json import (
    FormatError,
    UnsupportedNode,
    decode_expr,
    derivation_from_json,
    derivation_json,
    encode_expr,
    load_derivation,
    load_export,
    node_types,
)
from tests.test_render_latex import built


def roundtrip(expr):
    return decode_expr(json.loads(json.dumps(encode_expr(expr))))


@pytest.mark.parametrize("name", derive.names())
def test_every_derivation_round_trips(name):
    d = built(name)
    obj = json.loads(json.dumps(derivation_json(d)))
    back = derivation_from_json(obj)
    assert back["result"] == d.result
    assert back["claim"] == d.claim
    assert back["variables"] == tuple(d.variables)
    assert back["assumptions"] == d.assumptions
    for k, (a, b) in enumerate(zip(back["steps"], d.steps)):
        assert a.expr == b.expr, f"step {k} expr"
        assert a == b, f"step {k}"
    assert back["extras"] == dict(d.extras)
    assert load_derivation(obj) == d
    assert obj["steps"][0]["latex"] and obj["result_latex"]


def test_check_verdicts_are_exported_with_their_method():
    d = built("normal-equations")
    obj = derivation_json(d, d.check())
    assert obj["check"]["ok"] is True
    methods = {s["check"]["method"] for s in obj["steps"]}
    assert methods <= {"symbolic", "instantiated", "sampled", None}
    assert obj["steps"][0]["check"]["status"] == "given"


@pytest.mark.parametrize(
    "assumptions",
    [{"positive": True}, {"integer": True}, {"real": True}, {"integer": True, "positive": True},
     {"nonnegative": True, "integer": True}, {}],
    ids=lambda a: "-".join(a) or "none",
)
def test_symbol_assumptions_round_trip(assumptions):
    x = sp.Symbol("x", **assumptions)
    back = roundtrip(x)
    assert back == x
    assert back.is_positive == x.is_positive and back.is_integer == x.is_integer and back.is_real == x.is_real
    assert back != sp.Symbol("x") or not assumptions


k, m = sp.symbols("k m", integer=True, positive=True)
x, t = sp.symbols("x t", real=True)
A = sp.MatrixSymbol("A", k, k)
v = sp.MatrixSymbol("v", k, 1)
xb = sp.IndexedBase("x", real=True)
j = sp.Idx(sp.Symbol("j", integer=True), (1, m))
f = sp.Function("f", real=True)


@pytest.mark.parametrize(
    "expr",
    [
        pytest.param(sp.Float("0.1", 30), id="Float"),
        pytest.param(sp.Rational(-7, 3), id="Rational"),
        pytest.param(sp.Integer(10) ** 40 + 1, id="big-Integer"),
        pytest.param(sp.pi * sp.E + sp.I * sp.oo, id="constants"),
        pytest.param(sp.sqrt(2 * sp.pi * x**2), id="sqrt-as-Pow"),
        pytest.param(sp.Add(x, x, evaluate=False), id="unevaluated-Add"),
        pytest.param(sp.Piecewise((x, x > 0), (-x, True)), id="Piecewise"),
        pytest.param(sp.Max(x, 0) + sp.Min(x, t) + sp.Abs(x) * sp.sign(t), id="Max-Min-Abs-sign"),
        pytest.param(sp.Derivative(f(x, t), x, 2), id="Derivative-of-undefined-function"),
        pytest.param(sp.KroneckerDelta(k, m), id="KroneckerDelta"),
        pytest.param(sp.Sum(xb[j], (j, 1, m)) + sp.Product(xb[j] ** 2, (j, 1, m)), id="Sum-Product-Idx"),
        pytest.param(sp.Eq(x, 1) & (x < t) | sp.Ne(t, 2), id="relations-logic"),
        pytest.param(sp.Trace(A) + sp.Determinant(A.I), id="Trace-Determinant-Inverse"),
        pytest.param((A.T * A + sp.Identity(k)) ** 2 * v + sp.ZeroMatrix(k, 1), id="MatPow-Identity-Zero"),
        pytest.param(sp.ImmutableMatrix([[1, sp.Rational(1, 2)], [x, sp.log(t)]]), id="ImmutableMatrix"),
        pytest.param(sp.Dummy("u", positive=True) + 1, id="Dummy"),
        pytest.param(sp.exp(-(x**2) / 2) * sp.log(t), id="exp-log"),
        pytest.param(sp.Tuple(x, 1, (t, 2)), id="Tuple"),
        pytest.param(sp.Contains(x, sp.Interval(0, 1, right_open=True)) | sp.Contains(t, sp.FiniteSet(1, 2)),
                     id="sets"),
    ],
)
def test_node_types_round_trip(expr):
    assert roundtrip(expr) == expr


def test_decoding_does_not_evaluate_text(monkeypatch):
    d = built("normal-equations")
    obj = json.loads(json.dumps(derivation_json(d)))

    def forbidden(*args, **kwargs):
        raise AssertionError("the decoder must not parse or evaluate text")

    monkeypatch.setattr(sp, "sympify", forbidden)
    monkeypatch.setattr(sp, "parse_expr", forbidden, raising=False)
    monkeypatch.setattr("builtins.eval", forbidden)
    assert load_derivation(obj) == d


@pytest.mark.parametrize(
    "node, message",
    [
        pytest.param({"node": "Exec", "args": []}, "unknown node type 'Exec'", id="unknown-type"),
        pytest.param({"node": "Symbol", "name": "x", "assumptions": {"evil": True}}, "unknown assumption",
                     id="bad-assumption"),
        pytest.param({"node": "Integer", "value": "1e9"}, "decimal integer", id="bad-integer"),
        pytest.param({"node": "Catalog", "module": "os", "class": "system", "args": []}, "not a class of derive.catalog",
                     id="catalog-outside"),
        pytest.param({"node": "Add"}, "lacks the field 'args'", id="missing-args"),
        pytest.param("x + 1", "expected an expression node", id="a-string"),
    ],
)
def test_bad_input_is_a_clear_error(node, message):
    with pytest.raises(FormatError, match=message):
        decode_expr(node)


def test_deep_nesting_is_refused():
    node = {"node": "Symbol", "name": "x", "assumptions": {}}
    for _ in range(1000):
        node = {"node": "exp", "args": [node]}
    with pytest.raises(FormatError, match="deeper"):
        decode_expr(node)


def test_unsupported_sympy_types_are_named():
    with pytest.raises(UnsupportedNode, match="Poly"):
        encode_expr(sp.Poly(x**2 + 1, x))
    assert "MatMul" in node_types() and "Symbol" in node_types()


def test_export_command_writes_a_loadable_file(tmp_path, capsys):
    built("normal-equations")
    built("quadratic-form-gradient")
    out = tmp_path / "results.json"
    assert main(["export", "normal-equations", "quadratic-form-gradient", "--no-check", "-o", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["format"] == "derive.export" and len(data["derivations"]) == 2
    loaded = load_export(data)
    assert loaded["normal-equations"] == derive.get("normal-equations")


def test_show_json_is_the_same_format(capsys):
    built("normal-equations")
    assert main(["show", "normal-equations", "--format", "json"]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert load_derivation(obj) == derive.get("normal-equations")
