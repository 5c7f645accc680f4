"""The expression tree `derive verify` reads LaTeX into: small frozen values, no SymPy.

Names stay the author's (``\\hat{\\theta}_{MLE}``); they are display keys only and never become
code: `derive.verify.build` gives every name a generated SymPy symbol.
"""

from __future__ import annotations

from dataclasses import dataclass


class Node:
    """Base of the expression tree."""

    def children(self) -> tuple:
        out = []
        for value in self.__dict__.values():
            if isinstance(value, Node):
                out.append(value)
            elif isinstance(value, tuple):
                for v in value:
                    if isinstance(v, Node):
                        out.append(v)
                    elif isinstance(v, tuple):
                        out.extend(x for x in v if isinstance(x, Node))
        return tuple(out)

    def map_children(self, f):
        """The same node with `f` applied to each child node and to each node in a tuple field."""
        values = {}
        for k, v in self.__dict__.items():
            if isinstance(v, Node):
                values[k] = f(v)
            elif isinstance(v, tuple):
                values[k] = tuple(f(x) if isinstance(x, Node) else x for x in v)
            else:
                values[k] = v
        return type(self)(**values)

    def walk(self):
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(node.children())


@dataclass(frozen=True)
class Num(Node):
    text: str


@dataclass(frozen=True)
class Const(Node):
    name: str  # "pi" | "e" | "oo"


@dataclass(frozen=True)
class Sym(Node):
    """A named quantity: its kind (scalar, vector, matrix) is decided by `shapes`."""

    name: str


@dataclass(frozen=True)
class Indexed(Node):
    """x_i, x_{k+1}, x^{(i)}: a per-sample or per-iteration quantity."""

    base: str
    indices: tuple


@dataclass(frozen=True)
class Add(Node):
    terms: tuple


@dataclass(frozen=True)
class Neg(Node):
    arg: Node


@dataclass(frozen=True)
class Mul(Node):
    factors: tuple
    dot: bool = False  # written with \cdot between two factors


@dataclass(frozen=True)
class Div(Node):
    num: Node
    den: Node


@dataclass(frozen=True)
class Pow(Node):
    base: Node
    exp: Node


@dataclass(frozen=True)
class Transpose(Node):
    arg: Node


@dataclass(frozen=True)
class Call(Node):
    """A known function: log, exp, sqrt, abs, sin, det, tr, factorial, binom..."""

    fn: str
    args: tuple


@dataclass(frozen=True)
class Norm(Node):
    arg: Node
    p: str = "2"


@dataclass(frozen=True)
class Apply(Node):
    """An application of a function the document does not define: f(x), p(y | x; w)."""

    fn: str
    args: tuple
    given: tuple = ()
    params: tuple = ()  # subscripts of the name: f_theta -> (Sym theta,)
    primes: int = 0


@dataclass(frozen=True)
class BigOp(Node):
    op: str  # "sum" | "prod"
    index: str
    lo: Node | None
    hi: Node | None
    body: Node


@dataclass(frozen=True)
class Grad(Node):
    """nabla_v body (order 2: the Hessian); v None means 'the argument of body'."""

    body: Node
    wrt: Node | None
    order: int = 1


@dataclass(frozen=True)
class Deriv(Node):
    """d^k body / d v^k, written with \\partial or d."""

    body: Node
    wrt: Node
    order: int = 1


@dataclass(frozen=True)
class Opt(Node):
    """argmin / argmax / min / max over wrt of body."""

    kind: str
    wrt: tuple
    body: Node


@dataclass(frozen=True)
class Density(Node):
    """N(x | mean, var) or Laplace(x | loc, scale); x None when the point is not written."""

    family: str
    x: Node | None
    params: tuple


@dataclass(frozen=True)
class Matrix(Node):
    rows: tuple


@dataclass(frozen=True)
class Equation(Node):
    """lhs REL rhs used as a value (the operands of \\implies and \\iff)."""

    lhs: Node
    rel: str
    rhs: Node


@dataclass(frozen=True)
class Elementwise(Node):
    """A Hadamard (\\odot, \\circ: "hadamard") or Kronecker (\\otimes: "kronecker") product."""

    kind: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Expect(Node):
    """E[arg], Var[arg], Cov[a, b] ("E" | "Var" | "Cov"); `over` the subscript (x ~ p, or a name)."""

    op: str
    args: tuple
    given: tuple = ()
    var: Node | None = None  # E_{x ~ p}: x
    dist: Node | None = None  # E_{x ~ p}: p (a Density, or a name)


@dataclass(frozen=True)
class Integral(Node):
    """\\int_lo^hi body d var; bounds None: over the support of the density in the body."""

    body: Node
    var: Node
    lo: Node | None = None
    hi: Node | None = None


@dataclass(frozen=True)
class Evaluated(Node):
    """\\left. body \\right|_{var = at} (var None: body's one variable), or |_lo^hi: F(hi) - F(lo)."""

    body: Node
    var: Node | None
    lo: Node | None
    hi: Node


@dataclass(frozen=True)
class Cases(Node):
    """A case distinction: ((value, condition Equation or None for 'otherwise'), ...)."""

    pieces: tuple


@dataclass(frozen=True)
class Sequence(Node):
    """x_1, ..., x_n written as a list (the arguments of a likelihood): not a value by itself."""

    first: Node
    last: Node


@dataclass(frozen=True)
class Limit(Node):
    """lim_{var -> point} body."""

    body: Node
    var: Node
    point: Node
