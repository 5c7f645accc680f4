"""Expression tree -> LaTeX that the reader reads back to the same tree (the round-trip check).

Written for the reader, not for print: every operator whose reach the reader decides
(\\sum, \\nabla, derivatives, products with \\odot) is bracketed so that no reading rule is
needed to read it back. A tree that does not come back equal was read by a rule that depends
on more than the tree: the round-trip test over the corpus finds such readings.
"""

from __future__ import annotations

import re

from derive.verify.read import nodes as N

_FAMILY = {"normal": "\\mathcal{N}", "laplace": "\\text{Laplace}", "bernoulli": "\\text{Bernoulli}",
           "poisson": "\\text{Poisson}", "exponential": "\\text{Exp}", "beta": "\\text{Beta}",
           "gamma": "\\text{Gamma}", "uniform": "\\text{Uniform}", "binomial": "\\text{Binomial}",
           "categorical": "\\text{Categorical}", "multinomial": "\\text{Multinomial}",
           "dirichlet": "\\text{Dirichlet}"}
_CALLS = {"log": "\\log", "exp": "\\exp", "sin": "\\sin", "cos": "\\cos", "tan": "\\tan", "tanh": "\\tanh",
          "sinh": "\\sinh", "cosh": "\\cosh", "det": "\\det", "tr": "\\operatorname{tr}",
          "sign": "\\operatorname{sign}", "softmax": "\\operatorname{softmax}", "sigmoid": "\\operatorname{sigmoid}",
          "diag": "\\operatorname{diag}", "gamma": "\\Gamma"}
_EXPECT = {"E": "\\mathbb{E}", "Var": "\\operatorname{Var}", "Cov": "\\operatorname{Cov}"}
_PLAIN_WORD = re.compile(r"[A-Za-z]{2,}")


def _name(name: str) -> str:
    if _PLAIN_WORD.fullmatch(name):
        if len(name) == 2 and name[0] == "d":
            return "\\mathrm{d}" + name[1]
        return "\\mathrm{" + name + "}"
    if name.startswith("d\\") and name[1:].lstrip("\\").isalpha():
        return "\\mathrm{d}" + name[1:]
    return name


def _atomic(node) -> bool:
    return isinstance(node, (N.Num, N.Const, N.Sym, N.Indexed, N.Apply, N.Call, N.Norm, N.Matrix, N.Density,
                             N.Expect)) and not (isinstance(node, N.Num) and node.text.startswith("-"))


def _paren(node) -> str:
    return "\\left(" + to_latex(node) + "\\right)"


def _factor(node) -> str:
    return to_latex(node) if _atomic(node) or isinstance(node, (N.Pow, N.Transpose, N.Div)) else _paren(node)


def _base(node) -> str:
    return to_latex(node) if isinstance(node, (N.Num, N.Const, N.Sym, N.Indexed, N.Matrix)) and not (
        isinstance(node, N.Sym) and "^" in node.name) else _paren(node)


def _args(values) -> str:
    return ", ".join(to_latex(v) for v in values)


