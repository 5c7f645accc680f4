"""LaTeX text -> items: a regular lexer and a recursive-descent reader of TeX's structure. No eval.

The grammar is the one TeX fixes (``latex.lark`` held it as a Lark grammar; Lark's LALR
parser with position tracking spent about 4 ms on an 80-character row, 100 s on a 2 MB
document, so the same grammar is read here by hand, about 40 times faster)::

    seq         := item*
    item        := base script* | operator
    script      := "_" atom | "^" atom | "'"
    base        := atom | "(" seq ")" | "[" seq "]" | \\left DELIM seq \\right DELIM
                 | \\lvert seq \\rvert | \\lVert seq \\rVert | "|" | "\\|"
    atom        := LETTER | DIGIT | UNICODE | CMD | TEXT | "{" seq "}" | "\\{" seq "\\}"
                 | CMD1 atom | CMD2 atom atom | \\sqrt ("[" seq "]")? atom | \\begin{e} seq \\end{e}
    operator    := + - = < > , ; / : ! * & \\& . \\\\ \\quad \\% \\$ \\# \\_

A script argument is one atom (``x^2 3`` is ``x^{2} 3``, as in TeX). Spacing (``\\,``, ``~``,
``\\big``, ``\\displaystyle``...) and white space carry no meaning and are dropped.
"""

from __future__ import annotations

import re

TEXT_WORDS = "text|textrm|textit|textbf|textsf|texttt|textnormal|mbox|hbox"
CMD2_WORDS = "frac|dfrac|tfrac|cfrac|binom|dbinom|tbinom|underset|overset|stackrel"
CMD1_WORDS = (
    "hat|widehat|bar|overline|underline|tilde|widetilde|vec|dot|ddot|check|breve|acute|grave|"
    "mathring|mathbf|boldsymbol|bm|pmb|bold|mathbfit|mathit|mathsf|mathtt|mathcal|mathscr|mathfrak|"
    "mathbb|mathrm|mathnormal|operatorname\\*?|underbrace|overbrace|boxed|cancel|bcancel"
)
_END = r"(?![a-zA-Z])"
_TOKENS = [
    ("WS", r"\s+"),
    ("LPAR", r"\("),
    ("RPAR", r"\)"),
    ("LBRACK", r"\["),
    ("RBRACK", r"\]"),
    ("LCURLY", r"\{"),
    ("RCURLY", r"\}"),
    ("SUB", r"_"),
    ("SUP", r"\^"),
    ("PRIME", r"'"),
    ("ELLIPSIS", r"\.{3,}|…[.…]*"),
    ("OP", r"[-+=<>,;/:!*.]"),
    ("LETTER", r"[a-zA-Z]"),
    ("DIGIT", r"[0-9]"),
    ("TEXT", r"\\(?:" + TEXT_WORDS + r")\s*\{[^{}]*\}"),
    ("SPACING", r"\\[,;:! >]|~|\\(?:big|Big|bigg|Bigg)[lrm]?" + _END
     + r"|\\(?:limits|nolimits|nonumber|notag|displaystyle|textstyle|scriptstyle|scriptscriptstyle|mathop|mathord|mathrel|mathbin|middle|strut|hfill|space|Large|large|LARGE|small|normalsize|tiny|huge|Huge|footnotesize|scriptsize|normalfont)" + _END),
    ("CMD2", r"\\(?:" + CMD2_WORDS + ")" + _END),
    ("SQRT", r"\\sqrt" + _END),
    ("CMD1", r"\\(?:" + CMD1_WORDS + ")" + _END),
    ("BEGIN", r"\\begin\s*\{[a-zA-Z*]+\}"),
    ("END", r"\\end\s*\{[a-zA-Z*]+\}"),
    ("LEFT", r"\\left" + _END),
    ("RIGHT", r"\\right" + _END),
    ("LVERT", r"\\lvert" + _END),
    ("RVERT", r"\\rvert" + _END),
    ("LNORM", r"\\lVert" + _END),
    ("RNORM", r"\\rVert" + _END),
    ("QUAD", r"\\q?quad" + _END),
    ("ANGLE", r"\\[lr]angle" + _END),
    ("DBAR", r"\\\||\\Vert" + _END),
    ("BAR", r"\||\\vert" + _END),
    ("CMD", r"\\[a-zA-Z]+"),
    ("LSET", r"\\\{"),
    ("RSET", r"\\\}"),
    ("ROWSEP", r"\\\\"),
    ("AMP", r"\\&|&"),
    ("ASCIIOP", r"\\[%$#_]"),
    ("TEXEQ", r"\\="),
    ("UNICODE", r"[^\x00-\x7f]"),
]
_MASTER = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in _TOKENS))
_DELIMS = {"LPAR", "RPAR", "LBRACK", "RBRACK", "LSET", "RSET", "BAR", "DBAR", "LVERT", "RVERT",
           "LNORM", "RNORM", "ANGLE", "OP"}
