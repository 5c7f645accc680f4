"""derive verify reads the notation people actually write: one row per construct (issue 13).

Each row reads a formula and compares the tree with the one it must be (or, for a refusal,
the message). A few rows build the tree to SymPy where the meaning is the point (norms,
expectations, integrals). Nothing here is timed.
"""

import pytest
import sympy as sp

from derive.verify.read import nodes as N
from derive.verify.read.extract import extract_text
from derive.verify.read.parse import Notation, ParseError, Reader, items_of, read

S = N.Sym
x, y, A, B, W, X = S("x"), S("y"), S("A"), S("B"), S("W"), S("X")
s_ = S("s")
theta, mu, sigma = S(r"\theta"), S(r"\mu"), S(r"\sigma")
T = N.Transpose
TWO = N.Num("2")


def sq(e):
    return N.Pow(e, TWO)


def read_with(latex, **notation):
    return Reader(notation=Notation(**notation)).expression(items_of(latex))


x_minus_s = N.Add((x, N.Neg(s_)))
COOKBOOK_FORM = N.Mul((T(x_minus_s), W, x_minus_s))

ROWS = [
    # bars and norms
    ("vert", r"\vert x \vert", N.Call("abs", (x,))),
    ("lvert-rvert", r"\lvert x \rvert", N.Call("abs", (x,))),
    ("Vert", r"\Vert x \Vert", N.Norm(x, "2")),
    ("left-Vert", r"\left\Vert x \right\Vert^2", N.Pow(N.Norm(x, "2"), TWO)),
    ("norm-F", r"\|X\|_F", N.Norm(X, "F")),
    ("norm-1", r"\|x\|_1", N.Norm(x, "1")),
    ("norm-infty", r"\|x\|_\infty", N.Norm(x, r"\infty")),
    ("determinant-bars", r"|\Sigma|", N.Call("abs", (S(r"\Sigma"),))),
    # fonts are part of a name
    ("bold", r"\bold{x}", S(r"\bold{x}")),
    ("bm", r"\bm{x}", S(r"\bm{x}")),
    ("boldsymbol", r"\boldsymbol{\mu}", S(r"\boldsymbol{\mu}")),
    ("mathbf", r"\mathbf{x} + x", N.Add((S(r"\mathbf{x}"), x))),
    ("mathrm", r"\mathrm{MSE}", S("MSE")),
    ("mathsf", r"\mathsf{X}", S(r"\mathsf{X}")),
    ("mathcal", r"\mathcal{L}", S(r"\mathcal{L}")),
    ("pmb", r"\pmb{x}", S(r"\pmb{x}")),
    ("mathbb-identity", r"\mathbb{I}", S(r"\mathbb{I}")),
    ("font-with-scripts", r"\mathbf{x}_i^\top \mathbf{w}", N.Mul((T(N.Indexed(r"\mathbf{x}", (S("i"),))), S(r"\mathbf{w}")))),
    # the physics package
    ("qty", r"\qty(a + b)^2", sq(N.Add((S("a"), S("b"))))),
    ("dv", r"\dv{f}{x}", N.Deriv(S("f"), x)),
    ("dv-operator", r"\dv{x} x^2", N.Deriv(sq(x), x)),
    ("dv-order", r"\dv[2]{f}{x}", N.Deriv(S("f"), x, 2)),
    ("pdv", r"\pdv{f}{x}", N.Deriv(S("f"), x)),
    ("pdv-mixed", r"\pdv{f}{x}{y}", N.Deriv(N.Deriv(S("f"), y), x)),
    ("mqty", r"\mqty[a & b \\ c & d]", N.Matrix(((S("a"), S("b")), (S("c"), S("d"))))),
    ("vb", r"\vb{x}", S(r"\mathbf{x}")),
    ("tr", r"\tr(A)", N.Call("tr", (A,))),
    ("Tr", r"\Tr(A)", N.Call("tr", (A,))),
    ("trace", r"\trace A", N.Call("tr", (A,))),
    ("operatorname-tr", r"\operatorname{tr}(A B)", N.Call("tr", (N.Mul((A, B)),))),
    ("det", r"\det(\Sigma)", N.Call("det", (S(r"\Sigma"),))),
    ("det-bare", r"\det \Sigma", N.Call("det", (S(r"\Sigma"),))),
    # derivatives and their reach
    ("cookbook-frac-partial", r"\frac{\partial}{\partial x}(x-s)^T W (x-s)", N.Deriv(COOKBOOK_FORM, x)),
    ("cookbook-nabla", r"\nabla_x (x-s)^T W (x-s)", N.Grad(COOKBOOK_FORM, x)),
    ("nabla-quadratic-form", r"\nabla_x x^T A x", N.Grad(N.Mul((T(x), A, x)), x)),
    ("partial-reach-ends-at-sign", r"\frac{\partial}{\partial x} x^T A x + b^T x",
     N.Add((N.Deriv(N.Mul((T(x), A, x)), x), N.Mul((T(S("b")), x))))),
    ("nabla-of-a-function-then-product", r"\nabla f(x)^T d", N.Mul((T(N.Grad(N.Apply("f", (x,)), None)), S("d")))),
    ("partial-subscript", r"\partial_\mu f", N.Deriv(S("f"), mu)),
    ("partial-differential", r"X^T \partial X", N.Mul((T(X), S(r"\partial X")))),
    ("mathrm-d-differential", r"\mathrm{d}X", S("dX")),
    ("mathrm-d-fraction", r"\frac{\mathrm{d} f}{\mathrm{d} x}", N.Deriv(S("f"), x)),
    ("hessian-frac", r"\frac{\partial^2 f}{\partial x \partial x^T}", N.Grad(S("f"), x, 2)),
    ("mixed-frac", r"\frac{\partial^2 f}{\partial x \partial y}", N.Deriv(N.Deriv(S("f"), y), x)),
    ("function-of-t-under-d-dt", r"\frac{d}{dt} X(t)", N.Deriv(N.Apply("X", (S("t"),)), S("t"))),
    # products
    ("circ-hadamard", r"A \circ B", N.Elementwise("hadamard", A, B)),
    ("odot-hadamard", r"W^T d \odot g", N.Elementwise("hadamard", N.Mul((T(W), S("d"))), S("g"))),
    ("otimes-kronecker", r"A \otimes B", N.Elementwise("kronecker", A, B)),
    # optimisation
    ("arg-max", r"\arg\max_\theta f(\theta)", N.Opt("argmax", (theta,), N.Apply("f", (theta,)))),
    ("operatorname-star-argmin", r"\operatorname*{argmin}_\theta f(\theta)", N.Opt("argmin", (theta,), N.Apply("f", (theta,)))),
    ("underset-arg-max", r"\underset{\theta}{\arg\max} f(\theta)", N.Opt("argmax", (theta,), N.Apply("f", (theta,)))),
    ("max-subscript", r"\max_\theta f(\theta)", N.Opt("max", (theta,), N.Apply("f", (theta,)))),
    ("min-subscript", r"\min_\theta f(\theta)", N.Opt("min", (theta,), N.Apply("f", (theta,)))),
    ("min-without-backslash", r"min_{\theta} f(\theta)", N.Opt("min", (theta,), N.Apply("f", (theta,)))),
    # probability
    ("mathbb-E", r"\mathbb{E}[x]", N.Expect("E", (x,))),
    ("E-under-a-distribution", r"E_{x\sim p}[f(x)]", N.Expect("E", (N.Apply("f", (x,)),), (), x, S("p"))),
    ("mathbb-E-sim-normal", r"\mathbb{E}_{x \sim \mathcal{N}(\mu, \sigma^2)}[x]",
     N.Expect("E", (x,), (), x, N.Density("normal", None, (mu, sq(sigma))))),
    ("operatorname-Var", r"\operatorname{Var}(x)", N.Expect("Var", (x,))),
    ("mathrm-Var-bracket", r"\mathrm{Var}[x]", N.Expect("Var", (x,))),
    ("operatorname-Cov", r"\operatorname{Cov}(x, y)", N.Expect("Cov", (x, y))),
    ("conditional-expectation", r"\mathbb{E}[y \mid x]", N.Expect("E", (y,), (x,))),
    ("density-given-semicolon", r"p(y \mid x; \theta)", N.Apply("p", (y,), (x, theta))),
    ("density-bar-comma", r"p(y|x,\theta)", N.Apply("p", (y,), (x, theta))),
    ("normal-semicolon", r"\mathcal{N}(x; \mu, \sigma^2)", N.Density("normal", x, (mu, sq(sigma)))),
    ("normal-letter-N", r"N(\mu, \sigma^2)", N.Density("normal", None, (mu, sq(sigma)))),
    ("text-Laplace", r"\text{Laplace}(\mu, b)", N.Density("laplace", None, (mu, S("b")))),
    ("text-Bernoulli", r"\text{Bernoulli}(p)", N.Density("bernoulli", None, (S("p"),))),
    ("text-Poisson", r"\text{Poisson}(\lambda)", N.Density("poisson", None, (S(r"\lambda"),))),
    ("text-Beta", r"\text{Beta}(a, b)", N.Density("beta", None, (S("a"), S("b")))),
    ("text-Gamma", r"\text{Gamma}(a, b)", N.Density("gamma", None, (S("a"), S("b")))),
    ("text-Exp", r"\text{Exp}(\lambda)", N.Density("exponential", None, (S(r"\lambda"),))),
    ("gamma-function", r"\Gamma(a)", N.Call("gamma", (S("a"),))),
    # integrals
    ("int-definite", r"\int_0^1 x \, dx", N.Integral(x, x, N.Num("0"), N.Num("1"))),
    ("int-density-support", r"\int \mathcal{N}(x; 0, 1) \, dx", N.Integral(N.Density("normal", x, (N.Num("0"), N.Num("1"))), x)),
    ("int-mathrm-d", r"\int_a^b f(x) \,\mathrm{d}x", N.Integral(N.Apply("f", (x,)), x, S("a"), S("b"))),
    ("int-across-signs", r"\int_0^1 x + 1 \, dx", N.Integral(N.Add((x, N.Num("1"))), x, N.Num("0"), N.Num("1"))),
    # sums and products
    ("sum-index-only", r"\sum_i x_i", N.BigOp("sum", "i", None, None, N.Indexed("x", (S("i"),)))),
    ("sum-index-and-top", r"\sum_{i}^{n} x_i", N.BigOp("sum", "i", None, S("n"), N.Indexed("x", (S("i"),)))),
    ("sum-powers", r"\sum_{k=1}^{n} x^k", N.BigOp("sum", "k", N.Num("1"), S("n"), N.Pow(x, S("k")))),
    ("sum-subscripts", r"\sum_{k=1}^{n} x_k", N.BigOp("sum", "k", N.Num("1"), S("n"), N.Indexed("x", (S("k"),)))),
    ("prod-index-only", r"\prod_i p_i", N.BigOp("prod", "i", None, None, N.Indexed("p", (S("i"),)))),
    ("sample-superscript", r"x^{(i)}", N.Indexed("x", (S("i"),))),
    ("cdots-written-out", r"x_1 + x_2 + \cdots + x_n", N.BigOp("sum", "k", N.Num("1"), S("n"), N.Indexed("x", (S("k"),)))),
    ("ldots-written-out", r"x_1 + \ldots + x_n", N.BigOp("sum", "k", N.Num("1"), S("n"), N.Indexed("x", (S("k"),)))),
    ("cdots-squares", r"(y_1 - a)^2 + \cdots + (y_n - a)^2",
     N.BigOp("sum", "k", N.Num("1"), S("n"), sq(N.Add((N.Indexed("y", (S("k"),)), N.Neg(S("a"))))))),
    ("sum-without-index", r"\sum(x_i - \mu)^2", N.BigOp("sum", "i", None, None, sq(N.Add((N.Indexed("x", (S("i"),)), N.Neg(mu)))))),
    ("arguments-with-ldots", r"p(r_1, \ldots, r_t \mid \rho)",
     N.Apply("p", (N.Sequence(N.Indexed("r", (N.Num("1"),)), N.Indexed("r", (S("t"),))),), (S(r"\rho"),))),
    ("arguments-with-dots-typed", r"L(\theta; x_1, ..., x_n)",
     N.Apply("L", (theta,), (N.Sequence(N.Indexed("x", (N.Num("1"),)), N.Indexed("x", (S("n"),))),))),
    ("bf-group", r"{\bf v}_1", N.Indexed(r"\mathbf{v}", (N.Num("1"),))),
    ("bf-switch", r"\bf x + 1", N.Add((S(r"\mathbf{x}"), N.Num("1")))),
    ("over", r"{a \over b}", N.Div(S("a"), S("b"))),
    ("choose", r"{n \choose k}", N.Call("binomial", (S("n"), S("k")))),
    ("star-superscript", r"w^* + \mathbf{w}^*", N.Add((S("w^{*}"), S(r"\mathbf{w}^{*}")))),
    ("x-prime-another-point", r"f(x')", N.Apply("f", (S("x'"),))),
    ("en-dash-minus", "a – b", N.Add((S("a"), N.Neg(S("b"))))),
    ("ellipsis-without-its-sign", r"- a_1 - a_2 \cdots - a_n",
     N.Neg(N.BigOp("sum", "k", N.Num("1"), S("n"), N.Indexed("a", (S("k"),))))),
    ("event-probability", r"P(X = 1)", N.Apply("P", (N.Equation(X, "=", N.Num("1")),))),
    ("sum-skipping-one-index", r"\sum_{i \neq k} y_i",
     N.Add((N.BigOp("sum", "i", None, None, N.Indexed("y", (S("i"),))), N.Neg(N.Indexed("y", (S("k"),)))))),
    ("pi-as-a-posterior", r"\pi(\mu \mid x)", N.Apply(r"\pi", (mu,), (x,))),
    ("pi-with-a-subscript", r"\pi_\Theta(\theta)", N.Apply(r"\pi", (theta,), (), (S(r"\Theta"),))),
    ("pi-times-a-bracket", r"2\pi(x + 1)", N.Mul((TWO, N.Const("pi"), N.Add((x, N.Num("1")))))),
    ("subscript-with-given", r"f_{Y \mid \Theta}(y)", N.Apply("f", (y,), (), (S(r"Y|\Theta"),))),
    ("angle-inner-product", r"\left\langle a, b \right\rangle", N.Mul((T(S("a")), S("b")))),
    ("angle-bare", r"\langle a, b \rangle", N.Mul((T(S("a")), S("b")))),
    ("angle-expectation", r"\langle x \rangle", N.Expect("E", (x,))),
    ("lim", r"\lim_{h \to 0} \frac{x + h}{2}", N.Limit(N.Div(N.Add((x, S("h"))), TWO), S("h"), N.Num("0"))),
    ("bigtriangledown-nabla", r"\bigtriangledown_x x^T A x", N.Grad(N.Mul((T(x), A, x)), x)),
    ("font-switch-at-group-end", r"{I\bf }", S("I")),
    # functions
    ("rm-switch-name", r"\rm Bias(f)", N.Apply("Bias", (S("f"),))),
    ("prime-superscript", r"l^{\prime\prime}(x)", N.Apply("l", (x,), (), (), 2)),
    ("Pr", r"\Pr(A)", N.Apply(r"\Pr", (A,))),
    ("size-commands-ignored", r"\frac{\Large x}{\Large 2}", N.Div(x, TWO)),
    ("exp-set-braces", r"\exp\{-x^2\}", N.Call("exp", (N.Neg(sq(x)),))),
    ("exp-curly", r"\exp{-x^2}", N.Call("exp", (N.Neg(sq(x)),))),
    ("log-natural", r"\log x", N.Call("log", (x,))),
    ("ln-natural", r"\ln x", N.Call("log", (x,))),
    ("log-base-2", r"\log_2 x", N.Div(N.Call("log", (x,)), N.Call("log", (TWO,)))),
    # evaluation bars and cases
    ("evaluation-bar-point", r"\left. x^2 \right|_{x=0}", N.Evaluated(sq(x), x, None, N.Num("0"))),
    ("evaluation-bar-bounds", r"\left. x^2 \right|_0^1", N.Evaluated(sq(x), None, N.Num("0"), N.Num("1"))),
    ("cases", r"\begin{cases} x & x > 0 \\ 0 & \text{otherwise} \end{cases}",
     N.Cases(((x, N.Equation(x, ">", N.Num("0"))), (N.Num("0"), None)))),
    ("cases-if", r"\begin{cases} 1 & \text{if } y = 1 \\ 0 & \text{if } y = 0 \end{cases}",
     N.Cases(((N.Num("1"), N.Equation(y, "=", N.Num("1"))), (N.Num("0"), N.Equation(y, "=", N.Num("0")))))),
]


