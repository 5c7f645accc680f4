"""Find the display mathematics of a document, with source line numbers, split into rows and cells.

Markdown (any extension but ``.tex``) goes through markdown-it-py with the ``dollarmath``
(allow_space=False, so ``$5 and $6`` is not math), ``texmath`` (``\\[...\\]``, ``\\(...\\)``) and
``amsmath`` plugins: code fences and inline code are skipped by the Markdown parser itself. A
``.tex`` file is scanned for ``$$``, ``\\[``, and the display environments. Each block is then
split at top-level ``\\\\`` into rows and at ``&`` into cells; nothing inside braces or inside a
nested environment (``bmatrix``, ``cases``) is split.

Declarations for `derive verify` ride along: ``<!-- derive: X matrix n x d; sigma > 0 -->`` in
Markdown, ``% derive: ...`` in LaTeX. A notebook (``.ipynb``) is read cell by cell: its Markdown
cells are Markdown, and every block, row and cell knows its notebook cell (``cell``, counted
from 1) and its line inside that cell. ``.qmd`` and ``.Rmd`` are Markdown.

Macros the document defines (``\\newcommand``, ``\\def``, ``\\DeclareMathOperator``...) are
expanded in each cell's text (`derive.verify.read.macros`); the definitions themselves are not
formulas. What the reader met and could not use goes to ``Document.problems``.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_right
from dataclasses import dataclass, field, replace

from derive.verify.read import macros as M

MAX_DOCUMENT_CHARS = 2_000_000

ROW_ENVIRONMENTS = frozenset(
    {
        "align", "align*", "aligned", "alignat", "alignat*", "alignedat", "gather", "gather*",
        "gathered", "equation", "equation*", "split", "multline", "multline*", "eqnarray",
        "eqnarray*", "flalign", "flalign*", "displaymath", "math",
    }
)
MULTI_ROW_ENVIRONMENTS = ROW_ENVIRONMENTS - {"equation", "equation*", "displaymath", "math"}
DROPPED_COMMANDS = ("\\nonumber", "\\notag", "\\displaystyle", "\\textstyle", "\\limits", "\\nolimits")
DROPPED_WITH_ARGUMENT = ("\\tag", "\\tag*", "\\label", "\\eqref", "\\hspace", "\\vspace", "\\intertext")


class ExtractError(ValueError):
    """The document cannot be read as a math-bearing document."""


@dataclass(frozen=True)
class Cell:
    """One `&`-separated piece of a row: its text and where it starts in the file."""

    text: str  # after macro expansion: what the parser reads
    offset: int
    line: int
    cell: int | None = None  # the notebook cell (from 1); None outside notebooks


@dataclass(frozen=True)
class Row:
    cells: tuple[Cell, ...]
    line: int
    cell: int | None = None

    @property
    def text(self) -> str:
        return " ".join(c.text for c in self.cells)


@dataclass(frozen=True)
class MathBlock:
    """A display (or, with --inline, inline) formula, as written, with its rows."""

    text: str
    offset: int
    line: int
    kind: str  # "display" | "inline" | "environment"
    rows: tuple[Row, ...]
    cell: int | None = None


@dataclass(frozen=True)
class Declaration:
    text: str
    line: int
    cell: int | None = None


@dataclass
class Document:
    path: str
    source: str
    blocks: list[MathBlock] = field(default_factory=list)
    inline: list[MathBlock] = field(default_factory=list)
    declarations: list[Declaration] = field(default_factory=list)
    sections: list[int] = field(default_factory=list)  # offsets where a heading or rule starts
    problems: list[str] = field(default_factory=list)  # what the reader refused or could not use
    cell_starts: list[tuple[int, int]] = field(default_factory=list)  # notebooks: (offset, cell)
    macros: tuple = ()  # the macros the text defines (derive.verify.read.macros.Macro)

    def notation_hints(self) -> dict:
        """How the document writes things, for `derive.verify.read.parse.Notation`:
        prime_transpose (X'X, (y - Xw)'), variables (what it differentiates in: d/dt),
        names (the fonted single letters it uses alone: \\mathbf{A})."""
        texts = [c.text for b in self.blocks + self.inline for r in b.rows for c in r.cells]
        return notation_hints(texts)

    @functools.cached_property
    def _table(self) -> "_LineTable":
        return _LineTable(self.source)

    def line_of(self, offset: int) -> int:
        """The line of `offset` (in a notebook: the line inside its cell)."""
        line = self._table.line(offset)
        start = self._cell_start(offset)
        if start is None:
            return line
        return line - self._table.line(start[0]) + 1

    def cell_of(self, offset: int) -> int | None:
        """The notebook cell (from 1) that holds `offset`; None outside notebooks."""
        start = self._cell_start(offset)
        return None if start is None else start[1]

    def _cell_start(self, offset: int):
        if not self.cell_starts:
            return None
        k = bisect_right(self._cell_offsets, offset) - 1
        return self.cell_starts[max(k, 0)]

    @functools.cached_property
    def _cell_offsets(self) -> list[int]:
        return [o for o, _ in self.cell_starts]


class _LineTable:
    def __init__(self, source: str):
        self.starts = [0]
        pos = source.find("\n")
        while pos != -1:
            self.starts.append(pos + 1)
            pos = source.find("\n", pos + 1)

    def line(self, offset: int) -> int:
        return bisect_right(self.starts, max(offset, 0))

    def offset(self, line0: int) -> int:
        line0 = min(max(line0, 0), len(self.starts) - 1)
        return self.starts[line0]


_PRIME_TRANSPOSE = re.compile(r"(?:[A-Z]|\\mathbf\{[A-Za-z]\}|\))'\s*(?:[A-Za-z(\\])")
_LOWER_PRIME_PRODUCT = re.compile(r"(?<![a-zA-Z\\])[a-z]'\s*[A-Z]")
_DIFF_VARIABLE = re.compile(
    r"\\frac\s*\{\s*(?:d|\\mathrm\{d\}|\\partial)[^{}]*\}\s*\{\s*(?:d|\\mathrm\{d\}|\\partial)\s*"
    r"([a-zA-Z]|\\[a-zA-Z]+)\s*\}"
    r"|\\p?dv\s*(?:\{[^{}]*\})?\s*\{\s*([a-zA-Z]|\\[a-zA-Z]+)\s*\}")
_FONT_LETTER = re.compile(r"\\(mathbf|boldsymbol|bm|mathsf|mathcal|mathrm|mathbb|pmb|bold)\s*\{([A-Za-z])\}")


def notation_hints(texts) -> dict:
    """See `Document.notation_hints`; `texts` are the formulas of one document."""
    prime = False
    variables = set()
    names = set()
    for text in texts:
        if not prime and "'" in text and (_PRIME_TRANSPOSE.search(text) or _LOWER_PRIME_PRODUCT.search(text)):
            prime = True
        if "\\" in text:
            for m in _DIFF_VARIABLE.finditer(text):
                v = m.group(1) or m.group(2)
                if v:
                    variables.add(v)
            for m in _FONT_LETTER.finditer(text):
                names.add(f"\\{m.group(1)}{{{m.group(2)}}}")
    return {"prime_transpose": prime, "variables": frozenset(variables), "names": frozenset(names)}


# --- public entry points ---------------------------------------------------------------------


def extract_file(path: str, *, inline: bool = False) -> Document:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            source = fh.read(MAX_DOCUMENT_CHARS + 1)
    except OSError as exc:
        raise ExtractError(f"cannot read {path!r}: {exc.strerror}; check the path") from exc
    return extract_text(source, path=path, inline=inline)


def extract_text(source: str, *, path: str = "<text>", inline: bool = False) -> Document:
    if len(source) > MAX_DOCUMENT_CHARS:
        raise ExtractError(
            f"{path}: document has more than {MAX_DOCUMENT_CHARS} characters; "
            "split it into smaller files"
        )
    source = source.replace("\r\n", "\n").replace("\r", "\n")
    lower = path.lower()
    if lower.endswith(".ipynb"):
        from derive.verify.read.notebook import extract_notebook

        return extract_notebook(source, path=path, inline=inline)
    if lower.endswith((".tex", ".ltx", ".latex")):
        return _extract_tex(source, path, inline)
    return _extract_markdown(source, path, inline)


@dataclass
class _Context:
    """What building a block needs besides its text: lines, macros, where problems go."""

    table: "_LineTable"
    definitions: M.Definitions
    problems: list
    cell: int | None = None


def _context(source: str, table: "_LineTable", problems: list, cell: int | None = None,
             inherited: tuple = ()) -> _Context:
    definitions = M.collect(source)
    if inherited:
        definitions = M.Definitions(tuple(inherited) + definitions.macros, definitions.problems)
    for offset, message in definitions.problems:
        problems.append(f"line {table.line(offset)}: {message}")
    return _Context(table, definitions, problems, cell)


# --- Markdown ----------------------------------------------------------------------------------


def _markdown_parser():
    from markdown_it import MarkdownIt
    from mdit_py_plugins.amsmath import amsmath_plugin
    from mdit_py_plugins.dollarmath import dollarmath_plugin
    from mdit_py_plugins.front_matter import front_matter_plugin
    from mdit_py_plugins.texmath import texmath_plugin

    md = MarkdownIt("commonmark")
    md.use(front_matter_plugin)
    md.use(dollarmath_plugin, allow_space=False, double_inline=True)
    md.use(texmath_plugin, delimiters="brackets")
    md.use(amsmath_plugin)
    return md


def _blank_html_tag_lines(source: str) -> str:
    """Blank lines that hold only HTML tags (``<details>``, ``</details>``, ``<br>``).

    Readers' MathJax renders ``$$`` inside ``<details>``; CommonMark would swallow it into an
    HTML block. Blanking keeps every offset (the line becomes spaces).
    """
    out = []
    for line in source.split("\n"):
        s = line.strip()
        if (
            len(s) >= 3 and s[0] == "<" and s[-1] == ">" and (s[1].isalpha() or s[1] == "/")
            and "$" not in s and "\\" not in s
        ):
            out.append(" " * len(line))
        else:
            out.append(line)
    return "\n".join(out)


def _declarations_in(text: str, start: int, table: _LineTable, opener: str, closer: str | None):
    found = []
    pos = text.find(opener)
    while pos != -1:
        body_start = pos + len(opener)
        if closer is None:
            end = text.find("\n", body_start)
            end = len(text) if end == -1 else end
        else:
            end = text.find(closer, body_start)
            if end == -1:
                break
        found.append(Declaration(text[body_start:end].strip(), table.line(start + pos)))
        pos = text.find(opener, end)
    return found


def _guard_unclosed_environments(source: str) -> str:
    """Blank the backslash of each ``\\begin{env}`` line that no later line closes.

    The amsmath plugin scans to the end of the document for the closing line of every opening
    line: a document of unclosed ``\\begin{align}`` lines is quadratic. One backwards pass
    finds the openers that nothing closes; they are not math anyway.
    """
    if "\\begin{" not in source:
        return source
    lines = source.split("\n")
    closed_below: set[str] = set()
    changed = False
    for k in range(len(lines) - 1, -1, -1):
        line = lines[k]
        stripped = line.rstrip()
        if "\\end{" in stripped:
            close = stripped.rfind("\\end{")
            closed_below.add(stripped[close:])
        s = line.lstrip()
        if s.startswith("\\begin{"):
            end = s.find("}")
            if end != -1 and "\\end{" + s[7:end] + "}" not in closed_below:
                lead = len(line) - len(s)
                lines[k] = line[:lead] + " " + line[lead + 1 :]
                changed = True
    return "\n".join(lines) if changed else source


def _split_display(content: str) -> list[tuple[int, str]]:
    """``$$ a $$ $$ b $$`` on one line reaches the parser as one block: split it at ``$$``."""
    if "$$" not in content:
        return [(0, content)]
    out = []
    pos = 0
    for k, piece in enumerate(content.split("$$")):
        if k % 2 == 0 and piece.strip():
            out.append((pos, piece))
        pos += len(piece) + 2
    return out


def _extract_markdown(source: str, path: str, inline: bool, cell: int | None = None,
                      inherited: tuple = ()) -> Document:
    """`inherited`: macros defined before this text (earlier notebook cells), always in force."""
    doc = Document(path=path, source=source)
    table = doc._table
    ctx = _context(source, table, doc.problems, cell, inherited)
    doc.macros = tuple(m for m in ctx.definitions.macros if m not in inherited)
    doc.declarations = [replace(d, cell=cell) for d in _declarations_in(source, 0, table, "<!-- derive:", "-->")]
    prepared = _guard_unclosed_environments(_blank_html_tag_lines(source))
    tokens = _markdown_parser().parse(prepared)
    cursor = 0
    for tok in tokens:
        if tok.map:
            cursor = max(cursor, table.offset(tok.map[0]))
        if tok.map and (tok.type == "hr" or (tok.type == "heading_open" and tok.tag in ("h1", "h2", "h3"))):
            doc.sections.append(table.offset(tok.map[0]))
        if tok.type in ("math_block", "math_block_label", "amsmath"):
            pos = _locate(prepared, tok.content, cursor, table, tok.map)
            content = tok.content
            if tok.type == "amsmath":
                doc.blocks.append(_make_block(content, pos, "environment", ctx))
            else:
                pieces = _split_display(content)
                if len(pieces) == 1:
                    doc.blocks.append(_make_block(pieces[0][1], pos + pieces[0][0], "display", ctx))
                elif pieces:
                    # $$ a = b $$ $$ = c $$ on one line: one block, a row per display, so that = c continues
                    made = [_make_block(piece, pos + shift, "display", ctx) for shift, piece in pieces]
                    rows = tuple(r for b in made for r in b.rows)
                    doc.blocks.append(replace(made[0], text=content, rows=rows))
            cursor = pos + len(content)
        elif tok.type == "inline" and tok.children:
            line_start = table.offset(tok.map[0]) if tok.map else cursor
            sub_cursor = line_start
            for child in tok.children:
                if child.type not in ("math_inline", "math_inline_double"):
                    continue
                pos = _locate(prepared, child.content, sub_cursor, table, None)
                sub_cursor = pos + len(child.content)
                block = _make_block(child.content, pos, "display" if child.type == "math_inline_double" else "inline", ctx)
                if child.type == "math_inline_double":
                    doc.blocks.append(block)
                else:
                    doc.inline.append(block)
    doc.blocks = merge_continued_displays(prepared, [b for b in doc.blocks if b.rows])
    if inline:
        doc.blocks = sorted(doc.blocks + doc.inline, key=lambda b: b.offset)
    return doc


def _locate(source: str, content: str, cursor: int, table: _LineTable, mapping) -> int:
    """Offset of `content` in the source at or after `cursor` (best effort for nested blocks)."""
    if content:
        pos = source.find(content, cursor)
        if pos != -1:
            return pos
        first = content.strip().split("\n", 1)[0].strip()
        if first:
            pos = source.find(first, cursor)
            if pos != -1:
                return pos
    if mapping:
        return table.offset(mapping[0])
    return cursor


# --- LaTeX files --------------------------------------------------------------------------------


DISPLAY_ENVIRONMENTS = ROW_ENVIRONMENTS - {"aligned", "alignedat", "gathered", "split"}


def _strip_tex_comments(source: str) -> str:
    out = []
    for line in source.split("\n"):
        i = _comment_start(line)
        out.append(line if i == -1 else line[:i] + " " * (len(line) - i))
    return "\n".join(out)


def _comment_start(line: str) -> int:
    i = line.find("%")
    while i != -1:
        backslashes = 0
        j = i - 1
        while j >= 0 and line[j] == "\\":
            backslashes += 1
            j -= 1
        if backslashes % 2 == 0:
            return i
        i = line.find("%", i + 1)
    return -1


def _extract_tex(source: str, path: str, inline: bool) -> Document:
    doc = Document(path=path, source=source)
    table = doc._table
    for number, line in enumerate(source.split("\n"), start=1):
        i = _comment_start(line)
        if i != -1:
            comment = line[i + 1 :].strip()
            if comment.startswith("derive:"):
                doc.declarations.append(Declaration(comment[len("derive:") :].strip(), number))
    text = _strip_tex_comments(source)
    ctx = _context(text, table, doc.problems)
    for marker in ("\\section", "\\subsection", "\\subsubsection", "\\chapter", "\\paragraph"):
        pos = text.find(marker)
        while pos != -1:
            doc.sections.append(pos)
            pos = text.find(marker, pos + 1)
    doc.sections.sort()
    begin_doc = text.find("\\begin{document}")
    i = begin_doc + len("\\begin{document}") if begin_doc != -1 else 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\" and text.startswith("\\begin{", i):
            close = text.find("}", i)
            name = text[i + 7 : close] if close != -1 else ""
            if name in DISPLAY_ENVIRONMENTS:
                end_marker = "\\end{" + name + "}"
                end = text.find(end_marker, close)
                if end == -1:
                    break
                content = text[i : end + len(end_marker)]
                doc.blocks.append(_make_block(content, i, "environment", ctx))
                i = end + len(end_marker)
                continue
            i = close + 1 if close != -1 else n
            continue
        if c == "\\" and text.startswith("\\[", i):
            end = text.find("\\]", i + 2)
            if end == -1:
                break
            doc.blocks.append(_make_block(text[i + 2 : end], i + 2, "display", ctx))
            i = end + 2
            continue
        if c == "\\" and text.startswith("\\(", i):
            end = text.find("\\)", i + 2)
            if end == -1:
                break
            doc.inline.append(_make_block(text[i + 2 : end], i + 2, "inline", ctx))
            i = end + 2
            continue
        if c == "\\":
            i += 2
            continue
        if c == "$":
            if text.startswith("$$", i):
                end = text.find("$$", i + 2)
                if end == -1:
                    break
                doc.blocks.append(_make_block(text[i + 2 : end], i + 2, "display", ctx))
                i = end + 2
                continue
            end = _closing_dollar(text, i + 1)
            if end == -1:
                break
            doc.inline.append(_make_block(text[i + 1 : end], i + 1, "inline", ctx))
            i = end + 1
            continue
        i += 1
    doc.blocks = [b for b in doc.blocks if b.rows]
    if inline:
        doc.blocks = sorted(doc.blocks + doc.inline, key=lambda b: b.offset)
    return doc


def _closing_dollar(text: str, i: int) -> int:
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == "$":
            return i
        i += 1
    return -1


# --- rows and cells ----------------------------------------------------------------------------


def _make_block(content: str, offset: int, kind: str, ctx: _Context) -> MathBlock:
    rows = split_rows(content, offset, ctx.table, cell=ctx.cell)
    if ctx.definitions.macros:
        rows = tuple(_expanded(r, ctx) for r in rows)
    return MathBlock(content, offset, ctx.table.line(offset + _lead(content)), kind, rows, ctx.cell)


def _expanded(row: Row, ctx: _Context) -> Row:
    cells = []
    for c in row.cells:
        try:
            text = M.expand(c.text, ctx.definitions.table_at(c.offset))
        except M.MacroError as exc:
            ctx.problems.append(f"line {c.line}: {exc}; the formula is read unexpanded")
            text = c.text
        cells.append(replace(c, text=text) if text != c.text else c)
    return replace(row, cells=tuple(cells))


def _lead(text: str) -> int:
    return len(text) - len(text.lstrip())


def _blank(chars: list, start: int, end: int) -> None:
    for k in range(start, min(end, len(chars))):
        if chars[k] != "\n":
            chars[k] = " "


def _group_end(text: str, i: int) -> int:
    """Index just past the brace group starting at text[i] == '{' (or i if none)."""
    if i >= len(text) or text[i] != "{":
        return i
    got = M._group(text, i)
    return got[1] if got else len(text)


def _clean(text: str) -> tuple[str, bool]:
    """Blank the row environments' own markers, tags, labels and comments; keep every offset.

    Returns the cleaned text and whether it holds a multi-row environment.
    """
    chars = list(text)
    multi = False
    i = 0
    n = len(text)
    nxt_pc = text.find("%")
    while i < n:
        nxt_bs = text.find("\\", i)
        if nxt_pc != -1 and nxt_pc < i:
            nxt_pc = text.find("%", i)
        if nxt_bs == -1 and nxt_pc == -1:
            break
        i = nxt_bs if nxt_pc == -1 else nxt_pc if nxt_bs == -1 else min(nxt_bs, nxt_pc)
        ch = text[i]
        if ch == "%" and (i == 0 or text[i - 1] != "\\"):
            j = text.find("\n", i)
            j = n if j == -1 else j
            _blank(chars, i, j)
            i = j
            continue
        if ch != "\\":
            i += 1
            continue
        for word in ("\\begin{", "\\end{"):
            if text.startswith(word, i):
                close = text.find("}", i)
                name = text[i + len(word) : close] if close != -1 else ""
                if name in ROW_ENVIRONMENTS:
                    end = close + 1
                    if word == "\\begin{" and name.startswith("alignat"):
                        end = _group_end(text, end)
                    _blank(chars, i, end)
                    if name in MULTI_ROW_ENVIRONMENTS:
                        multi = True
                    i = end
                    break
        else:
            matched = False
            for word in DROPPED_WITH_ARGUMENT:
                if text.startswith(word, i) and not text[i + len(word) : i + len(word) + 1].isalpha():
                    j = i + len(word)
                    while j < n and text[j] == " ":
                        j += 1
                    end = _group_end(text, j)
                    _blank(chars, i, end)
                    i = end
                    matched = True
                    break
            if not matched:
                for word in DROPPED_COMMANDS:
                    if text.startswith(word, i) and not text[i + len(word) : i + len(word) + 1].isalpha():
                        _blank(chars, i, i + len(word))
                        i += len(word)
                        matched = True
                        break
            if not matched:
                i += 2
            continue
    return "".join(chars), multi


_RANGE_PROSE = re.compile(
    r"(?:\\q?quad|\\[,;:! ]|~|,|\s)*(?:\\text(?:rm|normal)?\s*\{\s*(?:for|for all|for each|for every)\b[^{}]*\}|\\forall\b)"
)


def _without_range_prose(piece: str) -> str:
    """``a_i = b_i \\quad \\text{for } i = 1..n``: the range after the formula is prose, not a formula."""
    if "\\text" not in piece and "\\forall" not in piece:
        return piece
    m = _RANGE_PROSE.search(piece)
    if m is None or not piece[: m.start()].strip():
        return piece
    return piece[: m.start()] + " " * (len(piece) - m.start())


def split_rows(content: str, offset: int, table: _LineTable, *, cell: int | None = None) -> tuple[Row, ...]:
    """Split at top-level ``\\\\`` (rows) and ``&`` (cells), skipping braces and nested
    environments. Inside a multi-row environment a line ending in a lone backslash (a ``\\\\``
    that Markdown escaping turned into ``\\``) also ends a row."""
    content = M.strip_definitions(content)
    if "\\newline" in content:  # a line break inside a formula: a row break, same length
        content = re.sub(r"\\newline(?![a-zA-Z])", lambda m: "\\\\" + " " * 6, content)
    text, multi = _clean(content)
    rows: list[list[tuple[int, int]]] = []
    cells: list[tuple[int, int]] = []
    start = 0
    depth = 0
    env = 0
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\\":
            if text.startswith("\\begin{", i):
                env += 1
                i = text.find("}", i) + 1 or n
                continue
            if text.startswith("\\end{", i):
                env -= 1
                i = text.find("}", i) + 1 or n
                continue
            nxt = text[i + 1] if i + 1 < n else ""
            if nxt == "\\" and depth == 0 and env == 0:
                cells.append((start, i))
                rows.append(cells)
                cells = []
                j = i + 2
                k = j
                while k < n and text[k] in " \t":
                    k += 1
                if k < n and text[k] == "[":  # \\[6pt]
                    close = text.find("]", k)
                    if close != -1:
                        j = close + 1
                start = j
                i = j
                continue
            if multi and depth == 0 and env == 0 and nxt in (" ", "\t", "\n", ""):
                k = i + 1
                while k < n and text[k] in " \t":
                    k += 1
                if k >= n or text[k] == "\n":
                    cells.append((start, i))
                    rows.append(cells)
                    cells = []
                    start = k
                    i = k
                    continue
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == "&" and depth == 0 and env == 0:
            cells.append((start, i))
            start = i + 1
        i += 1
    cells.append((start, n))
    rows.append(cells)
    out = []
    for row in rows:
        made = []
        for a, b in row:
            piece = _without_range_prose(text[a:b])
            lead = _lead(piece)
            made.append(Cell(piece.strip(), offset + a + lead, table.line(offset + a + lead), cell))
        if not any(c.text for c in made):
            continue
        first = next(c for c in made if c.text)
        out.append(Row(tuple(made), first.line, cell))
    return join_continued_rows(tuple(out))


_CONTINUES = re.compile(
    r"(?:=|\+|-|<|>|\\(?:cdot|times|le|leq|ge|geq|approx|propto|implies|iff|Rightarrow|simeq|ne|neq))\s*$")
_STARTS_WITH_RELATION = re.compile(r"^\s*(?:=|<|>|\\(?:le|leq|ge|geq|approx|propto|implies|iff|Rightarrow|simeq)(?![a-zA-Z]))")


_HAS_RELATION = re.compile(r"=|<|>|\\(?:le|leq|ge|geq|approx|propto|implies|iff|Rightarrow|simeq|sim|in|to|ne|neq)(?![a-zA-Z])")


_CONTINUATION_START = re.compile(r"^\s*(?:\\q?quad|\{\s*\}|[-+]|\\cdot|\\times)")


def _without_leading_empty(cells: tuple) -> tuple:
    """The cells of a continued row without its alignment cells; later empty cells stay (they
    mark an annotation column)."""
    k = 0
    while k < len(cells) and not cells[k].text:
        k += 1
    return tuple(cells[k:])


def _last_text(row: Row) -> str:
    texts = [c.text for c in row.cells if c.text]
    return texts[-1] if texts else ""


def join_continued_rows(rows: tuple) -> tuple:
    """A row that ends in an operator or a relation (``A &= \\\\``, ``a + b + \\\\``) goes on in the
    next row: the two are one row (each cell keeps its own line)."""
    if len(rows) < 2:
        return rows
    out: list[Row] = []
    for row in rows:
        if out and _STARTS_WITH_RELATION.search(_first_text(row)) and not _HAS_RELATION.search(
                " ".join(c.text for c in out[-1].cells)) and not _CONTINUATION_START.search(_first_text(out[-1])):
            # an expression alone on its row, then "= ..." rows: the chain starts at the expression
            prev = out[-1]
            out[-1] = Row(prev.cells + _without_leading_empty(row.cells), prev.line, prev.cell)
            continue
        if out and _CONTINUES.search(_last_text(out[-1])):
            prev = out[-1]
            out[-1] = Row(prev.cells + _without_leading_empty(row.cells), prev.line, prev.cell)
            continue
        out.append(row)
    return tuple(out)


def _first_text(row: Row) -> str:
    texts = [c.text for c in row.cells if c.text]
    return texts[0] if texts else ""


def merge_continued_displays(source: str, blocks: list) -> list:
    """``$$ A = B = $$ $$ = C $$`` on consecutive lines: one display continued in the next."""
    out: list[MathBlock] = []
    for block in blocks:
        if out and out[-1].kind == "display" and block.kind == "display" and out[-1].rows and block.rows:
            prev = out[-1]
            between = source[prev.offset + len(prev.text) : block.offset]
            if not between.replace("$", "").strip() and (
                _CONTINUES.search(_last_text(prev.rows[-1])) or _STARTS_WITH_RELATION.search(_first_text(block.rows[0]))
            ):
                rows = join_continued_rows(prev.rows + block.rows)
                out[-1] = replace(prev, text=source[prev.offset : block.offset + len(block.text)], rows=rows)
                continue
        out.append(block)
    return out
