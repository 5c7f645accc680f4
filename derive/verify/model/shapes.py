"""What each name is: scalar, vector or matrix, its dimensions, and what is assumed about it.

Heuristics first (upper-case Latin and \\Sigma are matrices; a name that is transposed, sits
right of a matrix or inside a norm is a vector; sigma, b, lambda, eta, tau are positive; n, N, m
are positive integers), then what the document states (``X \\in \\mathbb{R}^{n \\times d}``), then
its declarations, which win: ``<!-- derive: X matrix n x d; w vector d; sigma > 0 -->``.

Dimensions are unified over every product and sum of a scope (a block), so ``X w - y`` gives
w the column count of X and y its row count.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from derive.verify.read import nodes as N
from derive.verify.read.parse import GREEK

SCALAR, VECTOR, MATRIX = "scalar", "vector", "matrix"
SCALAR_CAPITALS = {"N", "T", "K", "C", "Z", "D", "R", "E", "L", "J", "P", "Q"}
ONES = {"\\mathbf{1}", "\\mathbb{1}", "\\boldsymbol{1}", "\\bm{1}", "\\vec{1}"}
MATRIX_GREEK = {"\\Sigma", "\\Lambda", "\\Phi", "\\Psi", "\\Omega"}
POSITIVE_NAMES = {"\\sigma", "b", "\\lambda", "\\eta", "\\tau", "\\alpha", "\\beta", "\\gamma", "\\kappa", "\\nu", "\\rho", "\\epsilon_0", "s"}
INTEGER_NAMES = {"n", "N", "m", "k", "K", "d", "p", "M", "T"}
SYMMETRIC_NAMES = {"\\Sigma", "\\Lambda", "H", "\\mathbf{H}", "S", "\\Sigma_0"}
DENSITY_FUNCTIONS = {"p", "P", "q", "Q", "L", "\\mathcal{L}", "\\mathrm{p}", "pmodel", "pdata", "\\pi"}


class ShapeError(ValueError):
    """Shapes that cannot be made to agree (a 1 x k row equated with a k x 1 column, say)."""


@dataclass
class Facts:
    """Declared or harvested facts about names, by display name."""

    kinds: dict = field(default_factory=dict)  # name -> kind
    dims: dict = field(default_factory=dict)  # name -> (rows, cols) as dimension names or ints
    positive: set = field(default_factory=set)
    nonnegative: set = field(default_factory=set)
    integer: set = field(default_factory=set)
    symmetric: set = field(default_factory=set)
    positive_definite: set = field(default_factory=set)
    full_column_rank: set = field(default_factory=set)
    functions: set = field(default_factory=set)
    not_functions: set = field(default_factory=set)
    problems: list = field(default_factory=list)

    def merged(self, other: Facts) -> Facts:
        """self overridden by other."""
        out = Facts(
            kinds={**self.kinds, **other.kinds},
            dims={**self.dims, **other.dims},
            positive=self.positive | other.positive,
            nonnegative=self.nonnegative | other.nonnegative,
            integer=self.integer | other.integer,
            symmetric=self.symmetric | other.symmetric,
            positive_definite=self.positive_definite | other.positive_definite,
            full_column_rank=self.full_column_rank | other.full_column_rank,
            functions=(self.functions - other.not_functions) | other.functions,
            not_functions=(self.not_functions - other.functions) | other.not_functions,
            problems=self.problems + other.problems,
        )
        return out


def canonical_name(word: str) -> str:
    """'sigma' -> '\\sigma'; 'X' -> 'X'; '\\theta' stays; 'theta_0' -> '\\theta_{0}'."""
    word = word.strip()
    if "_" in word and not word.startswith("\\"):
        base, _, sub = word.partition("_")
        sub = sub.strip("{}")
        return canonical_name(base) + "_{" + sub + "}"
    if word.startswith("\\"):
        return word
    if word in GREEK:
        return "\\" + word
    return word


class DeclarationError(ValueError):
    """A declaration the document states but that cannot mean a size (exit 2, one line)."""


MAX_DIM_DIGITS = 6  # a dimension of a declared matrix: up to 999,999


def _dim(word: str):
    word = word.strip()
    if any(ch.isdigit() and not ch.isascii() for ch in word) or any(
        unicodedata.category(ch) == "No" for ch in word
    ):
        raise DeclarationError(
            f"declaration dimension {word!r} uses a non-ASCII digit; write sizes with 0-9, e.g. 'X matrix 2 x 3'"
        )
    if word.isdigit():
        if len(word) > MAX_DIM_DIGITS:
            raise DeclarationError(
                f"declaration dimension of {len(word)} digits is too large (at most {MAX_DIM_DIGITS} digits); "
                "use a name for a symbolic size, e.g. 'X matrix n x d'"
            )
        return int(word)
    return canonical_name(word)


def parse_declarations(text: str) -> Facts:
    """Read ``X matrix n x d; w vector d; sigma > 0; A symmetric; f function``."""
    facts = Facts()
    for raw in text.replace("\n", ";").split(";"):
        part = raw.strip().rstrip(".")
        if not part:
            continue
        for op, target in ((">=", "nonnegative"), (">", "positive")):
            if op in part:
                left, _, right = part.partition(op)
                if right.strip() == "0":
                    for name in left.split(","):
                        getattr(facts, target).add(canonical_name(name))
                    break
        else:
            words = part.replace(",", " , ").split()
            names = []
            k = 0
            while k < len(words) and words[k] != ",":
                names.append(words[k])
                k += 1
                if k < len(words) and words[k] == ",":
                    k += 1
                    continue
                break
            rest = words[k:]
            if not names or not rest:
                facts.problems.append(
                    f"cannot read declaration {part!r}: expected e.g. 'X matrix n x d', "
                    "'w vector d', 'sigma > 0', 'A symmetric', 'f function'"
                )
                continue
            _apply(facts, [canonical_name(n) for n in names], rest, part)
    return facts


def _apply(facts: Facts, names: list[str], rest: list[str], part: str) -> None:
    what = " ".join(rest).lower()
    if rest[0].lower() == "matrix":
        dims = [w for w in rest[1:] if w.lower() not in ("x", "by", "×")]
        for name in names:
            facts.kinds[name] = MATRIX
            facts.not_functions.add(name)
            if len(dims) == 2:
                facts.dims[name] = (_dim(dims[0]), _dim(dims[1]))
            elif len(dims) == 1 and "x" not in rest[1:]:
                facts.dims[name] = (_dim(dims[0]), _dim(dims[0]))
        return
    if rest[0].lower() == "vector":
        for name in names:
            facts.kinds[name] = VECTOR
            facts.not_functions.add(name)
            if len(rest) > 1:
                facts.dims[name] = (_dim(rest[1]), 1)
        return
    if what in ("scalar", "real", "number"):
        for name in names:
            facts.kinds[name] = SCALAR
            facts.not_functions.add(name)
        return
    if what in ("function", "fn", "density"):
        facts.functions.update(names)
        return
    table = {
        "positive": "positive", "integer": "integer", "positive integer": "integer",
        "symmetric": "symmetric", "positive definite": "positive_definite", "spd": "positive_definite",
        "symmetric positive definite": "positive_definite", "full column rank": "full_column_rank",
        "full rank": "full_column_rank", "nonnegative": "nonnegative",
    }
    if what in table:
        target = table[what]
        getattr(facts, target).update(names)
        if target == "integer":
            for name in names:
                facts.kinds.setdefault(name, SCALAR)
        if target in ("symmetric", "positive_definite", "full_column_rank"):
            for name in names:
                facts.kinds.setdefault(name, MATRIX)
        return
    facts.problems.append(
        f"cannot read declaration {part!r}: expected matrix, vector, scalar, function, "
        "positive, integer, symmetric, positive definite or full column rank"
    )


# --- kinds ----------------------------------------------------------------------------------------


def _strip(name: str) -> str:
    """The letter under accents and fonts: \\hat{\\mathbf{X}}_{i} -> X."""
    base = name.split("_")[0].split("^")[0]
    while base.startswith("\\") and "{" in base and base.endswith("}"):
        base = base[base.index("{") + 1 : -1]
    return base


def _font(name: str) -> str | None:
    for font in ("\\mathbf", "\\boldsymbol", "\\bm", "\\vec", "\\pmb"):
        if font + "{" in name:
            return font
    return None


def default_kind(name: str) -> str | None:
    """The kind a name has by convention, or None when only usage can tell."""
    letter = _strip(name)
    if name in ONES:
        return MATRIX
    if name.startswith("d\\") or name == "const":
        return None if name != "const" else SCALAR
    font = _font(name)
    if font is not None:
        if letter.isupper() or letter in MATRIX_GREEK:
            return MATRIX
        return VECTOR
    if letter in MATRIX_GREEK:
        return MATRIX
    if len(letter) == 1 and letter.isalpha() and letter.isupper():
        return SCALAR if letter in SCALAR_CAPITALS else MATRIX
    return None


@dataclass
class Scope:
    """Kinds and dimensions of the names of one scope (a block or a chain)."""

    kinds: dict = field(default_factory=dict)  # key -> kind; keys: Sym name, or "base[]" for Indexed
    dims: dict = field(default_factory=dict)  # key -> (slot, slot)
    facts: Facts = field(default_factory=Facts)
    parent: dict = field(default_factory=dict)  # union-find over dimension slots
    fixed: dict = field(default_factory=dict)  # root slot -> int or dimension name
    counter: int = 0
    occurrences: dict = field(default_factory=dict)  # id(node) -> shape, for names such as \mathbf{1}

    # -- dimension slots --
    def slot(self) -> int:
        self.counter += 1
        self.parent[self.counter] = self.counter
        return self.counter

    def find(self, s):
        if not isinstance(s, int) or isinstance(s, bool):
            return s
        while self.parent[s] != s:
            self.parent[s] = self.parent[self.parent[s]]
            s = self.parent[s]
        return s

    def value(self, s):
        """An int, a dimension name, or None (free)."""
        r = self.find(s)
        return self.fixed.get(r)

    def unify(self, a, b) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        va, vb = self.fixed.get(ra), self.fixed.get(rb)
        if va is not None and vb is not None and va != vb:
            if isinstance(va, int) and isinstance(vb, int):
                raise ShapeError(f"sizes {va} and {vb} do not match")
            if isinstance(va, int) or isinstance(vb, int):
                # a declared name dimension equated with a literal: keep the literal
                pass
            else:
                raise ShapeError(f"dimensions {va} and {vb} do not match")
        self.parent[ra] = rb
        if vb is None and va is not None or isinstance(va, int) and not isinstance(vb, int):
            self.fixed[rb] = va

    def fix(self, s, value) -> None:
        r = self.find(s)
        old = self.fixed.get(r)
        if old is not None and old != value:
            if isinstance(old, int) and isinstance(value, int):
                raise ShapeError(f"sizes {old} and {value} do not match")
            return
        self.fixed[r] = value

    def one(self) -> int:
        s = self.slot()
        self.fixed[s] = 1
        return s

    def kind(self, key: str) -> str:
        return self.kinds.get(key, SCALAR)


def _key(node) -> str | None:
    if isinstance(node, N.Sym):
        return node.name
    if isinstance(node, N.Indexed):
        return node.base + "[]"
    return None


def _carriers(node) -> list[str]:
    """Names whose kind follows from the kind of `node` (the terms of a sum, a bare name)."""
    if isinstance(node, (N.Sym, N.Indexed)):
        return [_key(node)]
    if isinstance(node, N.Add):
        out = []
        for t in node.terms:
            out.extend(_carriers(t))
        return out
    if isinstance(node, N.Neg):
        return _carriers(node.arg)
    if isinstance(node, N.Mul):
        # c * v: the non-numeric last factor carries
        rest = [f for f in node.factors if not isinstance(f, (N.Num, N.Div, N.Const))]
        if len(rest) == 1:
            return _carriers(rest[0])
        return []
    if isinstance(node, N.Grad):
        if node.wrt is not None:
            return _carriers(node.wrt)
        if isinstance(node.body, N.Apply) and len(node.body.args) == 1:
            return _carriers(node.body.args[0])
    return []


class _KindPass:
    def __init__(self, scope: Scope):
        self.scope = scope
        self.changed = False

    def mark(self, key: str | None, kind: str) -> None:
        if key is None or key == "const" or key in self.scope.facts.kinds:
            return
        letter = _strip(key.removesuffix("[]"))
        if kind == VECTOR and len(letter) == 1 and letter.isupper():
            kind = MATRIX  # a capital used as a matrix is a matrix, not a vector
        current = self.scope.kinds.get(key)
        if current is None or (current == SCALAR and kind != SCALAR and key not in self.scope.facts.kinds):
            if current != kind and not (current == MATRIX and kind == VECTOR):
                self.scope.kinds[key] = kind
                self.changed = True

    def nonscalar(self, node) -> bool:
        """Whether node is (as far as known) matrix-valued."""
        if isinstance(node, (N.Sym, N.Indexed)):
            return self.scope.kinds.get(_key(node), SCALAR) != SCALAR
        if isinstance(node, N.Transpose):
            return self.nonscalar(node.arg) or True
        if isinstance(node, N.Neg):
            return self.nonscalar(node.arg)
        if isinstance(node, N.Add):
            return any(self.nonscalar(t) for t in node.terms)
        if isinstance(node, N.Mul):
            mats = [f for f in node.factors if self.nonscalar(f)]
            if not mats:
                return False
            # v^T v and v^T A v are 1 x 1: still matrix expressions (kept as such)
            return True
        if isinstance(node, N.Pow):
            return self.nonscalar(node.base) and not isinstance(node.base, (N.Norm, N.Call))
        if isinstance(node, N.Div):
            return self.nonscalar(node.num)
        if isinstance(node, N.Grad):
            if node.order == 2:
                return True
            carriers = _carriers(node)
            return any(self.scope.kinds.get(c, SCALAR) != SCALAR for c in carriers)
        if isinstance(node, N.Matrix):
            return True
        if isinstance(node, N.BigOp):
            return self.nonscalar(node.body)
        return False

    def matrix_like(self, node) -> bool:
        """A matrix or a row vector: what multiplies it on the right is a (column) vector."""
        if isinstance(node, (N.Sym, N.Indexed)):
            return self.scope.kinds.get(_key(node), SCALAR) == MATRIX
        if isinstance(node, N.Transpose):
            return self.nonscalar(node.arg)
        if isinstance(node, N.Pow):
            return self.matrix_like(node.base)
        if isinstance(node, N.Neg):
            return self.matrix_like(node.arg)
        if isinstance(node, N.Add):
            return any(self.matrix_like(t) for t in node.terms)
        if isinstance(node, N.Mul):
            mats = [f for f in node.factors if self.nonscalar(f)]
            return bool(mats) and self.matrix_like(mats[-1])
        if isinstance(node, N.Grad):
            return node.order == 2
        return False

    def one_by_one(self, node) -> bool:
        """v^T w, v^T A v and sums of them: matrix expressions that are numbers."""
        if isinstance(node, N.Neg):
            return self.one_by_one(node.arg)
        if isinstance(node, N.Add):
            mats = [t for t in node.terms if self.nonscalar(t)]
            return all(self.one_by_one(t) for t in mats)
        if isinstance(node, N.Mul):
            mats = [f for f in node.factors if self.nonscalar(f)]
            if not mats:
                return True
            first, last = mats[0], mats[-1]
            return isinstance(first, N.Transpose) and not self.matrix_like(first.arg) and not isinstance(last, N.Transpose) \
                and not self.matrix_like(last)
        if isinstance(node, N.Div):
            return self.one_by_one(node.num)
        if isinstance(node, N.Transpose):
            return self.one_by_one(node.arg) and isinstance(node.arg, N.Mul)
        return not self.nonscalar(node)

    def visit(self, node) -> None:
        if isinstance(node, N.Transpose):
            for c in _carriers(node.arg):
                self.mark(c, VECTOR)
        if isinstance(node, N.Norm):
            for c in _carriers(node.arg):
                self.mark(c, VECTOR)
        if isinstance(node, N.Mul):
            fs = node.factors
            for a, b in zip(fs, fs[1:]):
                if self.matrix_like(a):
                    for c in _carriers(b):
                        self.mark(c, VECTOR)
        if isinstance(node, N.Add):
            if any(self.nonscalar(t) and not self.one_by_one(t) for t in node.terms):
                for t in node.terms:
                    if isinstance(t, (N.Sym, N.Indexed)) or (isinstance(t, N.Neg) and isinstance(t.arg, (N.Sym, N.Indexed))):
                        for c in _carriers(t):
                            self.mark(c, VECTOR)
        if isinstance(node, N.Equation):
            if self.nonscalar(node.lhs) and not self.nonscalar(node.rhs) and not self.one_by_one(node.lhs):
                for c in _carriers(node.rhs):
                    self.mark(c, VECTOR)
            if self.nonscalar(node.rhs) and not self.nonscalar(node.lhs) and not self.one_by_one(node.rhs):
                for c in _carriers(node.lhs):
                    self.mark(c, VECTOR)
        for child in node.children():
            self.visit(child)


def _is_row(node, kp: _KindPass) -> bool:
    """v^T (a row vector): what follows it need not be a vector (v^T c is fine... but v^T w is too)."""
    return False


def infer_scope(exprs: list, facts: Facts, equalities: list = ()) -> Scope:
    """Kinds for every name in `exprs` (a block's expressions), then dimensions."""
    scope = Scope(facts=facts)
    names: set[str] = set()
    for e in exprs:
        for n in e.walk():
            k = _key(n)
            if k is not None:
                names.add(k)
    for k in names:
        plain = k.removesuffix("[]")
        if k in facts.kinds:
            scope.kinds[k] = facts.kinds[k]
        elif plain in facts.kinds:
            scope.kinds[k] = facts.kinds[plain]
        else:
            d = default_kind(plain)
            if d is not None:
                scope.kinds[k] = d
    kp = _KindPass(scope)
    for _ in range(8):
        kp.changed = False
        for e in exprs:
            kp.visit(e)
        for a, b in equalities:
            kp.visit(N.Equation(a, "=", b))
        if not kp.changed:
            break
    return scope


# --- dimensions -----------------------------------------------------------------------------------


class DimPass:
    """Unify dimension slots over the expressions; shape_of gives (rows, cols) slots or None."""

    def __init__(self, scope: Scope):
        self.scope = scope

    def name_shape(self, key: str):
        sc = self.scope
        if key in sc.dims:
            return sc.dims[key]
        kind = sc.kind(key)
        if kind == SCALAR:
            return None
        r = sc.slot()
        c = sc.one() if kind == VECTOR else sc.slot()
        plain = key.removesuffix("[]")
        declared = sc.facts.dims.get(key) or sc.facts.dims.get(plain)
        if declared is not None:
            sc.fix(r, declared[0])
            sc.fix(c, declared[1])
        if plain in sc.facts.symmetric or plain in sc.facts.positive_definite or _strip(plain) in ("\\Sigma", "\\Lambda"):
            sc.unify(r, c)
        sc.dims[key] = (r, c)
        return sc.dims[key]

    def shape(self, node):
        sc = self.scope
        if isinstance(node, (N.Num, N.Const)):
            return None
        if isinstance(node, (N.Sym, N.Indexed)):
            if isinstance(node, N.Sym) and node.name in ONES and node.name not in sc.facts.kinds:
                # the all-ones vector takes its shape from where it stands, occurrence by occurrence
                shape = (sc.slot(), sc.slot())
                sc.occurrences[id(node)] = shape
                return shape
            return self.name_shape(_key(node))
        if isinstance(node, N.Neg):
            return self.shape(node.arg)
        if isinstance(node, N.Transpose):
            s = self.shape(node.arg)
            if s is None:
                return None
            return (s[1], s[0])
        if isinstance(node, N.Add):
            shapes = [self.shape(t) for t in node.terms]
            mats = [s for s in shapes if s is not None]
            if not mats:
                return None
            first = mats[0]
            for s in mats[1:]:
                sc.unify(first[0], s[0])
                sc.unify(first[1], s[1])
            if len(mats) != len(shapes):
                # a scalar added to a matrix: only 1 x 1 (or an identity multiple) makes sense
                if sc.value(first[0]) != 1 or sc.value(first[1]) != 1:
                    sc.unify(first[0], first[1])
            return first
        if isinstance(node, N.Mul):
            current = None
            for f in node.factors:
                s = self.shape(f)
                if s is None:
                    continue
                if current is None:
                    current = s
                    continue
                if sc.value(current[0]) == 1 and sc.value(current[1]) == 1 and sc.value(s[0]) != 1:
                    current = s  # (a^T b) w: a 1 x 1 factor scales, it does not make w a number
                    continue
                if sc.value(s[0]) == 1 and sc.value(s[1]) == 1 and sc.value(current[1]) not in (None, 1):
                    continue  # A (b^T c): the same, on the right
                if node.dot and sc.value(current[1]) == 1 and sc.value(s[1]) == 1:
                    # a . b between column vectors: a^T b
                    sc.unify(current[0], s[0])
                    current = (sc.one(), sc.one())
                    continue
                sc.unify(current[1], s[0])
                current = (current[0], s[1])
            return current
        if isinstance(node, N.Div):
            s = self.shape(node.num)
            d = self.shape(node.den)
            if d is not None:
                if sc.value(d[0]) == 1 and sc.value(d[1]) == 1:
                    return s
                raise ShapeError("division by a matrix")
            return s
        if isinstance(node, N.Pow):
            s = self.shape(node.base)
            e = self.shape(node.exp)
            if e is not None:
                raise ShapeError("a matrix in an exponent")
            if s is not None:
                if isinstance(node.base, (N.Norm,)):
                    return None
                sc.unify(s[0], s[1])
            return s
        if isinstance(node, N.Norm):
            s = self.shape(node.arg)
            if s is not None:
                r = sc.value(s[1])
                if r != 1:
                    sc.unify(s[1], sc.one()) if r is None else None
            return None
        if isinstance(node, N.Call):
            for a in node.args:
                s = self.shape(a)
                if s is not None and node.fn in ("det", "tr"):
                    sc.unify(s[0], s[1])
            return None
        if isinstance(node, N.BigOp):
            for part in (node.lo, node.hi):
                if part is not None:
                    self.shape(part)
            return self.shape(node.body)
        if isinstance(node, N.Grad):
            self.shape(node.body)
            if node.wrt is not None:
                w = self.shape(node.wrt)
            else:
                carriers = _carriers(node)
                w = self.name_shape(carriers[0]) if carriers else None
            if w is None:
                return None
            if node.order == 2:
                return (w[0], w[0])
            return w
        if isinstance(node, N.Deriv):
            self.shape(node.body)
            w = self.shape(node.wrt)
            return w
        if isinstance(node, N.Apply):
            for a in node.args + node.given:
                self.shape(a)
            return None
        if isinstance(node, N.Density):
            for a in node.params + ((node.x,) if node.x is not None else ()):
                self.shape(a)
            return None
        if isinstance(node, N.Opt):
            return self.shape(node.body)
        if isinstance(node, N.Matrix):
            rows = len(node.rows)
            cols = len(node.rows[0])
            for row in node.rows:
                for cell in row:
                    if self.shape(cell) is not None:
                        raise ShapeError("a matrix inside a matrix literal")
            r, c = sc.slot(), sc.slot()
            sc.fix(r, rows)
            sc.fix(c, cols)
            return (r, c)
        if isinstance(node, N.Equation):
            a, b = self.shape(node.lhs), self.shape(node.rhs)
            if a is not None and b is not None:
                sc.unify(a[0], b[0])
                sc.unify(a[1], b[1])
            return None
        for child in node.children():
            self.shape(child)
        return None


def dims_for(scope: Scope, exprs: list) -> Scope:
    dp = DimPass(scope)
    for e in exprs:
        dp.shape(e)
    return scope