@pytest.mark.parametrize("latex, expected", [r[1:] for r in ROWS], ids=[r[0] for r in ROWS])
def test_notation_reads_as_written(latex, expected):
    assert read(latex) == expected


NOTATION_ROWS = [
    ("prime-transpose", r"X'y", {"prime_transpose": True}, N.Mul((T(X), y))),
    ("prime-transpose-of-a-group", r"(y - Xw)'(y - Xw)", {"prime_transpose": True},
     N.Mul((T(N.Add((y, N.Neg(N.Mul((X, S("w"))))))), N.Add((y, N.Neg(N.Mul((X, S("w"))))))))),
    ("prime-derivative-stays", r"f'(x)", {"prime_transpose": True}, N.Apply("f", (x,), (), (), 1)),
    ("function-of-a-differentiated-variable", r"X(t) + 1", {"variables": frozenset({"t"})},
     N.Add((N.Apply("X", (S("t"),)), N.Num("1")))),
    ("font-product", r"\mathbf{AB}", {"names": frozenset({r"\mathbf{A}", r"\mathbf{B}"})},
     N.Mul((S(r"\mathbf{A}"), S(r"\mathbf{B}")))),
    ("font-name-kept-when-used-alone", r"\mathbf{AB}", {"names": frozenset({r"\mathbf{A}"})}, S(r"\mathbf{AB}")),
]


