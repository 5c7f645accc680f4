"""LaTeX (ML notation) -> expression tree. No eval.

Two stages. The grammar (`derive.verify.read.scan`) turns a cell into *items*: atoms with their sub/superscripts, groups
and commands with their arguments, operators. The reader below turns items into a tree
(`derive.verify.read.nodes`), deciding what a grammar cannot: precedence, how far ``\\sum`` and
``\\log`` reach, which ``name(...)`` is a function application, how bare ``|`` pair up.

Where notation is ambiguous the reader takes a `Reading` (a few switches); the runner tries
the alternatives before it calls a step wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from derive.verify.read import nodes as N
from derive.verify.read import operators as O

MAX_CELL_CHARS = 4000
MAX_DEPTH = 40

GREEK = {
    "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta",
    "vartheta", "iota", "kappa", "lambda", "mu", "nu", "xi", "omicron", "rho", "varrho",
    "sigma", "varsigma", "tau", "upsilon", "phi", "varphi", "chi", "psi", "omega", "Gamma",
    "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega", "ell",
    "varpi",
}
UNICODE_GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ζ": "zeta",
    "η": "eta", "θ": "theta", "ι": "iota", "κ": "kappa", "λ": "lambda", "μ": "mu", "ν": "nu",
    "ξ": "xi", "ρ": "rho", "σ": "sigma", "τ": "tau", "υ": "upsilon", "φ": "phi", "χ": "chi",
    "ψ": "psi", "ω": "omega", "Γ": "Gamma", "Δ": "Delta", "Θ": "Theta", "Λ": "Lambda",
    "Σ": "Sigma", "Φ": "Phi", "Ψ": "Psi", "Ω": "Omega", "π": "pi", "∑": "sum", "∏": "prod",
    "∇": "nabla", "∂": "partial", "∞": "infty", "ℓ": "ell", "·": "cdot", "×": "times",
    "−": "-", "–": "-", "≤": "le", "≥": "ge", "≈": "approx", "∝": "propto", "⊤": "top",
}
FUNCTION_WORDS = {
    "log": "log", "ln": "log", "exp": "exp", "sin": "sin", "cos": "cos", "tan": "tan",
    "tanh": "tanh", "sinh": "sinh", "cosh": "cosh", "det": "det", "tr": "tr", "Tr": "tr",
    "trace": "tr", "sign": "sign", "sgn": "sign", "softmax": "softmax", "sigmoid": "sigmoid",
    "diag": "diag", "lg": "log",
}
OPT_WORDS = {
    "argmin": "argmin", "argmax": "argmax", "min": "min", "max": "max",
    "minimize": "min", "maximize": "max", "minimise": "min", "maximise": "max",
    "arg min": "argmin", "arg max": "argmax", "sup": "max", "inf": "min",
}
MERGED_WORDS = ("argmin", "argmax", "softmax", "sigmoid", "const", "log", "exp", "max", "min", "det", "ln",
                "Var", "Cov")
RELATIONS = {
    "=": "=", "<": "<", ">": ">", "\\approx": "approx", "\\propto": "propto", "\\le": "<=",
    "\\leq": "<=", "\\ge": ">=", "\\geq": ">=", "\\leqslant": "<=", "\\geqslant": ">=",
    "\\iff": "iff", "\\Leftrightarrow": "iff", "\\Longleftrightarrow": "iff",
    "\\Rightarrow": "implies", "\\implies": "implies", "\\Longrightarrow": "implies",
    "\\equiv": "=", "\\simeq": "approx", "\\coloneqq": ":=", "\\triangleq": ":=",
    "\\doteq": ":=", "\\ne": "!=", "\\neq": "!=", "\\sim": "sim", "\\in": "in",
    "\\to": "to", "\\rightarrow": "to", "\\mapsto": "to", "\\longrightarrow": "to",
    "\\subset": "in", "\\subseteq": "in", "\\gets": "to", "\\leftarrow": "to",
    "\\approxeq": "approx", "\\cong": "approx", "\\ll": "<", "\\gg": ">",
    "\\therefore": "implies", "\\Longleftrightarrow": "iff", "\\succeq": "succeq", "\\succ": "succ",
    "\\preceq": "preceq", "\\prec": "prec", "\\succcurlyeq": "succeq", "\\preccurlyeq": "preceq",
    "\\notin": "notin", "\\lessapprox": "lessapprox", "\\lesssim": "lessapprox", "\\gtrapprox": "gtrapprox",
    "\\gtrsim": "gtrapprox", "\\eqqcolon": ":=", "\\defeq": ":=", "\\stackrel{\\text{def}}{=}": ":=",
}
INDEX_LETTERS = set("ijklmnts")
TRANSPOSE_MARKS = {"T", "\\top", "\\intercal", "\\mathsf{T}", "\\mathrm{T}", "\\textsf{T}", "\\text{T}", "t", "\\mathbf{T}", "\\trans", "\\textrm{T}", "\\mathit{T}"}
FUNCTION_LETTERS = {"f", "g", "h", "p", "q", "P", "Q", "L", "J", "F", "G", "\\ell", "\\Pr", "\\mathbb{P}", "\\phi", "\\psi", "\\pi_", "l", "E"}
DENSITY_NAMES = {"\\mathcal{N}": "normal", "N": "normal", "Normal": "normal", "Laplace": "laplace",
                 "\\mathrm{Laplace}": "laplace", "\\text{Laplace}": "laplace", "\\mathcal{L}aplace": "laplace",
                 "\\operatorname{Laplace}": "laplace", "\\mathrm{Lap}": "laplace", "Lap": "laplace"}
for _family, _spellings in {
    "normal": ("\\text{Normal}", "\\mathrm{Normal}", "\\operatorname{Normal}", "\\mathcal{N}ormal", "Gaussian",
               "\\text{Gaussian}", "\\mathrm{N}", "\\mathbf{N}"),
    "bernoulli": ("Bernoulli", "Bern", "Ber", "\\text{Bern}", "\\text{Ber}", "\\mathrm{Bern}", "\\mathrm{Ber}"),
    "poisson": ("Poisson", "Pois", "\\text{Pois}", "\\mathrm{Pois}"),
    "exponential": ("Exp", "Exponential", "\\text{Expo}", "\\mathrm{Expo}"),
    "beta": ("Beta", "\\mathrm{B}"),
    "gamma": ("Gamma", "\\Gamma"),
    "uniform": ("Uniform", "U", "\\mathcal{U}", "Unif", "\\text{Unif}"),
    "binomial": ("Binomial", "Bin", "\\text{Bin}", "\\mathrm{Bin}", "\\text{Binom}", "Binom"),
    "categorical": ("Categorical", "Cat", "\\text{Cat}", "\\mathrm{Cat}"),
    "multinomial": ("Multinomial", "Mult", "\\text{Mult}"),
    "dirichlet": ("Dirichlet", "Dir", "\\text{Dir}", "\\mathrm{Dir}"),
}.items():
    for _name in _spellings:
        if not _name.startswith("\\"):
            for _font in ("\\text", "\\mathrm", "\\operatorname", "\\textrm"):
                DENSITY_NAMES.setdefault(_font + "{" + _name + "}", _family)
            if len(_name) > 1:
                DENSITY_NAMES.setdefault(_name, _family)
        else:
            DENSITY_NAMES.setdefault(_name, _family)
FAMILY_PARAMETERS = {"normal": 2, "laplace": 2, "bernoulli": 1, "poisson": 1, "exponential": 1, "beta": 2,
                     "gamma": 2, "uniform": 2, "binomial": 2, "categorical": None, "multinomial": 2,
                     "dirichlet": 1}
for _name in ("\\Gamma", "U", "\\mathrm{B}"):  # the Gamma function, a letter, the Beta function
    DENSITY_NAMES.pop(_name, None)
UNREADABLE = {
    "\\cdots": "an ellipsis (\\cdots) stands for terms that are not written (in a sum, write the first two and the last term)",
    "\\dots": "an ellipsis (\\dots) stands for terms that are not written",
    "\\ldots": "an ellipsis (\\ldots) stands for terms that are not written",
    "\\vdots": "an ellipsis stands for terms that are not written",
    "\\ddots": "an ellipsis stands for terms that are not written",
    "\\oint": "contour integrals are not read",
    "\\iint": "double integrals are not read",
    "\\iiint": "triple integrals are not read",
    "\\input": "\\input is refused: derive verify reads only the file it is given",
    "\\include": "\\include is refused: derive verify reads only the file it is given",
    "\\forall": "a quantifier is a statement, not an expression",
    "\\exists": "a quantifier is a statement, not an expression",
    "\\pm": "\\pm stands for two expressions",
    "\\mp": "\\mp stands for two expressions",
    "\\cap": "set operations are not read",
    "\\cup": "set operations are not read",
    "\\setminus": "set operations are not read",
    "\\oplus": "direct sums are not read",
    "\\land": "logic is not read",
    "\\lor": "logic is not read",
    "\\neg": "logic is not read",
}
PRODUCT_OPS = {"\\cdot", "\\times", "*", "\\ast"}
ELEMENTWISE = {"\\odot": "hadamard", "\\circ": "hadamard", "\\otimes": "kronecker"}
DIFFERENTIAL_LETTERS = set("fxyzwtuvLJ")
ADJACENT_FUNCTIONS = {"\\sigma", "\\varphi", "\\Phi", "\\psi"}


class ParseError(ValueError):
    """A cell that the grammar or the reader cannot read; says where and what was expected."""

    def __init__(self, message: str, pos: int | None = None):
        super().__init__(message)
        self.message = message
        self.pos = pos

    def __str__(self) -> str:
        return self.message if self.pos is None else f"{self.message} (at character {self.pos + 1})"


@dataclass(frozen=True)
class Reading:
    """Switches for notation that people write both ways.

    fn_scope: how far \\log(...)^N goes: "group" (just the group), "product" (the rest of the
    product). sum_scope: how far \\sum reaches over + and -: "index" (while the terms use the
    summation index), "narrow" (one product), "wide" (to the end).
    """

    fn_scope: str = "group"
    sum_scope: str = "index"


@dataclass(frozen=True)
class Notation:
    """What the document declares or shows: names that are functions, how it writes things.

    prime_transpose: the document writes X' for the transpose (`Document.notation_hints`).
    variables: what the document differentiates in (d/dt): X(t) is then X applied to t.
    names: the single names the document uses alone (\\mathbf{AB} is then A times B).
    """

    functions: frozenset = frozenset()
    not_functions: frozenset = frozenset()
    prime_transpose: bool = False
    variables: frozenset = frozenset()
    names: frozenset = frozenset()


# --- items ----------------------------------------------------------------------------------


@dataclass
class Item:
    kind: str
    text: str
    pos: int
    end: int
    scripts: list = field(default_factory=list)
    body: list | None = None
    args: list = field(default_factory=list)
    close: str = ""

    def sub(self):
        for k, v in self.scripts:
            if k == "sub":
                return v
        return None

    def sup(self):
        for k, v in self.scripts:
            if k == "sup":
                return v
        return None

    def primes(self) -> int:
        return sum(1 for k, _ in self.scripts if k == "prime")


def _check_size(text: str) -> None:
    if len(text) > MAX_CELL_CHARS:
        raise ParseError(
            f"formula has {len(text)} characters, more than the {MAX_CELL_CHARS} read per cell; "
            "split it into rows with \\\\"
        )
    depth = 0
    deepest = 0
    for ch in text:
        if ch in "{([":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "})]":
            depth -= 1
    if deepest > MAX_DEPTH:
        raise ParseError(
            f"formula nests brackets {deepest} deep, more than the {MAX_DEPTH} read; "
            "simplify the formula"
        )


def items_of(text: str) -> list[Item]:
    """Lex and read `text`'s TeX structure (`derive.verify.read.scan`); return the top-level items."""
    from derive.verify.read.scan import ScanError, Scanner

    _check_size(text)
    try:
        return _merge_negations(Scanner(text, Item, _tok_item).all())
    except ScanError as exc:
        if exc.kind == "char":
            raise ParseError(f"unexpected character {exc.text!r}", exc.pos) from None
        if exc.kind == "eof":
            raise ParseError("formula ends early: a group or command is not closed", len(text)) from None
        if exc.kind == "env":
            raise ParseError(exc.text, exc.pos) from None
        if exc.kind == "deep":
            raise ParseError("formula nests commands too deeply; simplify the formula", exc.pos) from None
        raise ParseError(f"unexpected {exc.text!r}: unbalanced braces or a misplaced symbol", exc.pos) from None
    except RecursionError:
        raise ParseError("formula nests too deeply") from None