_DELIM_OPS = {"/", ".", "<", ">"}
_OPERATORS = {"OP", "AMP", "ROWSEP", "QUAD", "ASCIIOP", "TEXEQ"}
_ATOM_STARTS = {"LETTER", "DIGIT", "UNICODE", "CMD", "TEXT", "ELLIPSIS", "LCURLY", "LSET", "CMD1", "CMD2", "SQRT", "BEGIN"}
_BASE_STARTS = _ATOM_STARTS | {"LPAR", "LBRACK", "LEFT", "LVERT", "LNORM", "BAR", "DBAR"}
OLD_FONTS = {"\\bf": "\\mathbf", "\\rm": "\\mathrm", "\\it": "\\mathit", "\\cal": "\\mathcal",
             "\\sf": "\\mathsf", "\\tt": "\\mathtt", "\\bm": "\\bm", "\\boldsymbol": "\\boldsymbol"}
MAX_NESTING = 60  # commands inside commands (\\sqrt\\sqrt..., \\hat\\hat...): the reader recurses per level
_WORD = re.compile(r"\\[a-zA-Z]+")


def _demotable(tok) -> bool:
    """A command-like token where its structural meaning does not fit (``\\right`` with no
    ``\\left``, ``\\langle`` outside ``\\left``) is a plain command, as a contextual lexer reads it."""
    return tok.type != "CMD" and _WORD.fullmatch(tok.value) is not None


class Token:
    __slots__ = ("type", "value", "start_pos", "end_pos")

    def __init__(self, type_: str, value: str, start: int, end: int):
        self.type = type_
        self.value = value
        self.start_pos = start
        self.end_pos = end

    def __str__(self) -> str:
        return self.value


class ScanError(ValueError):
    """The text is not well-formed TeX; `pos` is where, `kind` is 'char', 'token' or 'eof'."""

    def __init__(self, kind: str, pos: int, text: str = ""):
        super().__init__(kind)
        self.kind = kind
        self.pos = pos
        self.text = text


def tokens(text: str) -> list[Token]:
    out = []
    pos = 0
    append = out.append
    for m in _MASTER.finditer(text):
        start = m.start()
        if start != pos:
            raise ScanError("char", pos, text[pos])
        pos = m.end()
        kind = m.lastgroup
        if kind != "WS" and kind != "SPACING":
            append(Token(kind, m.group(), start, pos))
    if pos != len(text):
        raise ScanError("char", pos, text[pos])
    return out


