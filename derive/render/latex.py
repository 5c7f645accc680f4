r"""A derivation as a LaTeX proof: the statement, the assumptions, then calc chains.

Three stages, as in latexify: *layout* turns the steps into chains of rows (one relation, one
right-hand side and one reason per row; a chain restarts where a step names its left-hand side,
at gradients and at definitions); *printing* turns SymPy objects into textbook LaTeX with
`ProofPrinter` (``X^\top``, ``\lVert r \rVert^2``, ``\log \sigma``, ``\frac{1}{n} \sum``...);
*emitting* writes the rows as an ``align*`` environment (the book, `derivation_latex`) or as
``\begin{aligned}`` inside ``$$`` (MathJax: notebooks and Markdown).

Reasons, statements and assumption texts are written in the reasons markup (plain English with
``$...$`` LaTeX, `derive.render.markup`), so nothing in them is guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixExpr
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE

from derive.core.derivation import Relation
from derive.render.markup import Segment, escape_latex, segments, to_latex, to_mathjax

__all__ = [
    "ProofPrinter",
    "Settings",
    "chains",
    "derivation_latex",
    "derivation_notebook_latex",
    "escape_text",
    "expression_latex",
    "visual_width",
]


@dataclass(frozen=True)
class Settings:
    """Layout of a proof. Widths are in em of the body font (a rough visual measure)."""

    width: float = 25.0  # the expression column of a row, left-hand side included
    reason_width: str = r"0.3\linewidth"  # the reason column of align* (a ragged parbox)
    reason_size: str = r"\small"
    continuation: str = r"\quad"  # indent of a continuation line after a break at + or -
    stacked: bool = False  # each reason on its own line under its expression (for wide proofs)


BOOK = Settings()
STACKED = Settings(width=40.0, reason_width=r"0.62\linewidth", stacked=True)
MATHJAX = Settings(width=40.0)


# --- printing SymPy objects -------------------------------------------------------------------


def _is_matrix(expr) -> bool:
    return isinstance(expr, (MatrixExpr, sp.MatrixBase))


def _negative(coeff) -> bool:
    """Whether a scalar coefficient prints with a leading minus: a sum only when every term is
    negative, so that (1 - eta lambda) w stays (1 - eta lambda) w, not -(eta lambda - 1) w."""
    if isinstance(coeff, sp.Add):
        return all(t.could_extract_minus_sign() for t in coeff.args)
    return bool(coeff.could_extract_minus_sign())


def _is_negative_term(term) -> bool:
    """Whether a term of a sum prints with a leading minus sign."""
    if isinstance(term, sp.MatMul):
        coeff, _ = term.as_coeff_matrices()
        return _negative(coeff)
    if isinstance(term, MatrixExpr):
        return False
    return bool(term.could_extract_minus_sign())


def _is_transposed(term) -> bool:
    if isinstance(term, sp.Transpose):
        return True
    if isinstance(term, sp.MatMul):
        _, mats = term.as_coeff_matrices()
        return bool(mats) and all(isinstance(m, sp.Transpose) for m in mats)
    return False


def _varies(term) -> bool:
    """Whether a term of a scalar sum holds the data or the model (a sum, an indexed value, an
    undefined function): such terms print before the constants."""
    return bool(term.has(sp.Sum, sp.Product, sp.Integral, sp.Indexed, sp.core.function.AppliedUndef)
                or term.atoms(MatrixExpr))


TALL = (r"\frac", r"\sum", r"\prod", r"\int", r"\left", r"\begin", r"\overset", r"\underset",
        r"\partial", r"\sqrt", r"\biggl", r"\Bigl")


class ProofPrinter(LatexPrinter):
    r"""SymPy's LatexPrinter with textbook matrix notation.

    - transposes print as ``X^\top``; a sum of transposes inside a product prints folded,
      ``(h + t)^\top A (h + t)``, and ``r^\top r`` for a column vector r prints ``\lVert r \rVert^2``;
    - sums of matrices print their signs properly (``a - b``, not ``a + -b``) and every sum puts
      a positive term first (``y_i - f_i``, not ``- f_i + y_i``);
    - ``\log \sigma`` for atoms, ``\exp(...)`` for long exponents, ``\frac{1}{2 \sigma^2} \sum``
      rather than a sum inside a fraction, ``I`` for the identity, ``\det``, ``\operatorname{tr}``.
    """

    printmethod = "_latex"

    def __init__(self, settings=None):
        super().__init__({"mat_symbol_style": "plain", **(settings or {})})

    # sums --------------------------------------------------------------------------------

    def ordered_terms(self, expr) -> list:
        """The terms of a top-level sum in print order: a positive term first."""
        if isinstance(expr, sp.MatAdd):
            # the textbook order: products of more matrices first (w'X'Xw, w'X'y, y'y)
            terms = sorted(expr.args, key=lambda t: -len(t.as_coeff_matrices()[1])
                           if isinstance(t, sp.MatMul) else -1)
            # a scalar sum times the 1x1 identity is that many scalar terms
            flat = []
            for t in terms:
                if isinstance(t, sp.MatMul) and t.shape == (1, 1):
                    coeff, mats = t.as_coeff_matrices()
                    if all(isinstance(m, sp.Identity) for m in mats):
                        flat += list(sp.Add.make_args(coeff))
                        continue
                flat.append(t)
            terms = sorted(flat, key=lambda t: 0 if _varies(t) else 1)  # scalar constants last
        elif isinstance(expr, sp.Add):
            terms = list(self._as_ordered_terms(expr, order=None))
            # the textbook order: the terms with sums, indexed data or functions first, constants after
            terms.sort(key=lambda t: 0 if _varies(t) else 1)
        else:
            return [expr]
        # a positive term first ("y_i - f_i", "1 - x_i"), but in a matrix sum not a scalar
        # constant before the varying terms ("-(a) - (b) + log Z", not "log Z - (a) - (b)")
        positive = [k for k, t in enumerate(terms) if not _is_negative_term(t)]
        varying = [k for k in positive if _varies(terms[k])]
        if varying or not isinstance(expr, sp.MatAdd) or not any(_varies(t) for t in terms):
            first = (varying or positive or [0])[0]
            terms.insert(0, terms.pop(first))
        return terms

    def signed_terms(self, expr) -> list[tuple[str, str, object]]:
        """[(sign, tex, term), ...] for a top-level sum; sign is '', '+' or '-' and term is the
        term without its sign."""
        out = []
        for index, term in enumerate(self.ordered_terms(expr)):
            negative = _is_negative_term(term)
            if negative:
                term = -term
            tex = self._print(term)
            if isinstance(term, sp.MatAdd) and len(term.args) > 1:
                tex = self.delimit(tex)  # a - (b + c): the sign belongs to the whole sum
            elif isinstance(term, MatrixExpr) and tex.startswith("- "):
                negative, tex = not negative, tex[2:]
            elif not _is_matrix(term) and self._needs_add_brackets(term):
                tex = self.delimit(tex)
            sign = "-" if negative else ("+" if index else "")
            out.append((sign, tex, term))
        return out

    @staticmethod
    def join_terms(terms) -> str:
        parts = []
        for sign, tex, *_ in terms:
            if not parts:
                parts.append(f"- {tex}" if sign == "-" else tex)
            else:
                parts.append(f" {sign} {tex}")
        return "".join(parts)

    @staticmethod
    def delimit(tex: str, left: str = "(", right: str = ")") -> str:
        """Parentheses that grow only around tall content (fractions, sums, big operators)."""
        if any(tall in tex for tall in TALL):
            return r"\left%s%s\right%s" % (left, tex, right)
        return f"{left}{tex}{right}"

    def parenthesize(self, item, level, is_neg=False, strict=False):
        out = super().parenthesize(item, level, is_neg, strict)
        if out.startswith(r"\left(") and out.endswith(r"\right)"):
            return self.delimit(out[len(r"\left("):-len(r"\right)")])
        return out

    def _print_Add(self, expr, order=None):
        return self.join_terms(self.signed_terms(expr))

    def _print_MatAdd(self, expr):
        return self.join_terms(self.signed_terms(expr))

    # matrices ----------------------------------------------------------------------------

    def _print_Transpose(self, expr):
        arg = expr.arg
        if isinstance(arg, sp.OneMatrix):
            return self._print(sp.OneMatrix(arg.shape[1], arg.shape[0]))
        if isinstance(arg, sp.MatrixSymbol) or not getattr(arg, "is_MatrixExpr", False):
            base = self.parenthesize(arg, PRECEDENCE["Pow"], True)
            if "^" in base:
                base = self.delimit(base)
        else:
            base = self.delimit(self._print(arg))
        return base + r"^{\top}"

    def _matrix_factor(self, factor) -> str:
        if isinstance(factor, sp.MatAdd):
            if len(factor.args) > 1 and all(_is_transposed(t) for t in factor.args):
                return self.delimit(self._print(sp.Transpose(factor).doit())) + r"^{\top}"
            return self.delimit(self._print(factor))
        if isinstance(factor, sp.MatMul):
            tex = self._print(factor)
            return self.delimit(tex) if factor.as_coeff_matrices()[0] != 1 else tex
        return self.parenthesize(factor, PRECEDENCE["Mul"], False)

    def _print_MatMul(self, expr):
        coeff, mats = expr.as_coeff_matrices()
        # a scalar times the 1x1 identity (how a scalar joins a 1x1 matrix expression) is the scalar
        mats = [m for m in mats if not (isinstance(m, sp.Identity) and m.shape == (1, 1))]
        if not mats:
            return self._print(coeff)
        sign = ""
        if _negative(coeff):
            sign, coeff = "- ", -coeff
        if coeff == 1:
            head = ""
        else:
            head = self._print(coeff)
            if isinstance(coeff, sp.Add):
                head = self.delimit(head)
            head += " "
        if (
            len(mats) == 2
            and mats[1].shape[1] == 1
            and mats[0].shape[0] == 1
            and not isinstance(mats[1], sp.MatrixSymbol)
            and mats[0] in (sp.Transpose(mats[1]), sp.Transpose(mats[1]).doit())
        ):
            body = r"\left\lVert %s \right\rVert^{2}" % self._print(mats[1])
        else:
            body = " ".join(self._matrix_factor(m) for m in mats)
        return sign + head + body

    def _normalising_constant(self, expr):
        r"""A Gaussian constant as a textbook prints it: ``\frac{1}{\sqrt{2 \pi \sigma^{2}}} e^{...}``
        where SymPy holds ``\sqrt{2} e^{...} / (2 \sqrt{\pi} \sigma)``. Applies to a product with
        a factor ``\pi^{-1/2}``: its positive constant factors K are printed as ``1/\sqrt{1/K^2}``."""
        factors = sp.Mul.make_args(expr)
        if not any(f.is_Pow and f.base is sp.pi and f.exp == sp.Rational(-1, 2) for f in factors):
            return None

        def constant(f):
            if f.is_Rational and f.is_positive:
                return True
            if f.is_Pow and f.exp.is_Rational:
                return (f.base.is_Integer and f.base.is_positive or f.base is sp.pi
                        or (f.base.is_Symbol and f.base.is_positive and f.exp.is_negative))
            return False

        K = sp.Mul(*[f for f in factors if constant(f)])
        rest = sp.Mul(*[f for f in factors if not constant(f)])
        inside = sp.powsimp(sp.factor_terms(1 / K**2))
        if inside.has(sp.Pow) and any(p.exp.is_Rational and p.exp.q != 1 for p in inside.atoms(sp.Pow)):
            return None
        head = r"\frac{1}{\sqrt{%s}}" % self._print(inside)
        if rest == 1:
            return head
        return head + " " + self.parenthesize(rest, PRECEDENCE["Mul"], False)

    def _print_Pow(self, expr):
        base, power = expr.args
        if (isinstance(base, sp.Function) and "_latex" in type(base).__dict__
                and not (power.is_Rational and (power.is_negative or power.q != 1))):
            # a catalogue function with its own _latex (which takes no exp=): f(x)^2
            return "%s^{%s}" % (self._print(base), self._print(power))
        return super()._print_Pow(expr)

    def _print_AppliedUndef(self, expr, exp=None):
        name = self._deal_with_super_sub(expr.func.__name__)
        args = self.delimit(", ".join(self._print(a) for a in expr.args))
        return f"{name}{args}" if exp is None else f"{name}^{{{exp}}}{args}"

    def _print_MatPow(self, expr):
        base, exp = expr.args[0], expr.args[1]
        tex = self._print(base)
        if not isinstance(base, sp.MatrixSymbol) or "^" in tex:
            tex = self.delimit(tex)
        return "%s^{%s}" % (tex, self._print(exp))

    def _print_Inverse(self, expr):
        return self._print_MatPow(expr)

    def _print_MatrixBase(self, expr):
        """Rational matrices print with the common denominator outside: 1/100 [56, 21, 9]."""
        entries = list(expr)
        if len(entries) > 1 and all(e.is_Rational for e in entries):
            common = sp.ilcm(*[e.q for e in entries])
            if common > 1:
                scaled = expr.applyfunc(lambda e: e * common)
                return r"\frac{1}{%s} %s" % (common, super()._print_MatrixBase(scaled))
        return super()._print_MatrixBase(expr)

    def _print_Heaviside(self, expr, exp=None):
        tex = "H" + self.delimit(self._print(expr.args[0]))
        return tex if exp is None else f"{tex}^{{{exp}}}"

    def _print_Identity(self, expr):
        return "1" if expr.shape == (1, 1) else "I"

    def _print_Abs(self, expr, exp=None):
        tex = self.delimit(self._print(expr.args[0]), r"\lvert ", r"\rvert ")
        tex = tex.replace(r"\left\lvert ", r"\left\lvert ").rstrip()
        return tex if exp is None else r"%s^{%s}" % (tex, exp)

    def _print_ZeroMatrix(self, expr):
        return "0"

    def _print_OneMatrix(self, expr):
        """The ones vector: a column is ``\\mathbf{1}``, a row its transpose ``\\mathbf{1}^\\top``."""
        rows, cols = expr.shape
        if rows == 1 and cols != 1:
            return r"\mathbf{1}^{\top}"
        if cols == 1 or rows == 1:
            return r"\mathbf{1}"
        return r"\mathbf{1} \mathbf{1}^{\top}"

    def _print_Determinant(self, expr):
        # always delimited: "\det X X^{-1}" would read as det(X X^{-1})
        return r"\det" + self.delimit(self._print(expr.arg))

    def _print_Trace(self, expr):
        return r"\operatorname{tr}" + self.delimit(self._print(expr.arg))

    # scalars -----------------------------------------------------------------------------

    def _print_Indexed(self, expr):
        base = self._print(expr.base)
        if "_" in base or "^" in base:
            base = "{%s}" % base
        return "%s_{%s}" % (base, ",".join(self._print(i) for i in expr.indices))

    def _print_log(self, expr, exp=None):
        arg = expr.args[0]
        atom = (
            isinstance(arg, (sp.Symbol, sp.Indexed, sp.NumberSymbol))
            or (isinstance(arg, sp.Determinant) and isinstance(arg.arg, sp.MatrixSymbol))
            or (arg.is_Integer and arg.is_positive)
            or isinstance(arg, sp.core.function.AppliedUndef)
            or (isinstance(arg, sp.Function) and not isinstance(arg, (sp.log, sp.exp, sp.Abs)))
        )
        if atom:
            tex = r"\log %s" % self._print(arg)
            if exp is not None:
                return r"\left(%s\right)^{%s}" % (tex, exp)
            return tex
        inner = self.delimit(self._print(arg))
        return r"\log %s" % inner if exp is None else r"\log^{%s} %s" % (exp, inner)

    def _print_ExpBase(self, expr, exp=None):
        inner = self._print(expr.args[0])
        if r"\frac" in inner or visual_width(inner) > 4:
            tex = r"\exp" + self.delimit(inner)
            return tex if exp is None else r"%s^{%s}" % (tex, exp)
        return self._do_exponent(r"e^{%s}" % inner, exp)

    def _print_Mul(self, expr):
        big = (sp.Sum, sp.Product, sp.Integral)
        if not expr.is_commutative:
            return super()._print_Mul(expr)
        normalised = self._normalising_constant(expr)
        if normalised is not None:
            return normalised
        logs = [a for a in expr.args if isinstance(a, sp.log)]
        if logs and expr.as_ordered_factors()[-1] not in logs and not any(a.has(*big) for a in expr.args):
            # "\log \lambda x_i" would read as log(lambda x_i): the logarithms go last
            rest = sp.Mul(*[a for a in expr.args if a not in logs])
            sign = ""
            if rest.could_extract_minus_sign():
                sign, rest = "- ", -rest
            head = "" if rest == 1 else self._print(rest) + " "
            if rest.is_Add:
                head = self.delimit(head.strip()) + " "
            return sign + head + " ".join(self._print(a) for a in logs)
        if not any(isinstance(a, big) for a in expr.args):
            numer, denom = sp.fraction(expr, exact=True)
            if denom != 1 and numer != 1 and any(f.has(*big) for f in sp.Mul.make_args(numer)) \
                    and not numer.is_Add:
                coeff, rest = numer.as_coeff_Mul()
                sign = "- " if coeff < 0 else ""
                return r"%s\frac{%s}{%s} %s" % (sign, self._print(abs(coeff)), self._print(denom),
                                                self.parenthesize(rest, PRECEDENCE["Mul"], False))
            return super()._print_Mul(expr)
        sums = [a for a in expr.args if isinstance(a, big)]
        rest = sp.Mul(*[a for a in expr.args if not isinstance(a, big)])
        sign = ""
        if rest.could_extract_minus_sign():
            sign, rest = "- ", -rest
        head = "" if rest == 1 else self._print(rest) + " "
        if isinstance(rest, sp.Add):
            head = self.delimit(head.strip()) + " "
        body = " ".join(
            self._print(s) if k == len(sums) - 1 else self.delimit(self._print(s))
            for k, s in enumerate(sums)
        )
        return sign + head + body


_PRINTER = ProofPrinter()


def expression_latex(expr) -> str:
    """One SymPy object (or a LaTeX string such as a step's lhs) as textbook LaTeX."""
    if expr is None:
        return ""
    if isinstance(expr, str):
        return _safe_latex(expr)
    return _PRINTER.doprint(expr)


def _safe_latex(tex: str) -> str:
    r"""An author's LaTeX string, with a double superscript (``\sigma^{2}^2``, easy to build with
    an f-string around a printed power) braced into one that compiles: ``{\sigma^{2}}^2``."""
    return re.sub(r"(\\?[A-Za-z]+\^\{[^{}]*\})(?=\^)", r"{\1}", tex)


# --- a visual width for LaTeX, to decide where lines break ------------------------------------

_ZERO = {"left", "right", "big", "Big", "bigl", "bigr", "Bigl", "Bigr", "displaystyle", "limits",
         "nolimits", "top"}
_WORDS = {"mathrm", "operatorname", "text", "mathbf", "textbf", "mathit", "mathbb", "mathcal"}
_RELATIONS = {"cdot", "times", "leq", "geq", "neq", "to", "approx", "equiv", "sim", "in", "le", "ge",
              "pm", "mp", "cdots", "ldots", "dots", "mapsto"}
_WIDE = {"iff": 2.6, "implies": 2.6, "quad": 1.0, "qquad": 2.0, ",": 0.17, ";": 0.28, ":": 0.22,
         "!": -0.17, " ": 0.3, "lVert": 0.5, "rVert": 0.5, "|": 0.5, "nabla": 0.85, "infty": 1.0}
_STACKED = {"sum", "prod", "int", "lim", "max", "min", "underset", "overset"}


def _group(tex: str, i: int) -> tuple[str, int]:
    """The content of the {...} group (or the single token) at tex[i]; and the index after it."""
    while i < len(tex) and tex[i] == " ":
        i += 1
    if i >= len(tex):
        return "", i
    if tex[i] == "{":
        depth = 0
        for j in range(i, len(tex)):
            if tex[j] == "{":
                depth += 1
            elif tex[j] == "}":
                depth -= 1
                if depth == 0:
                    return tex[i + 1 : j], j + 1
        return tex[i + 1 :], len(tex)
    if tex[i] == "\\":
        m = re.match(r"\\([A-Za-z]+|.)", tex[i:])
        return m.group(0), i + len(m.group(0))
    return tex[i], i + 1


def visual_width(tex: str) -> float:
    """A rough width of LaTeX math in em: enough to decide where a long line should break."""
    width, i, n = 0.0, 0, len(tex)
    while i < n:
        c = tex[i]
        if c == "\\":
            m = re.match(r"\\([A-Za-z]+|.)", tex[i:])
            name = m.group(1)
            i += len(m.group(0))
            if name in ("left", "right", "bigl", "bigr", "Bigl", "Bigr", "big", "Big"):
                _, i = _group(tex, i)  # the delimiter
                width += 0.4
            elif name in _ZERO:
                continue
            elif name in _WORDS:
                content, i = _group(tex, i)
                width += 0.5 * len(re.sub(r"\\[A-Za-z]+|[{}\s]", "x", content).strip())
            elif name == "begin":
                env, i = _group(tex, i)
                close = tex.find(r"\end{%s}" % env, i)
                close = n if close < 0 else close
                content = tex[i:close]
                i = close + len(r"\end{%s}" % env)
                rows = [r.split("&") for r in content.split(r"\\")]
                width += max(sum(0.8 * visual_width(c) + 1.0 for c in row) for row in rows) + 0.5
            elif name in ("frac", "tfrac", "dfrac"):
                a, i = _group(tex, i)
                b, i = _group(tex, i)
                width += max(visual_width(a), visual_width(b)) * (0.75 if name == "tfrac" else 1) + 0.3
            elif name == "sqrt":
                if i < n and tex[i] == "[":
                    i = tex.index("]", i) + 1
                a, i = _group(tex, i)
                width += visual_width(a) + 1.0
            elif name in ("hphantom", "phantom"):
                a, i = _group(tex, i)
                width += visual_width(a)
            elif name in ("underset", "overset"):
                a, i = _group(tex, i)
                b, i = _group(tex, i)
                width += max(0.7 * visual_width(a), visual_width(b)) + 0.6
            elif name in _STACKED:
                base = {"sum": 1.4, "prod": 1.4, "int": 0.8}.get(name, 0.5 * len(name))
                scripts = 0.0
                while i < n and tex[i] in "_^":
                    a, i = _group(tex, i + 1)
                    scripts = max(scripts, 0.7 * visual_width(a))
                width += max(base, scripts) + 0.2
            elif name in ("log", "exp", "det", "arg", "sin", "cos", "tan", "ln"):
                width += 0.5 * len(name) + 0.25
            elif name in _RELATIONS:
                width += 1.3
            elif name in _WIDE:
                width += _WIDE[name]
            else:
                width += 0.6
        elif c in "^_":
            a, i = _group(tex, i + 1)
            width += 0.7 * visual_width(a)
        elif c == "{":
            a, i = _group(tex, i)
            width += visual_width(a)
        elif c in "} \n\t&":
            i += 1
        elif c in "+-=<>":
            width += 1.25
            i += 1
        elif c in "()[]|,;:.":
            width += 0.4
            i += 1
        else:
            width += 0.55
            i += 1
    return width


def _pack(terms, first: float, rest: float) -> list[str]:
    """Pack signed terms into lines of at most `first` em (then `rest` em); a term too wide
    for a line of its own is broken inside (see `expression_lines`)."""
    lines: list[list] = [[]]
    used = 0.0
    out: list[str] = []

    def flush():
        if lines[-1]:
            line = lines[-1]
            if out and line[0][0] in ("+", "-"):
                text = "{} %s %s" % (line[0][0], ProofPrinter.join_terms([("", line[0][1])] + line[1:]))
            else:
                text = ProofPrinter.join_terms(line)
            out.append(text)
        lines.append([])

    for sign, tex, term in terms:
        w = visual_width(tex) + (1.25 if sign else 0)
        budget = first if not out else rest
        slack = 1.5 if used < budget / 3 else 0.0  # do not leave one short term alone on a line
        if lines[-1] and used + w > budget + slack:
            flush()
            used = 0.0
            budget = rest
        if w > budget and not lines[-1]:
            inner = expression_lines(term, budget - 1.5, rest - 1.5)
            if len(inner) > 1:
                head = {"-": "- ", "+": "+ ", "": ""}[sign]
                if out and head:
                    head = "{} " + head
                out.append(head + inner[0])
                out.extend(inner[1:])
                lines[-1] = []
                used = 0.0
                continue
        lines[-1].append((sign, tex))
        used += w
    flush()
    return out


def _parenthesised(lines: list[str], prefix: str, suffix: str) -> list[str]:
    tall = any(t in line for line in lines for t in TALL)
    left, right = (r"\biggl(", r"\biggr)") if tall else (r"\bigl(", r"\bigr)")
    lines = [prefix + left + lines[0]] + [r"\quad " + line for line in lines[1:]]
    lines[-1] += right + suffix
    return lines


def expression_lines(expr, budget: float, rest: float | None = None) -> list[str]:
    """An expression (or a relation such as Eq) as one or more lines: broken at top-level + and -,
    inside a product with one sum (``c \bigl( a + b \bigr)``), between function arguments."""
    if isinstance(expr, str):
        return [expr]
    rest = budget if rest is None else rest
    whole = expression_latex(expr)
    if visual_width(whole) <= budget:
        return [whole]
    if isinstance(expr, sp.core.relational.Relational):
        left = expression_latex(expr.lhs)
        op = {"==": "=", "!=": r"\neq", "<": "<", ">": ">", "<=": r"\leq", ">=": r"\geq"}[expr.rel_op]
        head = f"{left} {op} "
        lines = expression_lines(expr.rhs, budget - visual_width(head), rest)
        return [head + lines[0]] + lines[1:]
    if isinstance(expr, (sp.Add, sp.MatAdd)):
        return _pack(_PRINTER.signed_terms(expr), budget, rest)
    if r"\begin{" in whole:
        return [whole]  # brackets around explicit matrices must grow with them: \left( ... \right)
    if isinstance(expr, sp.MatMul):
        coeff, mats = expr.as_coeff_matrices()
        sums = [k for k, m in enumerate(mats) if isinstance(m, sp.MatAdd)]
        if len(sums) == 1:
            k = sums[0]
            before = sp.MatMul(coeff, *mats[:k]) if (k or coeff != 1) else None
            prefix = "" if before is None else expression_latex(before) + " "
            if coeff == -1 and k == 0:
                prefix = "- "
            suffix = "" if k == len(mats) - 1 else " " + expression_latex(sp.MatMul(*mats[k + 1:]))
            inner = expression_lines(mats[k], budget - visual_width(prefix + suffix) - 1, rest - 2)
            if len(inner) > 1:
                return _parenthesised(inner, prefix, suffix)
    elif isinstance(expr, sp.Mul):
        factors = sp.Mul.make_args(expr)
        sums = [f for f in factors if isinstance(f, sp.Add)]
        if len(sums) == 1:
            others = sp.Mul(*[f for f in factors if f is not sums[0]])
            prefix = "- " if others == -1 else ("" if others == 1 else expression_latex(others) + " ")
            inner = expression_lines(sums[0], budget - visual_width(prefix) - 1, rest - 2)
            if len(inner) > 1:
                return _parenthesised(inner, prefix, "")
    elif isinstance(expr, sp.core.function.AppliedUndef) and len(expr.args) > 1:
        name = _PRINTER._deal_with_super_sub(expr.func.__name__)
        args = [("," if k else "", expression_latex(a), a) for k, a in enumerate(expr.args)]
        lines, line = [], ""
        for sep, tex, _ in args:
            if line and visual_width(line + tex) > (budget if not lines else rest) - 2:
                lines.append(line + ",")
                line = tex
            else:
                line = line + (", " if line else "") + tex
        lines.append(line)
        if len(lines) > 1:
            return _parenthesised(lines, name, "")
    return [whole]


# --- layout: steps -> chains of rows ----------------------------------------------------------


@dataclass
class Row:
    """One line of a calc chain: `left REL lines[0]` (continued by lines[1:]) and its reason."""

    index: int
    kind: str  # "value": left &rel body; "statement": rel & body (an equation or a condition)
    left: str
    rel: str
    lines: list[str]
    reason: list[Segment]


@dataclass
class Chain:
    kind: str
    rows: list[Row] = field(default_factory=list)


_REL = {
    Relation.EQUAL: "=",
    Relation.APPROX: r"\approx",
    Relation.GRADIENT: "=",
    Relation.STATIONARY: "",
    Relation.IFF: r"\iff",
    Relation.IMPLIES: r"\implies",
}


def _wrt_latex(wrt) -> str:
    def one(v):
        if isinstance(v, sp.IndexedBase):
            return expression_latex(v.label)
        return expression_latex(v)

    names = []
    for v in wrt:
        if one(v) not in names:
            names.append(one(v))
    return ", ".join(names)


def maximised_steps(d) -> set[int]:
    """The same-minimiser steps of a maximisation: those followed (through equal and
    same-minimiser steps only) by a max-to-min step. A positive affine map keeps the maximiser
    as well as the minimiser, so these print as ``argmax``."""
    out, pending = set(), []
    for index, step in enumerate(d.steps):
        if step.relation is Relation.SAME_MINIMISER:
            pending.append(index)
        elif step.relation is Relation.MAX_TO_MIN:
            out.update(pending)
            pending = []
        elif step.relation is not Relation.EQUAL:
            pending = []
    return out


def relation_latex(step, maximise: bool = False) -> str:
    """The relation symbol of a step (value rows)."""
    if step.relation is Relation.SAME_MINIMISER:
        sub = _wrt_latex(step.wrt)
        op = r"\arg\max" if maximise else r"\arg\min"
        return r"\overset{%s_{%s}}{\equiv}" % (op, sub) if sub else r"\overset{%s}{\equiv}" % op
    if step.relation is Relation.MAX_TO_MIN:
        return r"\overset{\max \to \min}{\equiv}"
    return _REL.get(step.relation, "=")


def _defines(lhs) -> bool:
    """Whether `lhs := expr` reads right: lhs names a quantity (L(w), f, p_i), not an expression."""
    if isinstance(lhs, str):
        s = lhs.strip()
        if s.startswith("-"):
            return False
        depth = 0
        for ch in s:
            depth += ch in "({["
            depth -= ch in ")}]"
            if depth == 0 and ch in "+-=<>" :
                return False
        return bool(s)
    return isinstance(lhs, (sp.Symbol, sp.MatrixSymbol, sp.Indexed, sp.core.function.AppliedUndef,
                            sp.Function))


def _same_tex(a: str, b: str) -> bool:
    """Whether two pieces of LaTeX print the same (spaces, braces and \\left/\\right aside)."""
    def norm(t):
        return re.sub(r"\\left|\\right|[\s{}]", "", t).replace(r"\top", "T")
    return norm(a) == norm(b)


def _statement_like(step) -> bool:
    expr = step.expr
    return (
        isinstance(expr, (sp.core.relational.Relational, sp.logic.boolalg.Boolean))
        and not isinstance(expr, sp.Symbol)
    ) or step.relation in (Relation.IFF, Relation.IMPLIES)


def _order_latex(step) -> str:
    small = step.small
    power = (step.order or 1) + 1
    if small is None:
        return ""
    inner = expression_latex(small)
    if _is_matrix(small) or (hasattr(small, "shape") and small.shape != (1, 1)):
        return r"O\left(\lVert %s \rVert^{%d}\right)" % (inner, power)
    return r"O\left(%s^{%d}\right)" % (inner, power)


def bound_directions(d) -> dict[int, list]:
    """Test directions (``v \\neq 0``) bound in the step that introduces them rather than listed
    as assumptions: {step index: [assumption, ...]}. A direction is a nonzero-assumption about a
    symbol that the result, the claim and the variables do not mention; it is bound at the first
    step whose expression holds it (under the key -1 - index when that step's reason already
    says it, so nothing is added there)."""
    def free(value):
        return getattr(value, "free_symbols", set()) if value is not None else set()

    kept = free(d.result) | free(d.claim) | {v for var in d.variables for v in free(var) | {var}}
    out: dict[int, list] = {}
    for a in d.assumptions:
        subject = a.subject
        if a.kind != "nonzero" or not isinstance(subject, (sp.Symbol, sp.MatrixSymbol)) or subject in kept:
            continue
        first = next((k for k, st in enumerate(d.steps) if subject in free(st.expr)), None)
        if first is not None:
            said = [seg.value.replace(" ", "") for seg in segments(a.text) if seg.kind == "math"]
            if said and said[0] in d.steps[first].reason.replace(" ", ""):
                out.setdefault(first, [])  # the reason already binds it ("in a direction v != 0")
                out.setdefault(-1 - first, []).append(a)
                continue
            out.setdefault(first, []).append(a)
    return out


def _bound(d) -> list:
    return [a for group in bound_directions(d).values() for a in group]


def assumptions_shown(d) -> list:
    """The assumptions a reader sees listed: all but the test directions bound in their steps."""
    bound = {id(a) for a in _bound(d)}
    return [a for a in d.assumptions if id(a) not in bound]


def _notes(step, verdict=None, bound=(), bound_texts=()) -> list[Segment]:
    segs = segments(step.reason or "")
    extra: list[Segment] = []
    for a in bound:
        extra += [Segment("text", ", for every ")] + segments(a.text)
    if step.relation in (Relation.SAME_MINIMISER, Relation.MAX_TO_MIN) and step.alpha is not None:
        before = "" if step.relation is Relation.SAME_MINIMISER else "-"
        extra += [
            Segment("text", "; this line is "),
            Segment("math", r"%s\alpha \cdot (\text{line above}) + \beta" % before),
            Segment("text", " with "),
            Segment("math", r"\alpha = %s" % expression_latex(step.alpha)),
            Segment("text", ", "),
            Segment("math", r"\beta = %s" % expression_latex(step.beta if step.beta is not None else 0)),
        ]
    if step.relation is Relation.APPROX and step.small is not None:
        extra += [Segment("text", "; the error is "), Segment("math", _order_latex(step))]
    uses = [u for u in step.uses if u not in bound_texts]
    if uses:
        extra += [Segment("text", "; uses: ")]
        for k, use in enumerate(uses):
            if k:
                extra.append(Segment("text", "; "))
            extra += segments(use)
    if step.source:
        extra += [Segment("text", " [")] + segments(step.source) + [Segment("text", "]")]
    if verdict is not None:
        how = verdict.method or verdict.status
        if verdict.status in ("failed", "undecided"):
            how = verdict.status.upper()
        extra.append(Segment("text", f" ({how})"))
    return segs + extra


def _gradient_left(step, chain_lhs) -> str:
    wrt = _wrt_latex(step.wrt)
    if chain_lhs:
        return r"\nabla_{%s} %s" % (wrt, chain_lhs)
    return r"\nabla_{%s}" % wrt


def chains(d, report=None, settings: Settings = BOOK) -> list[Chain]:
    """The steps of a derivation as calc chains of rows, long expressions broken into lines."""
    verdicts = {s.index: s.verdict for s in report.steps} if report is not None else {}
    maximised = maximised_steps(d)
    directions = bound_directions(d)
    bound_texts = {a.text for group in directions.values() for a in group}
    out: list[Chain] = []
    chain_lhs = ""
    for index, step in enumerate(d.steps):
        kind = "statement" if _statement_like(step) else "value"
        restart = (
            step.relation in (Relation.DEFINITION, Relation.GRADIENT)
            or step.lhs is not None
            or not out
            or out[-1].kind != kind
        )
        reason = _notes(step, verdicts.get(index), directions.get(index, ()), bound_texts)
        if kind == "statement":
            rel = "" if step.relation is Relation.DEFINITION or restart and step.relation is not Relation.IFF \
                and step.relation is not Relation.IMPLIES else _REL.get(step.relation, r"\iff")
            if step.relation is Relation.EQUAL:
                rel = r"\iff"
            row = Row(index, kind, "", rel, [], reason)
        else:
            if step.relation is Relation.GRADIENT:
                left = expression_latex(step.lhs) if step.lhs is not None else _gradient_left(step, chain_lhs)
                rel = "="
            elif step.relation is Relation.DEFINITION:
                left = expression_latex(step.lhs) if step.lhs is not None else ""
                if left and _same_tex(left, expression_latex(step.expr)):
                    left = ""  # "(X^T X)^T := (X^T X)^T" defines nothing: the expression alone
                rel = (":=" if _defines(step.lhs) else "=") if left else r"\hphantom{{}={}}"
            else:
                left = expression_latex(step.lhs) if step.lhs is not None else ""
                rel = relation_latex(step, index in maximised)
            if step.relation in (Relation.DEFINITION,) and left or step.lhs is not None and step.relation is not Relation.GRADIENT:
                chain_lhs = left
            row = Row(index, kind, left, rel, [], reason)
        if restart:
            out.append(Chain(kind))
        out[-1].rows.append(row)
    # all rows share one alignment point: the left column is as wide as its widest entry
    col1 = _left_width(out)
    rest = max(settings.width - col1 - 1.5, 12.0)
    for chain in out:
        for row in chain.rows:
            step = d.steps[row.index]
            budget = settings.width - col1 - visual_width(row.rel) - 0.5
            if row.kind == "statement":
                budget = settings.width - col1
            row.lines = expression_lines(step.expr, max(budget, 12.0), rest)
    return out


def _left_width(chain_list: list[Chain]) -> float:
    return max([visual_width(r.left) if r.kind == "value" else visual_width(r.rel) + 1.0
                for c in chain_list for r in c.rows] + [0.0])


# --- emitting ---------------------------------------------------------------------------------


def _row_align(row: Row, settings: Settings, reason_tex: str) -> str:
    if row.kind == "value":
        rel = row.rel + ("" if row.rel.startswith(r"\hphantom") else " ")
        first = f"{row.left} &{rel}{row.lines[0]}"
    else:
        first = f"{row.rel}\\quad &{row.lines[0]}" if row.rel else f"&{row.lines[0]}"
    if settings.stacked:
        parts = [first] + [f"&{settings.continuation} {line}" for line in row.lines[1:]]
        if reason_tex:
            parts.append(f"&\\qquad {reason_tex}")
        return " \\\\\n".join(parts)
    if len(row.lines) > 1:
        # the lines of one row in one top-aligned block, so that a tall reason beside it does not
        # push the continuation lines below itself
        block = " \\\\\n".join([f"&{row.lines[0]}"] + [f"&{settings.continuation} {line}" for line in row.lines[1:]])
        head = first[: len(first) - len(row.lines[0])]
        first = f"{head}\\begin{{aligned}}[t]\n{block}\n\\end{{aligned}}"
    return f"{first} && {reason_tex}" if reason_tex else first


def _parbox(segs: list[Segment], settings: Settings) -> str:
    if not segs:
        return ""
    return r"\parbox[t]{%s}{\raggedright%s %s}" % (
        settings.reason_width, settings.reason_size, to_latex(segs))


def _rows(chain_list: list[Chain], settings: Settings, reason) -> str:
    """The rows of all chains; a little vertical space where a chain restarts."""
    out = []
    for k, chain in enumerate(chain_list):
        rows = [_row_align(r, settings, reason(r)) for r in chain.rows]
        if k:
            out[-1] += r" \\[1.2ex]"
        out.append(" \\\\\n".join(rows))
    return "\n".join(out)


def align_chains(chain_list: list[Chain], settings: Settings = BOOK) -> str:
    """All chains in one align* (one shared alignment point and reason column)."""
    body = _rows(chain_list, settings, lambda r: _parbox(r.reason, settings))
    return "\\begin{align*}\n%s\n\\end{align*}" % body


def aligned_chains(chain_list: list[Chain], settings: Settings = MATHJAX) -> str:
    """All chains in one MathJax aligned environment, the reasons in \\text{...}."""
    def reason(r):
        text = to_mathjax(r.reason)
        return r"\quad " + text if text else ""

    return "\\begin{aligned}\n%s\n\\end{aligned}" % _rows(chain_list, settings, reason)


def _assumptions_latex(d) -> str:
    shown = assumptions_shown(d)
    if not shown:
        return ""
    items = "; ".join(to_latex(a.text) for a in shown)
    return r"\noindent\textbf{Assumptions.} %s.\par" % items


def result_latex(d) -> str:
    """The result (and the textbook claim, when SymPy's form differs) as display math."""
    result = expression_latex(d.result)
    out = ["\\noindent\\textbf{Result} (computed from the steps):", "\\[", result, "\\]"]
    if d.claim is not None and not _same(d.claim, d.result):
        out += ["\\noindent Textbook form (compared with the result in the tests):", "\\[",
                expression_latex(d.claim), "\\]"]
    return "\n".join(out)


def _same(a, b) -> bool:
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - comparing odd objects: show both then
        return False


def widest(chain_list: list[Chain]) -> float:
    """The widest row of a layout (left-hand side, relation and line), in em."""
    widths = [0.0]
    for chain in chain_list:
        for row in chain.rows:
            head = visual_width(row.rel) + 0.5 if row.kind == "value" else 0.0
            widths += [head + visual_width(row.lines[0])] + [1.5 + visual_width(x) for x in row.lines[1:]]
    return _left_width(chain_list) + max(widths)


TEXT_WIDTH_EM = 43.0  # the book's text width (A4, 2.2 cm margins, 11 pt) in em


def reason_width(expressions_em: float) -> str:
    """The reason column: what the expressions leave of the line (a third to a half of it),
    so that short reasons are not wrapped into a dozen lines."""
    # visual_width underestimates typeset mathematics by about a third: measured on the book
    share = (TEXT_WIDTH_EM - 1.4 * expressions_em - 5.0) / TEXT_WIDTH_EM
    return r"%.2f\linewidth" % min(max(share, 0.3), 0.45)


def derivation_latex(d, report=None, settings: Settings = BOOK) -> str:
    """The proof as a LaTeX fragment (needs amsmath): statement, assumptions, align* chains,
    result. With a check report, each reason ends with how its step was checked."""
    parts = [
        f"% derive: {d.id} -- {d.title}",
        r"\noindent\textbf{Statement.} %s\par" % to_latex(d.statement),
    ]
    if assumptions_shown(d):
        parts.append(r"\smallskip")
        parts.append(_assumptions_latex(d))
    parts.append(r"\smallskip")
    parts.append(r"\noindent\textbf{Derivation.}")
    layout = chains(d, report, settings)
    if not settings.stacked and widest(layout) > settings.width + 3.5:
        settings = STACKED  # too wide for a reason column: reasons go under their lines
        layout = chains(d, report, settings)
    elif not settings.stacked:
        settings = replace(settings, reason_width=reason_width(widest(layout)))
    parts.append(align_chains(layout, settings))
    parts.append(result_latex(d))
    if d.references:
        refs = "; ".join(escape_latex(r) for r in d.references)
        parts.append(r"\noindent{\small\textbf{References.} %s\par}" % refs)
    return "\n".join(parts) + "\n"


def derivation_notebook_latex(d, report=None) -> str:
    r"""What Jupyter shows for a derivation: its chains in ``$$\begin{aligned}...$$`` (MathJax)."""
    blocks = [aligned_chains(chains(d, report, MATHJAX), MATHJAX)]
    title = r"\textbf{%s}" % _title_mathjax(d.title)
    inner = "\\\\[4pt]\n".join(blocks)
    return "$$\n\\begin{gathered}\n%s\\\\[2pt]\n%s\n\\end{gathered}\n$$" % (title, inner)


def _title_mathjax(title: str) -> str:
    """A title inside MathJax's \\textbf{...}: text as it is, mathematics in $...$."""
    return "".join(s.value.replace("\\", "/").replace("{", "(").replace("}", ")") if s.kind == "text"
                   else f"${s.value}$" for s in segments(title))


escape_text = escape_latex