def _merge_negations(items: list[Item]) -> list[Item]:
    """\\not= is \\neq, \\not\\in is \\notin."""
    if not any(it.kind == "cmd" and it.text == "\\not" for it in items):
        return items
    out: list[Item] = []
    for it in items:
        if out and out[-1].kind == "cmd" and out[-1].text == "\\not" and not out[-1].scripts:
            if it.kind == "op" and it.text == "=":
                out[-1] = Item("cmd", "\\neq", out[-1].pos, it.end)
                continue
            if it.kind == "cmd" and it.text == "\\in":
                out[-1] = Item("cmd", "\\notin", out[-1].pos, it.end)
                continue
        out.append(it)
    return out


_TOKEN_KINDS = {
    "LETTER": "letter", "DIGIT": "digit", "UNICODE": "unicode", "CMD": "cmd",
    "TEXT": "text", "BAR": "bar", "DBAR": "dbar",
}


def _tok_item(tok, kind=None) -> Item:
    t = tok.type
    text = str(tok)
    if kind is None:
        kind = _TOKEN_KINDS.get(t, "op")
    if t == "UNICODE" and text in UNICODE_GREEK:
        name = UNICODE_GREEK[text]
        if name in ("-",):
            return Item("op", "-", tok.start_pos, tok.end_pos)
        kind, text = "cmd", "\\" + name
    if t == "TEXEQ":  # \\= typed for = (a text-mode accent, meaningless in a formula)
        return Item("op", "=", tok.start_pos, tok.end_pos)
    if t == "ELLIPSIS":
        return Item("cmd", "\\ldots", tok.start_pos, tok.end_pos)
    if t == "BAR" and text != "|":
        text = "|"
    if t == "DBAR":
        text = "\\|"
    return Item(kind, text, tok.start_pos, tok.end_pos)


# --- names --------------------------------------------------------------------------------------


def plain(items) -> str | None:
    """The item sequence as a name (letters, digits, Greek, text, fonts), or None."""
    if isinstance(items, Item):
        items = [items]
    parts = []
    for it in items:
        if it.scripts:
            inner = plain([Item(it.kind, it.text, it.pos, it.end, body=it.body, args=it.args)])
            if inner is None:
                return None
            for k, v in it.scripts:
                if k == "prime":
                    inner += "'"
                    continue
                sv = plain(v)
                if sv is None:
                    return None
                inner += ("_" if k == "sub" else "^") + "{" + sv + "}"
            parts.append(inner)
            continue
        if it.kind == "cmd" and it.text in ("\\rm", "\\it") and not it.scripts:
            continue  # an old-style font switch: {\\rm T}
        if it.kind in ("letter", "digit") or it.kind == "cmd" and it.text[1:] in GREEK or it.kind == "cmd" and it.text in ("\\ast", "\\star", "\\prime", "\\top", "\\dagger", "\\infty"):
            parts.append(it.text)
        elif it.kind == "text":
            parts.append(_text_content(it.text))
        elif it.kind == "cmd1":
            inner = plain(it.args[0]) if it.args else ""
            if inner is None:
                return None
            cmd = it.text
            if cmd in ("\\mathrm", "\\operatorname", "\\operatorname*", "\\mathit", "\\mathnormal", "\\textrm"):
                parts.append(inner)
            else:
                parts.append(f"{cmd}{{{inner}}}")
        elif it.kind == "group" and it.text == "curly":
            inner = plain(it.body)
            if inner is None:
                return None
            parts.append(inner)
        elif it.kind == "op" and it.text in (",", "*", "<", ">", "+", "-", "="):
            parts.append(it.text)
        elif it.kind in ("bar", "mid") or (it.kind == "cmd" and it.text == "\\mid"):
            parts.append("|")
        elif it.kind == "group" and it.text == "paren":
            inner = plain(it.body)
            if inner is None:
                return None
            parts.append("(" + inner + ")")
        else:
            return None
    return "".join(parts)


def _text_content(token_text: str) -> str:
    start = token_text.index("{") + 1
    return token_text[start:-1].strip()


# --- the reader --------------------------------------------------------------------------------


class _Cursor:
    def __init__(self, items: list[Item]):
        self.items = items
        self.i = 0

    @property
    def done(self) -> bool:
        return self.i >= len(self.items)

    def peek(self, k: int = 0) -> Item | None:
        j = self.i + k
        return self.items[j] if j < len(self.items) else None

    def take(self) -> Item:
        it = self.items[self.i]
        self.i += 1
        return it


def _is_op(it: Item | None, *texts) -> bool:
    return it is not None and it.kind == "op" and (not texts or it.text in texts)


def _is_cmd(it: Item | None, *names) -> bool:
    return it is not None and it.kind == "cmd" and it.text in names


def _is_sign(it) -> bool:
    return _is_op(it, "+", "-")


def _opt_kind(it: Item | None) -> str | None:
    """argmin / argmax / min / max written any of the usual ways, else None."""
    it = _unwrap(it)
    if it is None:
        return None
    if it.kind == "cmd" and it.text in ("\\argmin", "\\argmax", "\\min", "\\max", "\\sup", "\\inf"):
        return OPT_WORDS[it.text[1:]]
    if it.kind == "word" and it.text in OPT_WORDS:
        return OPT_WORDS[it.text]
    if it.kind == "text":
        content = _text_content(it.text).strip().lower()
        if content in OPT_WORDS:
            return OPT_WORDS[content]
    if it.kind == "cmd1" and it.text in ("\\operatorname", "\\operatorname*", "\\mathrm", "\\text", "\\mathop"):
        name = plain(_unwrap(it.args[0])) if it.args else None
        if name and name.replace(" ", "").replace("\\,", "") in OPT_WORDS:
            return OPT_WORDS[name.replace(" ", "")]
    if it.kind == "cmd2" and it.text in ("\\underset", "\\overset"):
        below = it.args[1]
        if below.kind == "group" and below.text == "curly" and below.body and len(below.body) == 2 \
                and _is_cmd(below.body[0], "\\arg") and _is_cmd(below.body[1], "\\min", "\\max"):
            return "arg" + below.body[1].text[1:]
        return _opt_kind(below)
    return None


def _unwrap(it: Item | None) -> Item | None:
    while it is not None and it.kind == "group" and it.text == "curly" and it.body and len(it.body) == 1 \
            and not it.scripts:
        it = it.body[0]
    return it