class Scanner:
    """Recursive descent over the tokens; builds items with `make` (the reader's Item class)."""

    def __init__(self, text: str, item_class, tok_item):
        self.toks = tokens(text)
        self.i = 0
        self.n = len(self.toks)
        self.text_len = len(text)
        self.Item = item_class
        self.tok_item = tok_item
        self.depth = 0

    def _peek(self):
        return self.toks[self.i] if self.i < self.n else None

    def _take(self, *kinds):
        tok = self._peek()
        if tok is None:
            raise ScanError("eof", self.text_len)
        if kinds and tok.type not in kinds:
            raise ScanError("token", tok.start_pos, tok.value)
        self.i += 1
        return tok

    def all(self):
        items = self.seq(frozenset())
        if self.i < self.n:
            tok = self.toks[self.i]
            raise ScanError("token", tok.start_pos, tok.value)
        return items

    def seq(self, closers: frozenset) -> list:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise ScanError("deep", self._peek().start_pos if self._peek() else self.text_len)
        try:
            return self._seq(closers)
        finally:
            self.depth -= 1

    def _seq(self, closers: frozenset) -> list:
        out = []
        while self.i < self.n:
            tok = self.toks[self.i]
            t = tok.type
            if t not in _OPERATORS and t not in _BASE_STARTS and t not in closers and _demotable(tok):
                tok.type = t = "CMD"
            if t in _OPERATORS:
                self.i += 1
                out.append(self.tok_item(tok, "op"))
            elif t in _BASE_STARTS:
                out.append(self.scripted())
            else:
                break  # a closer: the caller decides whether it is the right one
        return out

    def scripted(self):
        base = self.base()
        while self.i < self.n:
            tok = self.toks[self.i]
            if tok.type == "PRIME":
                self.i += 1
                base.scripts.append(("prime", None))
                base.end = max(base.end, tok.end_pos)
            elif tok.type in ("SUB", "SUP"):
                self.i += 1
                arg = self.atom()
                base.scripts.append(("sub" if tok.type == "SUB" else "sup", arg))
                base.end = max(base.end, arg.end)
            else:
                break
        return base

    def _closed(self, opener, closer_kinds, kind, text):
        body = self.seq(frozenset(closer_kinds))
        close = self._take(*closer_kinds)
        return self.Item(kind, text, opener.start_pos, close.end_pos, body=body), close

    def base(self):
        tok = self._peek()
        t = tok.type
        if t == "LPAR":
            self.i += 1
            return self._closed(tok, ("RPAR",), "group", "paren")[0]
        if t == "LBRACK":
            self.i += 1
            return self._closed(tok, ("RBRACK",), "group", "bracket")[0]
        if t == "LVERT":
            self.i += 1
            return self._closed(tok, ("RVERT",), "abs", "lvert")[0]
        if t == "LNORM":
            self.i += 1
            return self._closed(tok, ("RNORM",), "norm", "lnorm")[0]
        if t in ("BAR", "DBAR"):
            self.i += 1
            return self.tok_item(tok)
        if t == "LEFT":
            self.i += 1
            opener = self._delim()
            body = self.seq(frozenset({"RIGHT"}))
            self._take("RIGHT")
            closer = self._delim()
            o, c = opener.value, closer.value
            pos, end = tok.start_pos, closer.end_pos
            if o in ("|", "\\vert", "\\lvert") and c in ("|", "\\vert", "\\rvert"):
                return self.Item("abs", "left", pos, end, body=body)
            if o in ("\\|", "\\Vert", "\\lVert") and c in ("\\|", "\\Vert", "\\rVert"):
                return self.Item("norm", "left", pos, end, body=body)
            kinds = {"(": "paren", "[": "bracket", "\\{": "set", ".": "paren", "\\langle": "angle"}
            return self.Item("group", kinds.get(o, "paren"), pos, end, body=body, close=c)
        return self.atom()

    def _plain_tex(self, group):
        """{\\bf v} -> \\mathbf{v}; {a \\over b} -> \\frac{a}{b}; {n \\choose k} -> \\binom{n}{k} (plain TeX)."""
        body = group.body or []
        if len(body) > 1 and body[-1].kind == "cmd" and body[-1].text in OLD_FONTS and not body[-1].scripts:
            body = body[:-1]  # {I\\bf }: a switch with nothing after it
            group = self.Item(group.kind, group.text, group.pos, group.end, scripts=group.scripts, body=body)
        if body and body[0].kind == "cmd" and body[0].text in OLD_FONTS and not body[0].scripts:
            inner = self.Item("group", "curly", body[0].end, group.end, body=body[1:])
            return self.Item("cmd1", OLD_FONTS[body[0].text], group.pos, group.end, scripts=group.scripts, args=[inner])
        at = [k for k, x in enumerate(body) if x.kind == "cmd" and x.text in ("\\over", "\\choose") and not x.scripts]
        if len(at) == 1:
            k = at[0]
            cmd = "\\frac" if body[k].text == "\\over" else "\\binom"
            top = self.Item("group", "curly", group.pos, body[k].pos, body=body[:k])
            bottom = self.Item("group", "curly", body[k].end, group.end, body=body[k + 1 :])
            return self.Item("cmd2", cmd, group.pos, group.end, scripts=group.scripts, args=[top, bottom])
        return group

    def _delim(self):
        tok = self._take()
        if tok.type not in _DELIMS or (tok.type == "OP" and tok.value not in _DELIM_OPS):
            raise ScanError("token", tok.start_pos, tok.value)
        return tok

    def atom(self):
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise ScanError("deep", self._peek().start_pos if self._peek() else self.text_len)
        try:
            return self._atom()
        finally:
            self.depth -= 1

    def _atom(self):
        tok = self._take()
        if tok.type == "OP" and tok.value == "*":
            return self.tok_item(tok, "op")  # w^*: TeX takes one character as the script
        if tok.type not in _ATOM_STARTS and _demotable(tok):
            tok.type = "CMD"
        t = tok.type
        if t in ("LETTER", "DIGIT", "UNICODE", "CMD", "TEXT", "ELLIPSIS"):
            return self.tok_item(tok)
        if t == "LCURLY":
            return self._plain_tex(self._closed(tok, ("RCURLY",), "group", "curly")[0])
        if t == "LSET":
            return self._closed(tok, ("RSET",), "group", "set")[0]
        if t == "CMD1":
            arg = self.atom()
            return self.Item("cmd1", tok.value.replace(" ", ""), tok.start_pos, arg.end, args=[arg])
        if t == "CMD2":
            a = self.atom()
            b = self.atom()
            return self.Item("cmd2", tok.value, tok.start_pos, b.end, args=[a, b])
        if t == "SQRT":
            nxt = self._peek()
            if nxt is not None and nxt.type == "LBRACK":
                self.i += 1
                index = self.seq(frozenset({"RBRACK"}))
                self._take("RBRACK")
                arg = self.atom()
                return self.Item("sqrt", "sqrt", tok.start_pos, arg.end, body=index, args=[arg])
            arg = self.atom()
            return self.Item("sqrt", "sqrt", tok.start_pos, arg.end, args=[arg])
        if t == "BEGIN":
            body = self.seq(frozenset({"END"}))
            end = self._take("END")
            name = tok.value[tok.value.index("{") + 1 : -1]
            end_name = end.value[end.value.index("{") + 1 : -1]
            if name != end_name:
                raise ScanError("env", tok.start_pos, f"\\begin{{{name}}} is closed by \\end{{{end_name}}}")
            return self.Item("env", name, tok.start_pos, end.end_pos, body=body)
        raise ScanError("token", tok.start_pos, tok.value)
