r"""The reasons markup: plain English with inline mathematics in ``$...$`` written as LaTeX.

Reasons, sources, statements, titles and assumption texts of the catalogue are written in it
(``"multiply by the nonzero constant $n/2$"``). `segments` splits such a text into text and math
(``\$`` is a literal dollar sign); one small function per format renders it:

- `to_latex`: text escaped for LaTeX text mode, mathematics as ``\(...\)``;
- `to_markdown`: text escaped for Markdown, mathematics kept as ``$...$``;
- `to_mathjax`: inside MathJax mathematics, the text in ``\text{...}`` pieces;
- `to_text`: plain Unicode, the LaTeX turned readable by `latex_to_unicode`
  (``X^\top`` -> ``Xᵀ``, ``\sigma^2`` -> ``σ²``, ``\frac{a}{b}`` -> ``a/b``).

Nothing is guessed: what is not between dollars is text, what is between them is LaTeX.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Segment", "segments", "to_latex", "to_markdown", "to_mathjax", "to_text",
           "escape_latex", "latex_to_unicode"]


@dataclass(frozen=True)
class Segment:
    kind: str  # "text" or "math"
    value: str  # the text as written, or LaTeX mathematics


def segments(text: str) -> list[Segment]:
    """Split marked-up text at unescaped dollar signs: text, math, text, ..."""
    out: list[Segment] = []
    if not text:
        return out
    pieces = re.split(r"(?<!\\)\$", text)
    if len(pieces) % 2 == 0:
        raise ValueError(f"unbalanced $ in {text!r}: every piece of mathematics needs $ on both sides")
    for index, piece in enumerate(pieces):
        if index % 2 == 0:
            piece = piece.replace(r"\$", "$")
        if piece:
            out.append(Segment("math" if index % 2 else "text", piece))
    return out


_LATEX_TEXT = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "%": r"\%",
    "#": r"\#", "_": r"\_", "^": r"\^{}", "~": r"\~{}", "<": r"\textless{}", ">": r"\textgreater{}",
    "|": r"\textbar{}",
}


def escape_latex(text: str) -> str:
    """Plain text for LaTeX text mode."""
    return "".join(_LATEX_TEXT.get(ch, ch) for ch in text)


def to_latex(text: str | list[Segment]) -> str:
    """LaTeX text mode with inline mathematics ``\\(...\\)``."""
    segs = segments(text) if isinstance(text, str) else text
    return "".join(escape_latex(s.value) if s.kind == "text" else r"\(%s\)" % s.value for s in segs)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|$])")


def to_markdown(text: str | list[Segment]) -> str:
    """Markdown with the mathematics kept as ``$...$`` (GitHub's and Jupyter's MathJax)."""
    segs = segments(text) if isinstance(text, str) else text
    return "".join(_MD_SPECIAL.sub(r"\\\1", s.value) if s.kind == "text" else f"${s.value}$"
                   for s in segs)


_MATHJAX_TEXT = {"\\": "/", "{": "(", "}": ")", "$": "S", "%": " percent", "&": " and ",
                 "#": "no. ", "~": "-", "^": "**", "_": "-"}


def to_mathjax(text: str | list[Segment]) -> str:
    r"""Inside MathJax mathematics: text in ``\text{...}`` pieces, mathematics as it is."""
    segs = segments(text) if isinstance(text, str) else text
    out = []
    for s in segs:
        if s.kind == "math":
            out.append(s.value)
        else:
            out.append(r"\text{%s}" % "".join(_MATHJAX_TEXT.get(ch, ch) for ch in s.value))
    return "".join(out)


def to_text(text: str | list[Segment]) -> str:
    """Plain Unicode text: the mathematics made readable, the dollars gone."""
    segs = segments(text) if isinstance(text, str) else text
    return "".join(s.value if s.kind == "text" else latex_to_unicode(s.value) for s in segs)


# --- LaTeX mathematics -> readable Unicode ------------------------------------------------------

GREEK = {name: chr(code) for name, code in (
    ("alpha", 0x3B1), ("beta", 0x3B2), ("gamma", 0x3B3), ("delta", 0x3B4), ("epsilon", 0x3F5),
    ("varepsilon", 0x3B5), ("zeta", 0x3B6), ("eta", 0x3B7), ("theta", 0x3B8), ("vartheta", 0x3D1),
    ("iota", 0x3B9), ("kappa", 0x3BA), ("lambda", 0x3BB), ("mu", 0x3BC), ("nu", 0x3BD),
    ("xi", 0x3BE), ("pi", 0x3C0), ("rho", 0x3C1), ("sigma", 0x3C3), ("tau", 0x3C4),
    ("upsilon", 0x3C5), ("phi", 0x3D5), ("varphi", 0x3C6), ("chi", 0x3C7), ("psi", 0x3C8),
    ("omega", 0x3C9), ("Gamma", 0x393), ("Delta", 0x394), ("Theta", 0x398), ("Lambda", 0x39B),
    ("Xi", 0x39E), ("Pi", 0x3A0), ("Sigma", 0x3A3), ("Upsilon", 0x3A5), ("Phi", 0x3A6),
    ("Psi", 0x3A8), ("Omega", 0x3A9))}

SYMBOLS = {
    "top": "ᵀ", "cdot": "·", "times": "×", "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥",
    "neq": "≠", "ne": "≠", "in": "∈", "notin": "∉", "approx": "≈", "equiv": "≡", "sim": "~",
    "iff": "⇔", "implies": "⇒", "to": "→", "mapsto": "↦", "infty": "∞", "partial": "∂",
    "nabla": "∇", "sum": "Σ", "prod": "∏", "int": "∫", "dots": "…", "ldots": "…", "cdots": "⋯",
    "pm": "±", "mp": "∓", "mid": "|", "lVert": "‖", "rVert": "‖", "Vert": "‖", "|": "‖",
    "lvert": "|", "rvert": "|", "vert": "|", "langle": "⟨", "rangle": "⟩", "{": "{", "}": "}",
    "lbrace": "{", "rbrace": "}", "cap": "∩", "cup": "∪", "subset": "⊂", "subseteq": "⊆",
    "forall": "∀", "exists": "∃", "emptyset": "∅", "circ": "∘", "ell": "ℓ", "star": "⋆",
    "log": "log", "exp": "exp", "det": "det", "min": "min", "max": "max", "sin": "sin",
    "cos": "cos", "tan": "tan", "ln": "ln", "lim": "lim", "arg": "arg", "sup": "sup", "inf": "inf",
    ",": " ", ";": " ", ":": " ", "quad": "  ", "qquad": "    ", " ": " ", "!": "", "_": "_",
    "%": "%", "&": "&", "#": "#", "$": "$",
}
IGNORED = {"left", "right", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr", "big", "Big",
           "displaystyle", "limits", "nolimits", "textstyle"}
ONE_ARG = {"mathrm", "operatorname", "text", "textbf", "mathit", "mathbf", "boldsymbol",
           "mathcal", "mathbb", "hat", "bar", "tilde", "overline", "vec"}
BLACKBOARD = {"R": "ℝ", "N": "ℕ", "Z": "ℤ", "Q": "ℚ", "C": "ℂ", "E": "𝔼", "P": "ℙ"}
ACCENTS = {"hat": "\u0302", "bar": "\u0304", "tilde": "\u0303", "overline": "\u0304", "vec": "\u20d7"}
SUPERSCRIPTS = dict(zip("0123456789+-=()niTkdabemp", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱᵀᵏᵈᵃᵇᵉᵐᵖ"))
SUBSCRIPTS = dict(zip("0123456789+-=()aeoxhklmnpstijruv", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₒₓₕₖₗₘₙₚₛₜᵢⱼᵣᵤᵥ"))
_OPERATORS = set("+-=<>,;|)]}") | set("≤≥≠∈≈⇔⇒→·×")


class _Reader:
    """A recursive-descent reader of LaTeX mathematics that writes Unicode as it goes."""

    def __init__(self, tex: str):
        self.tex = tex
        self.i = 0

    def token(self) -> str:
        """The next token: a command (with its backslash), a brace, or one character."""
        tex, i = self.tex, self.i
        if tex[i] == "\\":
            m = re.match(r"\\([A-Za-z]+|.)", tex[i:])
            self.i += len(m.group(0))
            return m.group(0)
        self.i += 1
        return tex[i]

    def group(self) -> str:
        """A {...} group or the next single token, converted."""
        while self.i < len(self.tex) and self.tex[self.i] == " ":
            self.i += 1
        if self.i >= len(self.tex):
            return ""
        if self.tex[self.i] == "{":
            self.i += 1
            return self.until("}")
        return self.one(self.token())

    def until(self, close: str | None) -> str:
        out = []
        while self.i < len(self.tex):
            if close and self.tex[self.i] == close:
                self.i += 1
                break
            out.append(self.one(self.token(), out))
        return "".join(out)

    def next_is_factor(self) -> bool:
        rest = self.tex[self.i:].lstrip()
        if not rest or rest[0] in "+-=<>,;|)]}^_&" or rest.startswith((r"\right", r"\end", r"\\")):
            return False
        return not re.match(r"\\(leq|geq|neq|in|approx|iff|implies|to|cdot|times|quad|qquad|le|ge)\b",
                            rest)

    def one(self, tok: str, before: list[str] | None = None) -> str:
        if tok in ("^", "_"):
            return self.script(tok)
        if tok == "{":
            return self.until("}")
        if not tok.startswith("\\"):
            return {"-": "−", "'": "′", "&": ","}.get(tok, tok)
        name = tok[1:]
        if name in IGNORED:
            return ""
        if name in GREEK:
            return GREEK[name]
        if name in ("frac", "dfrac", "tfrac"):
            a, b = _atom(self.group()), _atom(self.group())
            out = f"{a}/{b}"
            return f"({out})" if self.next_is_factor() else out
        if name == "sqrt":
            return "√" + _atom(self.group(), always=len(self.tex) > 0)
        if name in ("mathbb",):
            inner = self.group()
            return "".join(BLACKBOARD.get(ch, ch) for ch in inner)
        if name == "mathbf":
            inner = self.group()
            return "𝟏" if inner == "1" else inner
        if name == "mathcal":
            return self.group()
        if name in ACCENTS:
            inner = self.group()
            return inner + ACCENTS[name] if len(inner) == 1 else f"{name}({inner})"
        if name in ONE_ARG:
            return self.group()
        if name in ("hphantom", "phantom"):
            self.group()
            return ""
        if name in ("overset", "underset", "stackrel"):
            over, base = self.group(), self.group()
            return f"{base}[{over}]"
        if name in ("begin", "end"):
            self.group()
            return ""
        if name == "\\":
            return "; "
        if name in SYMBOLS:
            word = SYMBOLS[name]
            if word.isalpha() and len(word) > 1:
                nxt = self.tex[self.i:self.i + 1]
                return word + (" " if nxt and nxt not in " ({[^_" else "")
            return word
        return name

    def script(self, kind: str) -> str:
        inner = self.group()
        table = SUPERSCRIPTS if kind == "^" else SUBSCRIPTS
        if inner == "ᵀ" and kind == "^":
            return "ᵀ"
        plain = inner.replace("−", "-")
        if plain and all(ch in table for ch in plain):
            return "".join(table[ch] for ch in plain)
        if kind == "^" and plain == "-ᵀ":
            return "⁻ᵀ"
        return kind + _atom(inner)


def _atom(s: str, always: bool = False) -> str:
    """s in parentheses unless it is one symbol, a number or already bracketed."""
    s = s.strip()
    if not s:
        return s
    if re.fullmatch(r"[\w.′]+|[\w]+[⁰¹²³⁴⁵⁶⁷⁸⁹ᵀⁿⁱ₀₁₂₃₄₅₆₇₈₉ᵢⱼₖₙ]*", s) or _bracketed(s):
        return s
    return f"({s})"


def _bracketed(s: str) -> bool:
    if not s or s[0] not in "([" or s[-1] not in ")]":
        return False
    depth = 0
    for k, ch in enumerate(s):
        depth += ch in "(["
        depth -= ch in ")]"
        if depth == 0 and k < len(s) - 1:
            return False
    return True


def latex_to_unicode(tex: str) -> str:
    """LaTeX mathematics as readable one-line Unicode: ``\\frac{1}{2 \\sigma^{2}}`` -> ``1/(2 σ²)``."""
    tex = tex.replace(r"\arg\min", r"\operatorname{argmin}").replace(r"\arg\max", r"\operatorname{argmax}")
    out = re.sub(r"\s+", " ", _Reader(tex).until(None)).strip()
    pieces = out.split("‖")
    if len(pieces) % 2:  # pairs of bars: no spaces just inside a norm
        pieces = [p.strip() if k % 2 else p for k, p in enumerate(pieces)]
    return "‖".join(pieces)