def _function_word(it: Item | None) -> str | None:
    it = _unwrap(it)
    if it is None:
        return None
    if it.kind == "cmd" and it.text[1:] in FUNCTION_WORDS:
        return FUNCTION_WORDS[it.text[1:]]
    if it.kind == "word" and it.text in FUNCTION_WORDS:
        return FUNCTION_WORDS[it.text]
    if it.kind == "text" and _text_content(it.text) in FUNCTION_WORDS:
        return FUNCTION_WORDS[_text_content(it.text)]  # \\text{exp}(...)
    if it.kind == "cmd1" and it.text in ("\\mathrm", "\\operatorname", "\\operatorname*", "\\text"):
        arg = _unwrap(it.args[0]) if it.args else None
        if arg is not None and arg.kind == "cmd" and arg.text[1:] in FUNCTION_WORDS:
            return FUNCTION_WORDS[arg.text[1:]]
        name = plain(arg) if arg is not None else None
        if name in FUNCTION_WORDS:
            return FUNCTION_WORDS[name]
    return None


_ELLIPSIS = N.Sym("\\cdots")
_WORD_INITIALS: dict = {}
for _word in MERGED_WORDS:
    _WORD_INITIALS.setdefault(_word[0], []).append(_word)


class Reader:
    def __init__(self, reading: Reading = Reading(), notation: Notation = Notation()):
        self.reading = reading
        self.notation = notation
        self.ambiguous: set[str] = set()  # which switches of the reading mattered
        self.depth = 0
        self.diff_vars: frozenset = frozenset()  # the variables of the derivatives being read

    # -- entry points --
    def expression(self, items: list[Item]) -> N.Node:
        outermost = self.depth == 0
        items = self._prepare(items)
        if not items:
            raise ParseError("empty expression")
        cur = _Cursor(items)
        node = self._additive(cur)
        if not cur.done:
            it = cur.peek()
            raise ParseError(f"unexpected {it.text!r} after a complete expression", it.pos)
        if outermost:
            unknown = O.unknown_command_in(node, GREEK)
            if unknown is not None:
                raise ParseError(f"unknown command {unknown}")
        return node

    # -- preparation: numbers, words, bars --
    def _prepare(self, items: list[Item]) -> list[Item]:
        items = [it for it in items if not (it.kind == "cmd" and it.text in ("\\qty", "\\quantity") and not it.scripts)]
        items = self._old_fonts(items)
        items = self._angles(items)
        items = self._signed_ellipses(items)
        items = [self._prime_scripts(it) for it in items]
        items = self._numbers(items)
        items = self._words(items)
        items = self._arg_opt(items)
        items = self._differentials(items)
        items = self._bars(items)
        return items

    def _angles(self, items):
        """A bare \\langle ... \\rangle pair at one level: one angle group."""
        if not any(_is_cmd(x, "\\langle") for x in items):
            return items
        out: list[Item] = []
        open_at = None
        for it in items:
            if _is_cmd(it, "\\langle") and not it.scripts and open_at is None:
                open_at = len(out)
                out.append(it)
                continue
            if _is_cmd(it, "\\rangle") and open_at is not None:
                body = out[open_at + 1 :]
                start = out[open_at].pos
                del out[open_at:]
                out.append(Item("group", "angle", start, it.end, scripts=list(it.scripts), body=body))
                open_at = None
                continue
            out.append(it)
        return out

    def _signed_ellipses(self, items):
        """- a_2 \\cdots - a_n: the ellipsis takes the sign of the term after it."""
        out = []
        for k, it in enumerate(items):
            if it.kind == "cmd" and it.text in O.ELLIPSES and not it.scripts and out and not _is_sign(out[-1]) \
                    and k + 1 < len(items) and _is_sign(items[k + 1]):
                out.append(Item("op", items[k + 1].text, it.pos, it.pos))
            out.append(it)
        return out

    def _old_fonts(self, items):
        """\\rm Var(x), {\\rm T}: an upright switch; the letters after it are one name."""
        if not any(it.kind == "cmd" and it.text in ("\\rm", "\\it", "\\mathrm", "\\bf") for it in items):
            return items
        out = []
        i = 0
        while i < len(items):
            it = items[i]
            if it.kind == "cmd" and it.text == "\\bf" and not it.scripts and i + 1 < len(items) \
                    and items[i + 1].kind in ("letter", "cmd", "group"):
                nxt = items[i + 1]
                out.append(Item("cmd1", "\\mathbf", it.pos, nxt.end, scripts=list(nxt.scripts),
                                args=[replace(nxt, scripts=[])]))
                i += 2
                continue
            if it.kind == "cmd" and it.text in ("\\rm", "\\it") and not it.scripts:
                j = i + 1
                while j < len(items) and items[j].kind == "letter":
                    if j > i + 1 and (items[j].pos != items[j - 1].end or items[j - 1].scripts):
                        break
                    j += 1
                letters = items[i + 1 : j]
                if len(letters) > 1:
                    word = "".join(x.text for x in letters)
                    out.append(Item("text", "\\text{" + word + "}", letters[0].pos, letters[-1].end,
                                    scripts=list(letters[-1].scripts)))
                    i = j
                    continue
                i += 1  # a switch before one letter or a group: no meaning
                continue
            out.append(it)
            i += 1
        return out

    def _prime_scripts(self, it: Item) -> Item:
        """f^{\\prime}, l^{\\prime\\prime}: primes written as superscripts."""
        if not it.scripts:
            return it
        scripts = []
        changed = False
        for kind, value in it.scripts:
            if kind == "sup" and value is not None:
                inner = value.body if (value.kind == "group" and value.text == "curly") else [value]
                if inner and all(x.kind == "cmd" and x.text == "\\prime" and not x.scripts for x in inner):
                    scripts.extend(("prime", None) for _ in inner)
                    changed = True
                    continue
            scripts.append((kind, value))
        return replace(it, scripts=scripts) if changed else it

    def _numbers(self, items):
        out = []
        i = 0
        while i < len(items):
            it = items[i]
            if it.kind == "digit" or (it.kind == "op" and it.text == "." and i + 1 < len(items)
                                       and items[i + 1].kind == "digit" and not items[i + 1].scripts
                                       and (not out or out[-1].kind != "number")):
                text = it.text
                end = it.end
                scripts = list(it.scripts)
                j = i + 1
                while not scripts and j < len(items):
                    nxt = items[j]
                    if nxt.kind == "digit" and nxt.pos == end:
                        text += nxt.text
                        scripts = list(nxt.scripts)
                        end = nxt.end
                        j += 1
                    elif (nxt.kind == "op" and nxt.text == "." and "." not in text and j + 1 < len(items)
                          and items[j + 1].kind == "digit" and nxt.pos == end and items[j + 1].pos == nxt.end):
                        text += "."
                        end = nxt.end
                        j += 1
                    else:
                        break
                if text.startswith("."):
                    text = "0" + text
                out.append(Item("number", text, it.pos, end, scripts=scripts))
                i = j
                continue
            out.append(it)
            i += 1
        return out

    def _words(self, items):
        out = []
        i = 0
        while i < len(items):
            it = items[i]
            if it.kind == "letter" and not it.scripts and it.text in _WORD_INITIALS:
                merged = None
                for word in _WORD_INITIALS[it.text]:
                    n = len(word)
                    chunk = items[i : i + n]
                    if len(chunk) == n and all(c.kind == "letter" for c in chunk) and "".join(
                        c.text for c in chunk
                    ) == word and all(not c.scripts for c in chunk[:-1]) and all(
                        chunk[k + 1].pos == chunk[k].end for k in range(n - 1)
                    ):
                        merged = Item("word", word, it.pos, chunk[-1].end, scripts=list(chunk[-1].scripts))
                        break
                if merged is not None:
                    out.append(merged)
                    i += len(merged.text)
                    continue
            out.append(it)
            i += 1
        return out

    def _arg_opt(self, items):
        """\\arg\\min_x reads as one operator."""
        out = []
        for it in items:
            if (out and out[-1].kind == "cmd" and out[-1].text == "\\arg" and not out[-1].scripts
                    and it.kind == "cmd" and it.text in ("\\min", "\\max")):
                prev = out.pop()
                out.append(Item("cmd", "\\arg" + it.text[1:], prev.pos, it.end, scripts=list(it.scripts)))
                continue
            out.append(it)
        return out

    def _differentials(self, items):
        """d theta (a perturbation) reads as one name when d is followed by a Greek letter."""
        out = []
        i = 0
        while i < len(items):
            it = items[i]
            nxt = items[i + 1] if i + 1 < len(items) else None
            prev = out[-1] if out else None
            if (
                it.kind == "letter" and it.text == "d" and not it.scripts and nxt is not None
                and "d" not in self.notation.not_functions
                and not (prev is not None and prev.kind in ("letter", "number") and prev.end == it.pos)
                and (
                    (nxt.kind == "cmd" and nxt.text[1:] in GREEK and nxt.pos <= it.end + 1)
                    or (nxt.kind == "letter" and nxt.text in DIFFERENTIAL_LETTERS and nxt.pos == it.end)
                )
            ):
                out.append(Item("letter", "d" + nxt.text, it.pos, nxt.end, scripts=list(nxt.scripts)))
                i += 2
                continue
            out.append(it)
            i += 1
        return out

    def _bars(self, items):
        """Pair bare | and \\| into absolute values and norms; a lone one means 'given'."""
        # two adjacent bars are a norm bar: ||x||
        merged = []
        for it in items:
            if (it.kind == "bar" and merged and merged[-1].kind == "bar" and not merged[-1].scripts
                    and merged[-1].end == it.pos):
                prev = merged.pop()
                merged.append(Item("dbar", "\\|", prev.pos, it.end, scripts=list(it.scripts)))
                continue
            merged.append(it)
        items = merged
        for kind, made in (("dbar", "norm"), ("bar", "abs")):
            items = self._pair(items, kind, made)
        return items

    def _pair(self, items, kind, made):
        positions = [k for k, it in enumerate(items) if it.kind == kind]
        if not positions:
            return items
        out = []
        open_at = None
        for k, it in enumerate(items):
            if it.kind != kind:
                if open_at is None:
                    out.append(it)
                continue
            if open_at is None:
                prev = items[k - 1] if k > 0 else None
                can_close_later = any(items[j].kind == kind for j in range(k + 1, len(items)))
                if can_close_later and (prev is None or prev.kind != "op" or True):
                    open_at = k
                    continue
                out.append(Item("mid", it.text, it.pos, it.end))
                continue
            inner = items[open_at + 1 : k]
            if not inner:
                # "||" already merged; an empty pair is an error
                raise ParseError("empty |...|", it.pos)
            out.append(Item(made, "bars", items[open_at].pos, it.end, scripts=list(it.scripts), body=inner))
            open_at = None
        if open_at is not None:
            out.append(Item("mid", items[open_at].text, items[open_at].pos, items[open_at].end))
            out.extend(items[open_at + 1 :])
        return out

    # -- additive level --
    def _additive(self, cur: _Cursor) -> N.Node:
        self.depth += 1
        if self.depth > 200:
            raise ParseError("formula nests too deeply")
        try:
            return self._additive_inner(cur)
        finally:
            self.depth -= 1

    def _additive_inner(self, cur: _Cursor) -> N.Node:
        kind = _opt_kind(cur.peek())
        if kind is not None:
            return self._opt(cur, kind)
        terms: list[tuple[int, N.Node]] = []
        sign = 1
        while _is_sign(cur.peek()):
            if cur.take().text == "-":
                sign = -sign
        if cur.done:
            raise ParseError("a sign with nothing after it")
        terms.append((sign, self._term(cur)))
        while _is_sign(cur.peek()):
            sign = 1
            while _is_sign(cur.peek()):
                if cur.take().text == "-":
                    sign = -sign
            if cur.done:
                raise ParseError("a sign with nothing after it")
            if _opt_kind(cur.peek()) is not None:
                raise ParseError("argmin/argmax in the middle of an expression", cur.peek().pos)
            nxt = cur.peek()
            if nxt.kind == "cmd" and nxt.text in O.ELLIPSES and not nxt.scripts and (
                    cur.peek(1) is None or _is_sign(cur.peek(1))):
                cur.take()
                terms.append((sign, _ELLIPSIS))
                ellipsis_at = nxt.pos
                continue
            terms.append((sign, self._term(cur)))
        if any(t is _ELLIPSIS for _, t in terms):
            terms = self._written_out(terms, ellipsis_at)
        terms = self._absorb_into_sums(terms)
        nodes = [t if s > 0 else N.Neg(t) for s, t in terms]
        return nodes[0] if len(nodes) == 1 else N.Add(tuple(nodes))

    def _written_out(self, terms, pos):
        """a_1 + a_2 + \\cdots + a_n: the sum it stands for, when the terms follow one pattern."""
        m = next(k for k, (_, t) in enumerate(terms) if t is _ELLIPSIS)
        if m == 0 or m + 1 >= len(terms) or any(t is _ELLIPSIS for _, t in terms[m + 1 :]):
            raise ParseError(UNREADABLE["\\cdots"], pos)
        sign, last = terms[m + 1]
        for count in (3, 2, 1):
            if m - count < 0:
                continue
            firsts = terms[m - count : m]
            if any(s != sign for s, _ in firsts):
                continue
            made = O.written_out([t for _, t in firsts], last, "sum")
            if made is not None:
                return terms[: m - count] + [(sign, made)] + terms[m + 2 :]
        raise ParseError("an ellipsis between terms that do not follow one pattern "
                         "(write the first terms and the last one with the same index)", pos)

    def _absorb_into_sums(self, terms):
        """\\sum_i a_i + b_i reads as \\sum_i (a_i + b_i) when b_i uses the index."""
        out = []
        k = 0
        while k < len(terms):
            sign, term = terms[k]
            big = _last_bigop(term)
            k += 1
            if big is None:
                out.append((sign, term))
                continue
            absorbed = []
            while k < len(terms):
                nxt_sign, nxt = terms[k]
                uses = big.index in _free_index_names(nxt)
                if uses:
                    self.ambiguous.add("sum_scope")
                take = {"index": uses, "wide": True, "narrow": False}[self.reading.sum_scope]
                if not take:
                    break
                absorbed.append(nxt if nxt_sign > 0 else N.Neg(nxt))
                k += 1
            if absorbed:
                new_body = N.Add((big.body, *absorbed))
                term = _replace_last_bigop(term, replace(big, body=new_body))
            out.append((sign, term))
        return out

    def _opt(self, cur: _Cursor, kind: str) -> N.Node:
        it = cur.take()
        wrt_items = None
        if it.kind == "cmd2":  # \underset{theta}{argmin}
            wrt_items = [it.args[0]]
            sub = it.args[1].sub()
        else:
            sub = it.sub()
        if it.kind == "cmd" and it.text == "\\arg":
            pass
        if sub is not None:
            wrt_items = [sub]
        wrt: tuple = ()
        if wrt_items:
            wrt = self._opt_variables(wrt_items)
        if cur.done:
            raise ParseError(f"{kind} with nothing to optimise", it.pos)
        body = self._additive(cur)
        return N.Opt(kind, wrt, body)

    def _opt_variables(self, items) -> tuple:
        flat = []
        for it in items:
            if it.kind == "group" and it.text == "curly":
                flat.extend(it.body)
            else:
                flat.append(it)
        pieces: list[list[Item]] = [[]]
        for it in flat:
            if _is_op(it, ",", ";"):
                pieces.append([])
            elif it.kind == "cmd" and RELATIONS.get(it.text) == "in":
                break
            else:
                pieces[-1].append(it)
        out = []
        for piece in pieces:
            if piece:
                out.append(self.expression(piece))
        return tuple(out)

    # -- multiplicative level --
    def _term(self, cur: _Cursor) -> N.Node:
        factors: list[N.Node] = []
        dot = False
        while not cur.done:
            it = cur.peek()
            if _is_sign(it):
                if not factors:
                    raise ParseError("unexpected sign", it.pos)
                break
            if it.kind == "op" or it.kind == "mid":
                if it.text in PRODUCT_OPS:
                    cur.take()
                    dot = dot or it.text == "\\cdot"
                    if cur.done or _is_sign(cur.peek()):
                        if cur.done:
                            raise ParseError("a product sign with nothing after it", it.pos)
                    continue
                if it.text == "/":
                    cur.take()
                    if not factors or cur.done:
                        raise ParseError("a division with a side missing", it.pos)
                    den = self._factor(cur)
                    factors[-1] = N.Div(factors[-1], den)
                    continue
                if it.text == "!" and factors:
                    cur.take()
                    factors[-1] = N.Call("factorial", (factors[-1],))
                    continue
                if it.text == "." and cur.i == len(cur.items) - 1:
                    cur.take()  # a sentence's full stop
                    break
                if it.text == "," and cur.i == len(cur.items) - 1:
                    cur.take()
                    break
                raise ParseError(f"unexpected {it.text!r} inside an expression", it.pos)
            if it.kind == "cmd" and it.text in PRODUCT_OPS:
                cur.take()
                dot = dot or it.text == "\\cdot"
                if cur.done:
                    raise ParseError("a product sign with nothing after it", it.pos)
                if _is_sign(cur.peek()):
                    sign_item = cur.take()
                    inner = self._term(cur)
                    factors.append(N.Neg(inner) if sign_item.text == "-" else inner)
                    break
                continue
            if it.kind == "cmd" and it.text in ELEMENTWISE:
                return self._elementwise(cur, factors, dot)
            if _opt_kind(it) is not None:
                raise ParseError("argmin/argmax in the middle of a product", it.pos)
            factors.append(self._factor(cur))
        if not factors:
            raise ParseError("expected a term", cur.peek().pos if cur.peek() else None)
        if len(factors) == 1:
            return factors[0]
        return N.Mul(tuple(factors), dot)

    def _elementwise(self, cur: _Cursor, factors: list, dot: bool) -> N.Node:
        """W^T d \\odot f'(z): the products on either side, then the Hadamard (or Kronecker) product."""
        it = cur.take()
        if not factors:
            raise ParseError(f"{it.text} with nothing before it", it.pos)
        if cur.done or _is_sign(cur.peek()):
            raise ParseError(f"{it.text} with nothing after it", it.pos)
        left = factors[0] if len(factors) == 1 else N.Mul(tuple(factors), dot)
        if it.text == "\\circ" and (_is_function_value(left) or _is_function_letter(cur.peek())):
            raise ParseError("function composition (\\circ between functions) is not read", it.pos)
        right = self._term(cur)
        return N.Elementwise(ELEMENTWISE[it.text], left, right)

    def _rest_of_term(self, cur: _Cursor, what: str, pos: int) -> N.Node:
        if cur.done or _is_sign(cur.peek()):
            if not cur.done and cur.peek().text == "-":
                cur.take()
                return N.Neg(self._term(cur))
            raise ParseError(f"{what} with nothing after it", pos)
        return self._term(cur)

    # -- factors --
    def _factor(self, cur: _Cursor) -> N.Node:
        it = cur.take()
        k = it.kind
        if k == "number":
            return self._scripts(N.Num(it.text), it)
        if k in ("letter", "unicode", "text", "word") or (k == "cmd" and it.text[1:] in GREEK) or k == "cmd1":
            return self._named(cur, it)
        if k == "cmd":
            fw = _function_word(it)
            if fw is not None:
                return self._function(cur, it, fw)
            return self._command(cur, it)
        if k == "group":
            return self._group(cur, it)
        if k == "abs":
            inner = self.expression(it.body)
            sub = it.sub()
            if sub is not None:  # |v|_2^2 written with single bars: a norm
                node = N.Norm(inner, plain(sub) or "2")
                sup = it.sup()
                return N.Pow(node, self._script_value(sup)) if sup is not None else node
            return self._scripts(N.Call("abs", (inner,)), it)
        if k == "norm":
            inner = self.expression(it.body)
            sub = it.sub()
            p = plain(sub) if sub is not None else "2"
            node = N.Norm(inner, p or "2")
            sup = it.sup()
            if sup is not None:
                node = N.Pow(node, self._script_value(sup))
            return node
        if k == "cmd2":
            return self._cmd2(cur, it)
        if k == "sqrt":
            arg = self._arg(it.args[0])
            if it.body:
                node = N.Pow(arg, N.Div(N.Num("1"), self.expression(it.body)))
            else:
                node = N.Call("sqrt", (arg,))
            return self._scripts(node, it)
        if k == "env":
            return self._scripts(self._environment(it), it)
        if k == "mid":
            raise ParseError("a lone | (read as 'given') outside a function's arguments", it.pos)
        raise ParseError(f"unexpected {it.text!r}", it.pos)

    def _arg(self, item: Item) -> N.Node:
        """A command argument (one atom, or a braced group) as an expression."""
        if item.kind == "group" and item.text == "curly":
            return self._scripts(self.expression(item.body), item)
        return self.expression([item])

    def _script_value(self, item: Item) -> N.Node:
        if item.kind == "group" and item.text == "curly":
            return self.expression(item.body)
        return self.expression([replace(item, scripts=[])]) if not item.scripts else self.expression([item])

    def _scripts(self, node: N.Node, it: Item) -> N.Node:
        """Apply superscripts (power, transpose, inverse) of a non-name item."""
        if it.kind == "group" and it.close in ("|", "\\vert", "\\rvert", "\\|") and it.text == "paren":
            return O.read_evaluation(self, node, it)
        for kind, value in it.scripts:
            if kind == "sub":
                raise ParseError("a subscript on an expression that is not a name", it.pos)
            if kind == "prime":
                if self.notation.prime_transpose:
                    node = N.Transpose(node)
                    continue
                raise ParseError("a prime on an expression that is not a function", it.pos)
            node = self._superscript(node, value)
        return node

    def _superscript(self, node: N.Node, value: Item) -> N.Node:
        mark = plain(value)
        if mark in TRANSPOSE_MARKS and mark != "t":
            return N.Transpose(node)
        if mark is not None and mark.replace(" ", "") in ("-T", "-\\top", "-\\intercal"):
            return N.Transpose(N.Pow(node, N.Num("-1")))
        if mark in ("\\ast", "*", "\\star", "\\dagger", "\\prime"):
            raise ParseError(f"superscript {mark} on an expression", value.pos)
        return N.Pow(node, self._script_value(value))

    def _named(self, cur: _Cursor, it: Item) -> N.Node:
        """A name with its scripts: symbol, indexed quantity, function application, e^x."""
        k = it.kind
        if k == "cmd1" and it.text in ("\\underbrace", "\\overbrace", "\\boxed", "\\cancel", "\\bcancel"):
            body = self._arg(it.args[0])
            scripts = [(kk, v) for kk, v in it.scripts
                       if not ((it.text == "\\underbrace" and kk == "sub") or (it.text == "\\overbrace" and kk == "sup"))]
            return self._scripts(body, replace(it, scripts=scripts))
        expectation = self._expectation_op(cur, it)
        if expectation is not None:
            return O.read_expectation(self, cur, it, expectation, cur.take())
        if k == "cmd1" and it.text == "\\mathbb":
            name = plain(it.args[0])
            if name in ("E", "V"):
                raise ParseError(f"\\mathbb{{{name}}} needs its argument in brackets: \\mathbb{{{name}}}[x]", it.pos)
            if name in ("1", "I") and cur.peek() is not None and cur.peek().kind == "group":
                raise ParseError("an indicator function is not read", it.pos)
            if name in ("P", "Q") and cur.peek() is not None and cur.peek().kind == "group":
                return self._named(cur, replace(it, kind="letter", text="\\mathbb{" + name + "}", args=[]))
            if name == "I" or name == "1":
                return self._symbol("\\mathbb{" + name + "}", it.sub(), it.sup(), it)
            raise ParseError(f"\\mathbb{{{name}}} is a set, not a value", it.pos)
        if k in ("cmd1", "text") and it.text.split("{")[0] in ("\\mathrm", "\\text", "\\textrm") and plain(it) == "d" \
                and not it.scripts:
            nxt = cur.peek()
            if nxt is not None and (nxt.kind in ("letter", "cmd1") or (nxt.kind == "cmd" and nxt.text[1:] in GREEK)):
                cur.take()
                return self._differential("d", nxt)
        fw = _function_word(it)
        if fw is not None:
            return self._function(cur, it, fw)
        if k == "word":
            if it.text == "const":
                return self._scripts(N.Sym("const"), it)
            raise ParseError(f"unexpected word {it.text!r}", it.pos)
        base = self._base_name(it)
        if base is None:
            raise ParseError("cannot read this name", it.pos)
        if base == "const" or base.lower() in ("constant", "const.", "c.", "const"):
            return N.Sym("const")
        if base in ("e",) and it.sup() is not None and it.sub() is None:
            return N.Call("exp", (self._script_value(it.sup()),))
        nxt = cur.peek()
        pi_density = base == "\\pi" and nxt is not None and nxt.kind == "group" and nxt.text == "paren" and (
            it.sub() is not None or any(x.kind in ("bar", "mid") or _is_cmd(x, "\\mid") or _is_op(x, ";")
                                        for x in nxt.body or []))
        if base == "\\pi" and not pi_density:  # pi(theta | x), pi_Theta(theta): a density named pi
            node: N.Node = N.Const("pi")
            return self._power_scripts(node, it)
        if base == "\\Gamma" and it.sub() is None and cur.peek() is not None and cur.peek().kind == "group" \
                and cur.peek().text == "paren" and cur.peek().pos == it.end and "\\Gamma" not in self.notation.not_functions:
            group = cur.take()
            args, given = self._call_args(group)
            if len(args) != 1 or given:
                raise ParseError("the Gamma function takes one argument", group.pos)
            node = N.Call("gamma", (args[0],))
            node = self._power_scripts(node, it)
            return self._after_call(node, group)
        if base == "\\infty":
            return N.Const("oo")
        sub = it.sub()
        sup = it.sup()
        primes = it.primes()
        # derivative order f^{(n)}
        deriv_order = None
        if sup is not None and sup.kind == "group" and sup.text == "curly" and len(sup.body) == 1 \
                and sup.body[0].kind == "group" and sup.body[0].text == "paren":
            inner = plain(sup.body[0].body)
            if inner is not None and (inner.isdigit() or inner in ("n", "k")):
                deriv_order = inner
        nxt = cur.peek()
        is_call = nxt is not None and nxt.kind == "group" and nxt.text == "paren" and self._function_like(base, it, nxt)
        if is_call and sub is not None and self._index_of(sub) is not None and _mentions_name(nxt.body or [], base):
            is_call = False  # p_k (1 - p_k): a product, not p_k applied to something
        if is_call:
            group = cur.take()
            args, given = self._call_args(group)
            params = ()
            if sub is not None:
                params = (self._script_name_node(sub),)
            name = base
            family = DENSITY_NAMES.get(base)
            if family is not None:
                return self._after_call(self._density(family, args, given, group), group)
            if deriv_order is not None:
                primes = -1  # a derivative of unknown order: opaque, distinct from f
                name = base + "^{(" + deriv_order + ")}"
            node = N.Apply(name, tuple(args), tuple(given), params, primes)
            if sup is not None and deriv_order is None:
                node = self._superscript(node, sup)
            return self._after_call(node, group)
        # not a call: symbol, possibly indexed
        split = self._font_product(it, base)
        if split is not None:
            return split
        if primes and not self.notation.prime_transpose and primes == 1 and base.isalpha() and base.islower() \
                and len(base) == 1 and sup is None:
            return self._symbol(base + "'", sub, None, it)  # x': another point, a name of its own
        if primes:
            if not self.notation.prime_transpose:
                raise ParseError("a prime on a name that is not applied to arguments "
                                 "(read as a transpose where the document writes X'X or (y - Xw)')", it.pos)
            if primes > 1:
                raise ParseError("two primes on a name", it.pos)
            unprimed = [(kk, v) for kk, v in it.scripts if kk != "prime"]
            node = self._symbol(base, sub, None, it)
            node = N.Transpose(node)
            if sup is not None:
                node = self._superscript(node, sup)
            del unprimed
            return node
        node = self._symbol(base, sub, sup, it)
        return node

    def _font_product(self, it: Item, base: str):
        """\\mathbf{AB}: A times B when the document uses \\mathbf{A} and \\mathbf{B} alone."""
        if it.kind != "cmd1" or not it.args or it.primes() or it.sub() is not None:
            return None
        inner = plain(it.args[0])
        if inner is None or len(inner) < 2 or not inner.isalpha():
            return None
        parts = [f"{it.text}{{{c}}}" for c in inner]
        if not all(p in self.notation.names for p in parts) or base in self.notation.names:
            return None
        node = N.Mul(tuple(N.Sym(p) for p in parts))
        sup = it.sup()
        return self._superscript(node, sup) if sup is not None else node

    def _expectation_op(self, cur: _Cursor, it: Item) -> str | None:
        """E, Var or Cov when `it` names one and a bracket (or, for Var and Cov, a parenthesis) follows."""
        nxt = cur.peek()
        if nxt is None or nxt.kind != "group" or nxt.text not in ("bracket", "paren", "curly", "set") or not nxt.body:
            return None
        if it.kind == "word":
            name = it.text
        elif it.kind in ("letter", "cmd1", "text"):
            name = self._base_name(it)
        else:
            return None
        op = O.expectation_name(name)
        if op is None:
            return None
        if name == "E" and nxt.text != "bracket" and not (nxt.text == "paren" and it.sub() is not None):
            return None  # E(x) may be any function named E; E[x] and E_p(x) are expectations
        if op != "E" and nxt.text not in ("bracket", "paren"):
            return None
        if op != "E" and name in self.notation.functions:
            return None
        return op

    def _after_call(self, node, group: Item):
        for kind, value in group.scripts:
            if kind == "sub":
                raise ParseError("a subscript after a function's arguments", group.pos)
            if kind == "sup":
                node = self._superscript(node, value)
        return node

    def _power_scripts(self, node, it):
        for kind, value in it.scripts:
            if kind == "sup":
                node = self._superscript(node, value)
            else:
                raise ParseError("unexpected script", it.pos)
        return node

    def _base_name(self, it: Item) -> str | None:
        if not it.scripts:
            return plain(it)
        return plain(Item(it.kind, it.text, it.pos, it.end, body=it.body, args=it.args, close=it.close))

    def _script_name_node(self, sub: Item) -> N.Node:
        try:
            return self._script_value(sub)
        except ParseError:
            name = plain(sub)
            if name is None:
                raise ParseError("cannot read this subscript", sub.pos) from None
            return N.Sym(name)

    def _symbol(self, base: str, sub: Item | None, sup: Item | None, it: Item) -> N.Node:
        node: N.Node
        decoration = ""
        power = sup
        if sup is not None:
            mark = plain(sup)
            if mark in ("\\ast", "*", "\\star", "\\dagger", "\\prime", "'"):
                decoration = "^{" + mark + "}"
                power = None
            elif mark is not None and mark.startswith("(") and mark.endswith(")") and sub is None:
                inner = sup.body[0].body if (sup.kind == "group" and sup.text == "curly") else sup.body
                node = N.Indexed(base, (self.expression(inner),))
                return node
        if sub is not None:
            index = self._index_of(sub)
            if index is not None and not decoration:
                node = N.Indexed(base, index)
            else:
                sname = plain(sub)
                if sname is None:
                    raise ParseError("cannot read this subscript as an index or a name", sub.pos)
                node = N.Sym(base + decoration + "_{" + sname + "}")
        else:
            node = N.Sym(base + decoration)
        if power is not None:
            node = self._superscript(node, power)
        return node

    def _index_of(self, sub: Item) -> tuple | None:
        """The indices of a subscript that reads as an index (i, k+1, 0, ij), else None."""
        items = sub.body if (sub.kind == "group" and sub.text == "curly") else [sub]
        if not items:
            return None
        for x in items:
            if x.scripts:
                return None
            if x.kind == "letter" and x.text in INDEX_LETTERS:
                continue
            if x.kind == "digit" or (x.kind == "op" and x.text in ("+", "-")):
                continue
            if x.kind == "op" and x.text == ",":
                continue
            return None
        letters = [x for x in items if x.kind == "letter"]
        has_op = any(x.kind == "op" and x.text in ("+", "-") for x in items)
        if len(letters) >= 2 and not has_op and not any(x.kind == "op" for x in items):
            return tuple(N.Sym(x.text) for x in letters)
        pieces: list[list[Item]] = [[]]
        for x in items:
            if x.kind == "op" and x.text == ",":
                pieces.append([])
            else:
                pieces[-1].append(x)
        try:
            return tuple(self.expression(p) for p in pieces if p)
        except ParseError:
            return None

    def _function_like(self, base: str, it: Item, group: Item) -> bool:
        if base in self.notation.not_functions:
            return False
        if base in self.notation.functions:
            return True
        variables = self.notation.variables | self.diff_vars
        if variables and group.body and len(group.body) == 1 and plain(group.body[0]) in variables \
                and it.sup() is None:
            return True  # X(t) where the document differentiates in t
        if base in DENSITY_NAMES and it.sup() is None:
            return True
        if base == "\\pi" and it.sub() is not None and it.sup() is None:
            return True  # pi_Theta(theta): a prior density
        sup = it.sup()
        letter = base.split("_")[0]
        if it.primes() and (base in FUNCTION_LETTERS or letter in FUNCTION_LETTERS):
            return True  # f'(x), f'^2(x)
        if sup is not None:
            mark = plain(sup)
            derivative_order = mark and mark.startswith("(") and mark.endswith(")")
            # p^{c}(z): a power of an applied function, only for the usual function letters
            listed = any(_is_op(x, ",", ";") or x.kind in ("mid", "bar") or (x.kind == "cmd" and x.text == "\\mid")
                         for x in group.body or [])
            if not derivative_order and not (listed and (base in FUNCTION_LETTERS or letter in FUNCTION_LETTERS)):
                return False  # p^{x_i} (1 - p)^{1 - x_i} is a product; p^{c}(z, theta) an applied power
        if it.primes():
            return True
        if base in FUNCTION_LETTERS or letter in FUNCTION_LETTERS:
            return True
        if base in ADJACENT_FUNCTIONS and group.pos == it.end:
            return True  # \sigma(z) written against its parenthesis: the sigmoid
        if it.kind in ("text", "cmd1") and base.startswith("\\mathcal"):
            return True
        if it.kind == "text" or (it.kind == "cmd1" and it.text in ("\\mathrm", "\\operatorname", "\\operatorname*")):
            return len(base) > 1
        body = group.body or []
        if any(x.kind in ("bar", "dbar") for x in body):
            body = self._bars(self._numbers(body))  # ||v||^2 inside: a norm, not a 'given' bar
        if any(x.kind == "mid" or _is_op(x, ";") or (x.kind == "cmd" and x.text == "\\mid") for x in body):
            return True
        return False

    def _call_args(self, group: Item):
        body = [self._prime_scripts(x) for x in self._old_fonts(group.body or [])]
        body = self._bars(self._differentials(self._words(self._numbers(body))))
        pieces: list[list[Item]] = [[]]
        given_from = None
        for x in body:
            if _is_op(x, ","):
                pieces.append([])
            elif _is_op(x, ";") or x.kind == "mid" or (x.kind == "cmd" and x.text == "\\mid") or x.kind == "dbar":
                if given_from is None:
                    given_from = len(pieces)
                pieces.append([])
            else:
                pieces[-1].append(x)
        nodes = []
        ellipsis_at = []
        for k, p in enumerate(pieces):
            if not p:
                raise ParseError("an empty argument", group.pos)
            if len(p) == 1 and p[0].kind == "cmd" and p[0].text in O.ELLIPSES and not p[0].scripts:
                ellipsis_at.append(len(nodes))
                nodes.append(None)
                continue
            event = next((j for j, x in enumerate(p) if relation_of(x) in ("=", "<", ">", "<=", ">=", "!=")), None)
            if event is not None and 0 < event < len(p) - 1:
                # P(X = 0): the probability of an event
                nodes.append(N.Equation(self._expression_prepared(p[:event]), relation_of(p[event]),
                                        self._expression_prepared(p[event + 1 :])))
                continue
            nodes.append(self._expression_prepared(p))
        for k in reversed(ellipsis_at):  # x_1, \ldots, x_n: the list from x_1 to x_n
            if k == 0 or k + 1 >= len(nodes) or nodes[k - 1] is None or nodes[k + 1] is None \
                    or (given_from is not None and k + 1 == given_from):
                raise ParseError(UNREADABLE["\\ldots"], group.pos)
            nodes[k - 1 : k + 2] = [N.Sequence(nodes[k - 1], nodes[k + 1])]
            if given_from is not None and given_from > k:
                given_from -= 2
        if given_from is None:
            return nodes, []
        return nodes[:given_from], nodes[given_from:]

    def _expression_prepared(self, items):
        cur = _Cursor(items)
        node = self._additive(cur)
        if not cur.done:
            it = cur.peek()
            raise ParseError(f"unexpected {it.text!r} in an argument", it.pos)
        return node

    def _density(self, family, args, given, group) -> N.Node:
        count = FAMILY_PARAMETERS.get(family, 2)
        if given:
            if len(args) != 1:
                raise ParseError(f"a density written as {family}(x | parameters) takes one point", group.pos)
            if count is not None and len(given) != count:
                raise ParseError(f"a {family} density takes {count} parameter(s), {len(given)} written", group.pos)
            return N.Density(family, args[0], tuple(given))
        if count is None or len(args) == count:
            return N.Density(family, None, tuple(args))
        if len(args) == count + 1:
            return N.Density(family, args[0], tuple(args[1:]))
        raise ParseError(f"a {family} distribution takes {count} parameter(s), {len(args)} written", group.pos)

    def _function(self, cur: _Cursor, it: Item, fn: str) -> N.Node:
        base = None
        power = None
        for kind, value in it.scripts:
            if kind == "sub":
                base = self._script_value(value)
            elif kind == "sup":
                power = value
            else:
                raise ParseError("a prime on a function word", it.pos)
        nxt = cur.peek()
        if nxt is not None and nxt.kind == "group" and nxt.text in ("paren", "bracket", "curly", "set") \
                and not (nxt.text == "curly" and not nxt.body):
            group = cur.take()
            arg = self._group(cur, group, in_function=True)
            follows = not cur.done and not _is_sign(cur.peek()) and not (
                cur.peek().kind == "op" and cur.peek().text not in PRODUCT_OPS
            ) and not (cur.peek().kind == "cmd" and cur.peek().text in PRODUCT_OPS)
            if follows:
                self.ambiguous.add("fn_scope")
                if self.reading.fn_scope == "product":
                    rest = self._term(cur)
                    arg = N.Mul((arg, rest))
        else:
            arg = self._function_argument(cur, fn, it.pos)
        if fn == "log" and base is not None:
            node: N.Node = N.Div(N.Call("log", (arg,)), N.Call("log", (base,)))
        else:
            node = N.Call(fn, (arg,))
        if power is not None:
            mark = plain(power)
            if mark in ("-1",):
                raise ParseError(f"\\{fn}^{{-1}} (an inverse function) is not read", it.pos)
            node = N.Pow(node, self._script_value(power))
        return node

    def _function_argument(self, cur: _Cursor, fn: str, pos: int) -> N.Node:
        """\\log a b c: the product after the function, up to a \\sum or \\prod that is not its
        first factor (\\log \\lambda \\sum_i x_i is log(lambda) times the sum)."""
        if cur.done or _is_sign(cur.peek()):
            return self._rest_of_term(cur, f"\\{fn}", pos)
        stop = None
        for k in range(cur.i + 1, len(cur.items)):
            x = cur.items[k]
            if _is_sign(x) or (x.kind == "op" and x.text not in PRODUCT_OPS):
                break
            if x.kind == "cmd" and x.text in ("\\sum", "\\prod"):
                stop = k
                break
        if stop is None:
            return self._term(cur)
        self.ambiguous.add("fn_scope")
        if self.reading.fn_scope == "product":
            return self._term(cur)
        head = _Cursor(cur.items[cur.i : stop])
        arg = self._term(head)
        if not head.done:
            raise ParseError("cannot read the argument of a function", pos)
        cur.i = stop
        return arg

    def _angle(self, it: Item) -> N.Node:
        """<a, b>: the inner product a^T b; <f>_p: the expectation of f under p."""
        body = it.body or []
        commas = [k for k, x in enumerate(body) if _is_op(x, ",")]
        if len(commas) == 1:
            k = commas[0]
            node: N.Node = N.Mul((N.Transpose(self.expression(body[:k])), self.expression(body[k + 1 :])))
            scripts = it.scripts
        elif not commas:
            sub = it.sub()
            dist = self._script_name_node(sub) if sub is not None else None
            node = N.Expect("E", (self.expression(body),), (), None, dist)
            scripts = [(kk, v) for kk, v in it.scripts if kk != "sub"]
        else:
            raise ParseError("angle brackets around more than two things", it.pos)
        for kind, value in scripts:
            if kind != "sup":
                raise ParseError("a script on angle brackets", it.pos)
            node = self._superscript(node, value)
        return node

    def _group(self, cur: _Cursor, it: Item, in_function: bool = False) -> N.Node:
        if it.text == "angle":
            return self._angle(it)
        body = it.body or []
        if not body:
            if it.text == "curly":
                raise ParseError("an empty group {}", it.pos)
            raise ParseError("empty brackets", it.pos)
        if any(_is_op(x, ",") for x in body):
            if it.text in ("paren", "bracket") and not in_function:
                pieces: list[list[Item]] = [[]]
                for x in body:
                    if _is_op(x, ","):
                        pieces.append([])
                    else:
                        pieces[-1].append(x)
                if all(pieces):
                    row = tuple(self.expression(p) for p in pieces)
                    return self._scripts(N.Matrix((row,)), it)
            raise ParseError("a tuple (a, b) is not a value here", it.pos)
        inner = self.expression(body)
        return self._scripts(inner, it)

    def _command(self, cur: _Cursor, it: Item) -> N.Node:
        name = it.text
        if name in ("\\sum", "\\prod"):
            return self._bigop(cur, it, name[1:])
        if name in ("\\nabla", "\\bigtriangledown", "\\triangledown"):
            return self._nabla(cur, it)
        if name == "\\pi" and cur.peek() is not None and cur.peek().kind == "group" and cur.peek().text == "paren":
            return self._named(cur, replace(it, kind="letter"))  # pi(theta | x) may be a density; _named decides
        if name in ("\\pi", "\\infty"):
            node: N.Node = N.Const("pi" if name == "\\pi" else "oo")
            return self._power_scripts(node, it)
        if name == "\\int":
            return O.read_integral(self, cur, it)
        if name == "\\lim":
            return self._limit(cur, it)
        if name in O.DIFFERENTIAL_COMMANDS:
            return O.read_physics_derivative(self, cur, it, O.DIFFERENTIAL_COMMANDS[name])
        if name in ("\\mqty", "\\pmqty", "\\bmqty", "\\matrixquantity"):
            nxt = cur.peek()
            if nxt is None or nxt.kind != "group":
                raise ParseError(f"{name} needs its entries in brackets", it.pos)
            return O.read_mqty(self, cur.take())
        if name in ("\\vb", "\\vectorbold", "\\va", "\\vu"):
            nxt = cur.peek()
            if nxt is None or nxt.kind != "group" or nxt.text != "curly":
                raise ParseError(f"{name} needs its argument in braces", it.pos)
            cur.take()
            return self._named(cur, Item("cmd1", "\\mathbf", it.pos, nxt.end, scripts=list(nxt.scripts),
                                         args=[replace(nxt, scripts=[])]))
        if name in UNREADABLE:
            raise ParseError(UNREADABLE[name], it.pos)
        if name in RELATIONS:
            raise ParseError(f"a relation {name} inside an expression", it.pos)
        if name == "\\partial":
            return self._partial(cur, it)
        if name in ("\\arg",):
            raise ParseError("\\arg without \\min or \\max", it.pos)
        if name in ("\\ell", "\\imath", "\\jmath", "\\hbar", "\\Pr"):
            return self._named(cur, replace(it, kind="letter", text=name))
        if name == "\\mid":
            raise ParseError("\\mid outside a function's arguments", it.pos)
        raise ParseError(f"unknown command {name}", it.pos)

    def _limit(self, cur: _Cursor, it: Item) -> N.Node:
        """\\lim_{h \\to 0} f(h): the limit of the rest of the term."""
        sub = it.sub()
        items = (sub.body if (sub is not None and sub.kind == "group" and sub.text == "curly") else [sub]) if sub else []
        at = next((k for k, x in enumerate(items) if relation_of(x) == "to"), None)
        if at is None or at == 0 or at == len(items) - 1:
            raise ParseError("\\lim needs its variable and point: \\lim_{h \\to 0}", it.pos)
        var = self.expression(items[:at])
        point = self.expression(items[at + 1 :])
        return N.Limit(self._rest_of_term(cur, "\\lim", it.pos), var, point)

    def _partial(self, cur: _Cursor, it: Item) -> N.Node:
        """\\partial_\\mu f (the derivative in mu of the rest of the term) or \\partial X (a differential)."""
        sub = it.sub()
        if sub is not None:
            wrt = self._script_value(sub)
            order = 1
            sup = it.sup()
            if sup is not None:
                mark = plain(sup)
                if mark is None or not mark.isdigit():
                    raise ParseError("\\partial^k for a k that is not a number", it.pos)
                order = int(mark)
            return N.Deriv(self._rest_of_term(cur, "\\partial", it.pos), wrt, order)
        nxt = cur.peek()
        if nxt is not None and not it.scripts and (nxt.kind in ("letter", "cmd1") or (nxt.kind == "cmd" and nxt.text[1:] in GREEK)):
            cur.take()
            return self._differential("\\partial ", nxt)
        raise ParseError("a lone \\partial (write \\frac{\\partial f}{\\partial x} or \\partial_x f)", it.pos)

    def _differential(self, prefix: str, it: Item) -> N.Node:
        """dX, \\partial X: a small change of X, a name of its own; scripts apply to the change."""
        base = self._base_name(it)
        if base is None:
            raise ParseError("cannot read the name after a differential", it.pos)
        return self._symbol(prefix + base, it.sub(), it.sup(), it)

    def _bigop(self, cur: _Cursor, it: Item, op: str) -> N.Node:
        sub, sup = it.sub(), it.sup()
        index = None
        lo = hi = None
        if sub is not None:
            items = sub.body if (sub.kind == "group" and sub.text == "curly") else [sub]
            eq = next((k for k, x in enumerate(items) if _is_op(x, "=")), None)
            if eq is not None:
                index = plain(items[:eq])
                lo = self.expression(items[eq + 1 :])
            elif any(_is_cmd(x, "\\neq", "\\ne") for x in items):
                # \\sum_{i \\neq k} a_i: the sum over every i, less the term at k
                at = next(k for k, x in enumerate(items) if _is_cmd(x, "\\neq", "\\ne"))
                index = plain(items[:at])
                if not index or not _is_simple_index(index) or sup is not None or at + 1 >= len(items):
                    raise ParseError(f"\\{op}_{{i \\neq k}} needs an index and the value it skips", it.pos)
                skipped = self.expression(items[at + 1 :])
                body = self._rest_of_term(cur, f"\\{op}", it.pos)
                whole = N.BigOp(op, index, None, None, body)
                left_out = O._substitute(body, index, skipped)
                return N.Add((whole, N.Neg(left_out))) if op == "sum" else N.Div(whole, left_out)
            else:
                membership = next((k for k, x in enumerate(items) if x.kind == "cmd" and x.text == "\\in"), None)
                index = plain(items if membership is None else items[:membership])
        if sub is None and sup is None:
            # \\sum (x_i - \\mu)^2: over the one index its body uses
            body = self._rest_of_term(cur, f"\\{op}", it.pos)
            free = sorted(_free_index_names(body))
            if len(free) != 1:
                raise ParseError(f"\\{op} needs an index such as _{{i=1}} (its body uses "
                                 f"{'no index' if not free else 'the indices ' + ', '.join(free)})", it.pos)
            return N.BigOp(op, free[0], None, None, body)
        if not index or not _is_simple_index(index):
            raise ParseError(f"\\{op} needs an index such as _{{i=1}}", it.pos)
        if sup is not None:
            hi = self._script_value(sup)
        body = self._rest_of_term(cur, f"\\{op}", it.pos)
        return N.BigOp(op, index, lo, hi, body)

    def _nabla(self, cur: _Cursor, it: Item) -> N.Node:
        wrt = None
        order = 1
        for kind, value in it.scripts:
            if kind == "sub":
                wrt = self._script_value(value)
            elif kind == "sup":
                mark = plain(value)
                if mark != "2":
                    raise ParseError("\\nabla^k for k other than 2", it.pos)
                order = 2
        if cur.done or _is_sign(cur.peek()):
            raise ParseError("\\nabla with nothing after it", it.pos)
        first = cur.peek()
        if first.kind == "number" or (first.kind == "cmd2" and first.text in ("\\frac", "\\dfrac", "\\tfrac")):
            # \nabla_w \frac{\lambda}{2}\|w\|^2: a coefficient first, so the whole product
            return N.Grad(self._term(cur), wrt, order)
        start = cur.i
        body = self._factor(cur)
        core = body
        while isinstance(core, (N.Transpose, N.Pow)):
            core = core.arg if isinstance(core, N.Transpose) else core.base
        if not (isinstance(core, N.Apply) or (isinstance(core, N.Sym) and core.name in FUNCTION_LETTERS)):
            # \nabla_x (x-s)^T W (x-s), \nabla_w w^T A w: the whole term, as \frac{\partial}{\partial x} reads
            cur.i = start
            return N.Grad(self._term(cur), wrt, order)
        outer = []
        while isinstance(body, (N.Transpose, N.Pow)) and isinstance(
            body.arg if isinstance(body, N.Transpose) else body.base, (N.Apply, N.Sym, N.Indexed, N.Transpose, N.Pow)
        ):
            outer.append(body)
            body = body.arg if isinstance(body, N.Transpose) else body.base
        node: N.Node = N.Grad(body, wrt, order)
        for wrap in reversed(outer):
            node = N.Transpose(node) if isinstance(wrap, N.Transpose) else N.Pow(node, wrap.exp)
        return node

    def _cmd2(self, cur: _Cursor, it: Item) -> N.Node:
        name = it.text
        if name in ("\\frac", "\\dfrac", "\\tfrac", "\\cfrac"):
            num, den = it.args
            deriv = self._derivative(cur, num, den, it)
            if deriv is not None:
                return deriv
            return self._scripts(N.Div(self._arg(num), self._arg(den)), it)
        if name in ("\\binom", "\\dbinom", "\\tbinom"):
            return self._scripts(N.Call("binomial", (self._arg(it.args[0]), self._arg(it.args[1]))), it)
        if name in ("\\underset", "\\overset", "\\stackrel"):
            if _opt_kind(it) is not None:
                raise ParseError("argmin/argmax in the middle of an expression", it.pos)
            return self._scripts(self._arg(it.args[1]), it)
        raise ParseError(f"unknown command {name}", it.pos)  # pragma: no cover

    def _derivative(self, cur, num: Item, den: Item, it: Item):
        nitems = num.body if (num.kind == "group" and num.text == "curly") else [num]
        ditems = den.body if (den.kind == "group" and den.text == "curly") else [den]
        if not nitems or not ditems:
            return None
        first = nitems[0]
        is_d = lambda x: (x.kind == "cmd" and x.text == "\\partial") or (x.kind == "letter" and x.text == "d") or (
            x.kind in ("cmd1", "text") and x.text.split("{")[0] in ("\\mathrm", "\\text", "\\textrm", "\\operatorname")
            and plain(x) == "d")
        if not is_d(first) or not is_d(ditems[0]):
            if first.kind == "letter" and first.text.startswith("d\\") and ditems[0].kind == "letter" and ditems[0].text.startswith("d\\"):
                pass
            else:
                return None
        order = 1
        sup = first.sup()
        if sup is not None:
            try:
                order = int(plain(sup) or "1")
            except ValueError:
                raise ParseError("a derivative of symbolic order", it.pos) from None
        wrt_items = ditems[1:]
        if not wrt_items:
            return None
        # \partial x \partial y (mixed), \partial x \partial x^T (the Hessian)
        variables: list[list[Item]] = [[]]
        for x in wrt_items:
            if is_d(x) and variables[-1]:
                variables.append([])
            elif not is_d(x):
                variables[-1].append(x)
        if any(not v for v in variables):
            raise ParseError("a derivative whose variable is not written", den.pos)
        if len(variables) > 2:
            raise ParseError("a derivative in more than two variables", den.pos)
        if len(variables) == 2:
            if order not in (1, 2):
                raise ParseError("the order of a mixed derivative does not match its variables", num.pos)
            order = 1
        last = variables[-1][-1]
        if len(variables) == 1 and last.sup() is not None and order > 1:
            # \partial^2 f / \partial x^2: the 2 on x is the order; \partial / \partial \sigma^2 is in sigma^2
            variables[-1] = variables[-1][:-1] + [replace(last, scripts=[s for s in last.scripts if s[0] != "sup"])]
        wrts = [self.expression(v) for v in variables]
        saved = self.diff_vars
        self.diff_vars = saved | {plain(v) for v in variables if plain(v)}
        try:
            rest = nitems[1:]
            if rest:
                body = self.expression(rest)
            else:
                # the operator form reaches to the end of the term: d/dx (x-s)^T W (x-s)
                body = self._rest_of_term(cur, "a derivative", it.pos)
        finally:
            self.diff_vars = saved
        if len(wrts) == 2:
            a, b = wrts
            if isinstance(b, N.Transpose) and b.arg == a or a == b:
                node: N.Node = N.Grad(body, a, 2)  # \partial x \partial x^T: the Hessian in x
            else:
                node = N.Deriv(N.Deriv(body, b), a)
        else:
            node = N.Deriv(body, wrts[0], order)
        return self._scripts(node, it)

    def _environment(self, it: Item) -> N.Node:
        name = it.name if hasattr(it, "name") else it.text
        if name in ("bmatrix", "pmatrix", "matrix", "Bmatrix", "smallmatrix", "array"):
            body = list(it.body or [])
            if name == "array" and body and body[0].kind == "group" and body[0].text == "curly":
                body = body[1:]
            rows: list[list[list[Item]]] = [[[]]]
            for x in body:
                if x.kind == "op" and x.text == "\\\\":
                    rows.append([[]])
                elif x.kind == "op" and x.text in ("&", "\\&"):
                    rows[-1].append([])
                else:
                    rows[-1][-1].append(x)
            rows = [r for r in rows if any(cell for cell in r)]
            if not rows:
                raise ParseError("an empty matrix", it.pos)
            width = len(rows[0])
            if any(len(r) != width for r in rows):
                raise ParseError("matrix rows of different lengths", it.pos)
            return N.Matrix(tuple(tuple(self.expression(c) for c in r) for r in rows))
        if name in ("cases", "dcases", "rcases"):
            return O.read_cases(self, it)
        raise ParseError(f"the environment {name} is not read", it.pos)