def to_latex(node) -> str:
    if isinstance(node, N.Num):
        return node.text
    if isinstance(node, N.Const):
        return {"pi": "\\pi", "e": "e", "oo": "\\infty"}[node.name]
    if isinstance(node, N.Sym):
        return _name(node.name)
    if isinstance(node, N.Indexed):
        return _name(node.base) + "_{" + ",".join(to_latex(i) for i in node.indices) + "}"
    if isinstance(node, N.Add):
        out = to_latex(node.terms[0]) if not isinstance(node.terms[0], N.Add) else _paren(node.terms[0])
        for t in node.terms[1:]:
            if isinstance(t, N.Neg):
                out += " - " + _factor(t.arg)
            else:
                out += " + " + (_paren(t) if isinstance(t, N.Add) else to_latex(t))
        return out
    if isinstance(node, N.Neg):
        return "-" + _factor(node.arg)
    if isinstance(node, N.Mul):
        sep = " \\cdot " if node.dot else " "
        parts = [_factor(node.factors[0])]
        for f in node.factors[1:]:
            text = _factor(f)
            parts.append("{" + text + "}" if text.startswith("\\left(") else text)  # p {(...)}: no application
        return sep.join(parts)
    if isinstance(node, N.Div):
        return "\\frac{" + to_latex(node.num) + "}{" + to_latex(node.den) + "}"
    if isinstance(node, N.Pow):
        return _base(node.base) + "^{" + to_latex(node.exp) + "}"
    if isinstance(node, N.Transpose):
        return _base(node.arg) + "^{\\top}"
    if isinstance(node, N.Call):
        if node.fn == "abs":
            return "\\left|" + to_latex(node.args[0]) + "\\right|"
        if node.fn == "sqrt":
            return "\\sqrt{" + to_latex(node.args[0]) + "}"
        if node.fn == "factorial":
            return _base(node.args[0]) + "!"
        if node.fn == "binomial":
            return "\\binom{" + to_latex(node.args[0]) + "}{" + to_latex(node.args[1]) + "}"
        return _CALLS.get(node.fn, "\\operatorname{" + node.fn + "}") + "\\left(" + _args(node.args) + "\\right)"
    if isinstance(node, N.Norm):
        return "\\left\\|" + to_latex(node.arg) + "\\right\\|_{" + str(node.p) + "}"
    if isinstance(node, N.Apply):
        fn = _name(node.fn)
        sub = ("_{" + _args(node.params) + "}") if node.params else ""
        given = (" \\mid " + _args(node.given)) if node.given else ""
        return fn + sub + "'" * max(node.primes, 0) + "(" + _args(node.args) + given + ")"
    if isinstance(node, N.Sequence):
        return to_latex(node.first) + ", \\ldots, " + to_latex(node.last)
    if isinstance(node, N.BigOp):
        lo = ("=" + to_latex(node.lo)) if node.lo is not None else ""
        hi = ("^{" + to_latex(node.hi) + "}") if node.hi is not None else ""
        return "\\" + node.op + "_{" + node.index + lo + "}" + hi + " " + _paren(node.body)
    if isinstance(node, N.Grad):
        sub = ("_{" + to_latex(node.wrt) + "}") if node.wrt is not None else ""
        sup = "^{2}" if node.order == 2 else ""
        return "\\nabla" + sup + sub + " " + (to_latex(node.body) if isinstance(node.body, N.Apply) else _paren(node.body))
    if isinstance(node, N.Deriv):
        k = "" if node.order == 1 else "^{" + str(node.order) + "}"
        return "\\frac{\\partial" + k + "}{\\partial " + _base(node.wrt) + k + "} " + _paren(node.body)
    if isinstance(node, N.Opt):
        wrt = ("_{" + _args(node.wrt) + "}") if node.wrt else ""
        return "\\operatorname*{" + node.kind + "}" + wrt + " " + to_latex(node.body)
    if isinstance(node, N.Density):
        x = (to_latex(node.x) + " \\mid ") if node.x is not None else ""
        return _FAMILY[node.family] + "(" + x + _args(node.params) + ")"
    if isinstance(node, N.Matrix):
        rows = " \\\\ ".join(" & ".join(to_latex(c) for c in row) for row in node.rows)
        return "\\begin{bmatrix} " + rows + " \\end{bmatrix}"
    if isinstance(node, N.Elementwise):
        op = " \\odot " if node.kind == "hadamard" else " \\otimes "
        return _paren(node.left) + op + _paren(node.right)
    if isinstance(node, N.Expect) and node.var is None and node.dist is not None and not isinstance(node.dist, N.Density):
        return "\\left\\langle " + _args(node.args) + " \\right\\rangle_{" + to_latex(node.dist) + "}"
    if isinstance(node, N.Expect):
        under = ""
        if node.var is not None:
            under = "_{" + to_latex(node.var) + (" \\sim " + to_latex(node.dist) if node.dist is not None else "") + "}"
        given = (" \\mid " + _args(node.given)) if node.given else ""
        return _EXPECT[node.op] + under + "\\left[" + _args(node.args) + given + "\\right]"
    if isinstance(node, N.Integral):
        bounds = ("_{" + to_latex(node.lo) + "}^{" + to_latex(node.hi) + "}") if node.lo is not None else ""
        return "\\int" + bounds + " " + _paren(node.body) + " \\, \\mathrm{d}" + _base(node.var)
    if isinstance(node, N.Evaluated):
        at = (to_latex(node.var) + "=" if node.var is not None else "") + to_latex(node.hi if node.lo is None else node.lo)
        top = ("^{" + to_latex(node.hi) + "}") if node.lo is not None else ""
        return "\\left. " + to_latex(node.body) + " \\right|_{" + at + "}" + top
    if isinstance(node, N.Limit):
        return "\\lim_{" + to_latex(node.var) + " \\to " + to_latex(node.point) + "} " + _paren(node.body)
    if isinstance(node, N.Equation):
        return (to_latex(node.lhs) + " " + {"<=": "\\le", ">=": "\\ge", "!=": "\\neq"}.get(node.rel, node.rel)
                + " " + to_latex(node.rhs))
    if isinstance(node, N.Cases):
        rows = []
        for value, cond in node.pieces:
            c = "\\text{otherwise}" if cond is None else (
                to_latex(cond.lhs) + " " + {"<=": "\\le", ">=": "\\ge", "!=": "\\neq"}.get(cond.rel, cond.rel)
                + " " + to_latex(cond.rhs))
            rows.append(to_latex(value) + " & " + c)
        return "\\begin{cases} " + " \\\\ ".join(rows) + " \\end{cases}"
    raise ValueError(f"no LaTeX for {type(node).__name__}")
