"""derive verify: reading LaTeX in ML notation (grammar + reader + builder), no eval anywhere."""

import pytest
import sympy as sp

from derive.verify.read import nodes as N
from derive.verify.decide.build import build_pair
from derive.verify.read.parse import ParseError, Reading, read
from derive.verify.model.shapes import Facts, parse_declarations


def value(latex, declarations="", reading=Reading()):
    """The SymPy value of `latex` and a lookup from display names to its symbols."""
    node = read(latex, reading)
    facts = parse_declarations(declarations) if declarations else Facts()
    (built, _) = build_pair(node, None, (), facts, {})
    names = {}
    for display, s in built.namer.scalars.items():
        names[display] = s
    for (display, _, _), m in built.namer.matrices.items():
        names[display] = m
    for display, b in built.namer.bases.items():
        names[display] = b
    return built.before, names


def test_a_sum_binds_its_index():
    e, n = value(r"\sum_{i=1}^n x_i")
    assert isinstance(e, sp.Sum)
    assert e.function.base == n["x"]
    assert e.limits[0][1:] == (1, n["n"])


@pytest.mark.parametrize("latex", [r"\sum^n_{i=1} x_i", r"\sum_{i=1}^{n} x_{i}", r"\sum\limits_{i=1}^n x_i"])
def test_bounds_in_either_order(latex):
    e, _ = value(latex)
    assert isinstance(e, sp.Sum)


def test_sum_without_bounds():
    e, _ = value(r"\sum_i x_i")
    assert isinstance(e, sp.Sum) and e.limits[0][1] == 1


def test_sum_reaches_terms_that_use_its_index():
    node = read(r"\sum_{i=1}^N 2\mu - 2 x_i")
    assert isinstance(node, N.BigOp)
    node = read(r"\sum_{i=1}^N x_i - N\mu")
    assert isinstance(node, N.Add)


def test_log_is_natural_and_frac_sqrt_exp_pi():
    e, n = value(r"\log \frac{1}{\sqrt{2\pi\sigma^2}} \exp\left(-\frac{x^2}{2\sigma^2}\right)")
    s, x = n[r"\sigma"], n["x"]
    assert sp.simplify(e - sp.log(sp.exp(-x**2 / (2 * s**2)) / sp.sqrt(2 * sp.pi * s**2))) == 0


def test_ln_dfrac_and_e_power():
    e, n = value(r"\ln \dfrac{e^{2x}}{e^{x}}")
    assert sp.simplify(e - n["x"]) == 0


@pytest.mark.parametrize("mark", [r"^\top", "^T", r"^{\mathsf T}", r"^{\top}", r"^{T}"])
def test_transpose_marks(mark):
    e, n = value(rf"X{mark} y")
    assert e == n["X"].T * n["y"]


def test_matrix_products_keep_their_order_and_inverse():
    e, n = value(r"(X^\top X)^{-1} X^\top y")
    X, y = n["X"], n["y"]
    assert e == sp.Inverse(X.T * X) * X.T * y


@pytest.mark.parametrize("latex", [r"\|Xw - y\|^2", r"\lVert Xw - y \rVert_2^2", r"\left\| Xw - y \right\|^2_2", r"||Xw - y||^2"])
def test_squared_norms_are_quadratic_forms(latex):
    e, n = value(latex)
    r = n["X"] * n["w"] - n["y"]
    assert e == r.T * r


def test_abs_and_l1_norm():
    e, n = value(r"|y - x|")
    assert e == sp.Abs(n["y"] - n["x"])
    node = read(r"\|\theta\|_1")
    assert isinstance(node, N.Norm) and node.p == "1"


def test_gradient_of_a_quadratic_form():
    e, n = value(r"\nabla_\theta (\theta^\top A \theta)")
    A, t = n["A"], n[r"\theta"]
    assert e == A * t + A.T * t


def test_partial_derivatives():
    e, n = value(r"\frac{\partial}{\partial \mu} (x - \mu)^2")
    assert sp.simplify(e - (-2 * (n["x"] - n[r"\mu"]))) == 0
    e, n = value(r"\frac{\partial \mu^3}{\partial \mu}")
    assert sp.simplify(e - 3 * n[r"\mu"] ** 2) == 0