def _is_function_value(node) -> bool:
    return isinstance(node, N.Sym) and node.name in ("f", "g", "h", "\\phi", "\\psi", "\\sigma")


def _is_function_letter(it) -> bool:
    return it is not None and it.kind in ("letter", "cmd") and not it.scripts and it.text in ("f", "g", "h") \
        and True


def _mentions_name(items, base: str) -> bool:
    for x in items:
        if x.kind in ("letter", "cmd") and x.text == base:
            return True
        if x.body and _mentions_name(x.body, base):
            return True
        for a in x.args:
            if _mentions_name([a], base):
                return True
    return False


def _is_simple_index(name: str) -> bool:
    return name.isalpha() and len(name) <= 2 or name in ("\\ell",)


def _last_bigop(node):
    if isinstance(node, N.BigOp):
        return node
    if isinstance(node, N.Mul) and node.factors:
        return _last_bigop(node.factors[-1])
    if isinstance(node, N.Neg):
        return _last_bigop(node.arg)
    return None


def _replace_last_bigop(node, new):
    if isinstance(node, N.BigOp):
        return new
    if isinstance(node, N.Mul):
        return N.Mul(node.factors[:-1] + (_replace_last_bigop(node.factors[-1], new),), node.dot)
    if isinstance(node, N.Neg):
        return N.Neg(_replace_last_bigop(node.arg, new))
    return node  # pragma: no cover