@pytest.mark.parametrize("latex, notation, expected", [r[1:] for r in NOTATION_ROWS], ids=[r[0] for r in NOTATION_ROWS])
def test_notation_the_document_shows(latex, notation, expected):
    assert read_with(latex, **notation) == expected


def test_document_hints_come_from_its_own_formulas():
    doc = extract_text("$$(y-Xw)'(y-Xw) = y'y$$\n\n$$\\frac{d}{dt} X(t) = A X(t)$$\n\n$$\\mathbf{A}\\mathbf{B}$$\n", path="p.md")
    hints = doc.notation_hints()
    assert hints["prime_transpose"] and hints["variables"] == {"t"}
    assert hints["names"] == {r"\mathbf{A}", r"\mathbf{B}"}
    calculus = extract_text("$$f'(x) = 2x$$\n\n$$(x^2)' = 2x$$\n", path="p.md")
    assert not calculus.notation_hints()["prime_transpose"]


REFUSED = [
    ("unknown-command", r"\foo x", "unknown command \\\\foo"),
    ("unknown-command-in-text-name", r"\text{\foo}", "unknown command \\\\foo"),
    ("prime-without-the-document-saying-so", r"X'y", "a prime on a name"),
    ("ellipsis-alone", r"x \cdots y", "ellipsis"),
    ("sum-without-index-or-indexed-body", r"\sum x", "needs an index"),
    ("ellipsis-as-the-only-argument", r"f(\ldots)", "ellipsis"),
    ("ellipsis-without-a-pattern", r"a + b + \cdots + z", "do not follow one pattern"),
    ("composition", r"f \circ g", "composition"),
    ("int-without-differential", r"\int_0^1 x", "differential"),
    ("int-one-bound", r"\int_0 x \, dx", "one bound"),
    ("lim-without-its-point", r"\lim_h f(h)", "variable and point"),
    ("contour-integral", r"\oint f \, dz", "contour"),
    ("mathbb-E-without-brackets", r"\mathbb{E} x", "brackets"),
    ("Cov-one-argument", r"\operatorname{Cov}(x)", "two arguments"),
    ("E-sim-without-a-distribution", r"\mathbb{E}_{x \sim}[x]", "a variable and a distribution"),
    ("Bernoulli-two-parameters", r"\text{Bernoulli}(p, q, r)", "1 parameter"),
    ("cases-in-words", r"\begin{cases} 1 & \text{when it rains} \end{cases}", "in words"),
    ("evaluation-bar-without-point", r"\left. x^2 \right|", "unexpected|point"),
    ("dv-without-braces", r"\dv x", "braces"),
    ("input-in-a-formula", r"\input{secret} + x", "refused"),
    ("mathbb-R-as-a-value", r"\mathbb{R} + 1", "a set"),
    ("arg-alone", r"\arg x", "without"),
]