def test_accents_and_fonts_are_part_of_the_name():
    node = read(r"\hat{\theta} + \bar{x} + \tilde{y} + \mathbf{w}^\top \mathbf{x}")
    names = {n.name for n in node.walk() if isinstance(n, N.Sym)}
    assert names == {r"\hat{\theta}", r"\bar{x}", r"\tilde{y}", r"\mathbf{w}", r"\mathbf{x}"}


def test_text_and_operatorname_names():
    node = read(r"\text{MSE} + \mathrm{loss} + \operatorname{pmodel}(x)")
    assert isinstance(node.terms[2], N.Apply) and node.terms[2].fn == "pmodel"


def test_spacing_left_right_cdot_times_and_implicit_products():
    a = read(r"2 \cdot x \, y \times z")
    b = read(r"\left( 2 x y z \right)")
    assert value(r"2 \cdot x \, y \times z")[0] == value(r"\left( 2 x y z \right)")[0]
    assert isinstance(a, N.Mul) and isinstance(b, N.Mul)


def test_function_application_and_conditionals():
    node = read(r"p(x \mid \theta) + f(x) + P(y|X;w)")
    fns = [(t.fn, len(t.args), len(t.given)) for t in node.terms]
    assert fns == [("p", 1, 1), ("f", 1, 0), ("P", 1, 2)]


@pytest.mark.parametrize("latex", [r"\mathcal{N}(x \mid \mu, \sigma^2)", r"\mathcal{N}(x; \mu, \sigma^2)"])
def test_gaussian_density(latex):
    e, n = value(latex)
    x, mu, s = n["x"], n[r"\mu"], n[r"\sigma"]
    expected = sp.exp(-(x - mu) ** 2 / (2 * s**2)) / sp.sqrt(2 * sp.pi * s**2)
    assert sp.simplify(e - expected) == 0


def test_laplace_density():
    e, n = value(r"\text{Laplace}(x \mid \mu, b)")
    x, mu, b = n["x"], n[r"\mu"], n["b"]
    assert sp.simplify(e - sp.exp(-sp.Abs(x - mu) / b) / (2 * b)) == 0


def test_underbrace_keeps_its_body_and_set_braces_group():
    assert value(r"\underbrace{a + b}_{\text{two}} c")[0] == value(r"(a + b) c")[0]
    assert value(r"\{a + b\} c")[0] == value(r"(a + b) c")[0]


def test_argmin_forms():
    for latex in (r"\arg\min_\theta f(\theta)", r"\underset{\theta}{\mathrm{argmin}}\, f(\theta)",
                  r"\operatorname*{argmin}_\theta f(\theta)", r"\argmin_{\theta} f(\theta)"):
        node = read(latex)
        assert isinstance(node, N.Opt) and node.kind == "argmin" and node.wrt == (N.Sym(r"\theta"),)


def test_sample_superscript_is_an_index():
    node = read(r"\sum_{i=1}^m \log p(x^{(i)})")
    assert isinstance(node.body.args[0].args[0], N.Indexed)


def test_log_of_a_parenthesised_power_has_two_readings():
    default = read(r"\log(a)^N b")
    other = read(r"\log(a)^N b", Reading(fn_scope="product"))
    assert default != other


def test_declarations_override_heuristics():
    e, n = value(r"A b", "A scalar; b scalar")
    assert not isinstance(e, sp.MatrixExpr)
    e, n = value(r"x^\top x", "x vector d")
    assert e.shape == (1, 1)


@pytest.mark.parametrize(
    "latex, message",
    [
        (r"\frac{1}{", "ends early"),
        (r"a + ", "nothing after"),
        (r"x \cdots y", "ellipsis"),
        (r"\mathbb{E} x", "brackets"),
        (r"\int f(x)", "differential"),
        (r"a ? b", "unexpected character"),
        ("(" * 60 + "x" + ")" * 60, "nests brackets"),
        ("x" * 5000, "characters"),
    ],
)
def test_errors_say_what_is_wrong(latex, message):
    with pytest.raises(ParseError, match=message):
        read(latex)


def test_python_code_as_names_is_just_letters():
    node = read(r"\text{__import__('os').system('echo hi')}")
    assert isinstance(node, N.Sym)
    e, n = value(r"\mathrm{eval}(x) + \text{os}")
    assert all(s.name[0] in "sfmxki" and s.name[1:].isdigit() for s in e.free_symbols)