def _free_index_names(node: N.Node) -> set:
    """Index names used in `node` outside any sum that binds them."""
    out: set = set()

    def visit(n, bound):
        if isinstance(n, N.Indexed):
            for idx in n.indices:
                for m in idx.walk():
                    if isinstance(m, N.Sym) and m.name not in bound:
                        out.add(m.name)
            return
        if isinstance(n, N.BigOp):
            for part in (n.lo, n.hi):
                if part is not None:
                    visit(part, bound)
            visit(n.body, bound | {n.index})
            return
        if isinstance(n, N.Sym) and n.name in INDEX_LETTERS and n.name not in bound:
            out.add(n.name)
        for c in n.children():
            visit(c, bound)

    visit(node, frozenset())
    return out


# --- public helpers ------------------------------------------------------------------------------


def read(text: str, reading: Reading = Reading(), notation: Notation = Notation()) -> N.Node:
    """Parse one expression (no relations) from LaTeX text."""
    return Reader(reading, notation).expression(items_of(text))


def relation_of(it: Item) -> str | None:
    """The relation an item stands for (=, approx, propto, <=, implies...), or None."""
    if it.kind == "op" and it.text in ("=", "<", ">"):
        return RELATIONS[it.text]
    if it.kind == "cmd" and it.text in RELATIONS:
        return RELATIONS[it.text]
    if it.kind == "cmd2" and it.text in ("\\overset", "\\stackrel"):
        top = it.args[1]
        inner = top.body if (top.kind == "group" and top.text == "curly") else [top]
        if len(inner) == 1 and relation_of(inner[0]) == "=":
            return ":="
    return None