@pytest.mark.parametrize("latex, message", [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_refused_with_a_clear_message(latex, message):
    with pytest.raises(ParseError, match=message):
        read(latex)


# --- meanings: what the builder makes of the new trees -------------------------------------------


def built(latex, declarations=""):
    from derive.verify.decide.build import build_pair
    from derive.verify.model.shapes import Facts, parse_declarations

    facts = parse_declarations(declarations) if declarations else Facts()
    (b, _) = build_pair(read(latex), None, (), facts, {})
    return b.before


@pytest.mark.parametrize(
    "latex, expected",
    [
        (r"\int_0^1 x^2 \, dx", sp.Rational(1, 3)),
        (r"\int \mathcal{N}(x; 0, 1) \, dx", 1),
        (r"\mathbb{E}_{x \sim \mathcal{N}(0, 1)}[x^2]", 1),
        (r"\operatorname{Var}_{x \sim \text{Bernoulli}(1/4)}(x)", sp.Rational(3, 16)),
        (r"\mathbb{E}_{k \sim \text{Poisson}(3)}[k]", 3),
        (r"\left. x^3 \right|_0^2", 8),
        (r"\left. x^3 + 1 \right|_{x=1}", 2),
        (r"\lim_{h \to 0} \frac{(x + h)^2 - x^2}{h}", sp.Symbol("x")),
    ],
    ids=["integral", "density-over-support", "gaussian-second-moment", "bernoulli-variance", "poisson-mean",
         "evaluation-bounds", "evaluation-point", "limit"],
)
def test_meanings_of_probability_and_calculus(latex, expected):
    value = built(latex)
    if expected == sp.Symbol("x"):  # the derivative of x^2 by its limit: 2 x in the document's x
        (x_,) = value.free_symbols
        expected = 2 * x_
    assert sp.simplify(value - expected) == 0


def test_norms_and_products_of_vectors():
    one = built(r"\|v\|_1", "v vector 3")
    assert isinstance(one, sp.Add) and all(isinstance(a, sp.Abs) for a in one.args)
    had = built(r"u \odot v", "u vector n; v vector n")
    assert isinstance(had, sp.HadamardProduct)
    fro = built(r"\|A\|_F^2", "A matrix n x d")
    assert fro == sp.Trace(fro.args[0]) or isinstance(fro, (sp.Trace, sp.Pow))


def test_expectations_without_a_distribution_are_not_given_a_value():
    from derive.verify.decide.build import BuildError

    with pytest.raises(BuildError, match="distribution"):
        built(r"\mathbb{E}[x]")


@pytest.mark.parametrize(
    "latex, relation",
    [
        (r"a \not= b", "!="), (r"a \neq b", "!="), (r"A \succeq 0", "succeq"), (r"A \succ 0", "succ"),
        (r"A \preceq B", "preceq"), (r"a \propto b", "propto"), (r"a \approx b", "approx"),
        (r"a \simeq b", "approx"), (r"a \implies b", "implies"), (r"a \Rightarrow b", "implies"),
        (r"a \iff b", "iff"), (r"a \therefore b", "implies"), (r"x \sim \mathcal{N}(0, 1)", "sim"),
        (r"a \coloneqq b", ":="), (r"x \not\in S", "notin"),
    ],
    ids=["not=", "neq", "succeq", "succ", "preceq", "propto", "approx", "simeq", "implies", "Rightarrow",
         "iff", "therefore", "sim", "coloneqq", "not-in"],
)
def test_relations(latex, relation):
    from derive.verify.read.parse import relation_of

    found = [relation_of(it) for it in items_of(latex) if relation_of(it) is not None]
    assert found == [relation]


def test_an_expectation_over_the_law_the_document_states(tmp_path):
    from derive.verify import verify_text

    results, _ = verify_text("Let $X \\sim \\text{Bernoulli}(p)$.\n\n$$\nE_p(X) = p\n$$\n\n$$\n\\mathbb{E}[X^2] = p^2\n$$\n",
                             path="p.md", jobs=1)
    verdicts = [r.outcome.verdict for r in results]
    assert verdicts[0] == "verified" and verdicts[1] != "verified"  # E[X^2] = p for a Bernoulli, not p^2
