"""The macros a document defines for itself, and their bounded expansion in its formulas.

``\\newcommand``, ``\\renewcommand``, ``\\providecommand`` (with ``[n]`` arguments and an optional
default), ``\\def\\name#1#2{...}``, ``\\DeclareMathOperator`` (``*`` too) and ``\\let\\a\\b`` are
collected from the whole source in reading order; a formula is expanded with the definitions
made before it. Expansion is text substitution with caps on depth, on the number of expansions
and on the size of the result (a macro that calls itself ends in a `MacroError`, not a hang).
Nothing is ever read from another file: ``\\input`` and ``\\include`` are refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_DEPTH = 20  # a macro inside a macro inside ...
MAX_EXPANSIONS = 2_000  # per formula
MAX_EXPANDED_CHARS = 20_000  # per formula, after expansion
MAX_DEFINITIONS = 500  # per document
MAX_BODY_CHARS = 2_000  # one definition's replacement text

DEFINERS = ("\\newcommand", "\\renewcommand", "\\providecommand", "\\DeclareMathOperator",
            "\\DeclareRobustCommand", "\\def", "\\let", "\\gdef")
REFUSED = ("\\input", "\\include", "\\includeonly", "\\InputIfFileExists", "\\import", "\\subimport")
_NAME = re.compile(r"\\([a-zA-Z]+|.)")


class MacroError(ValueError):
    """A definition that cannot be read, or an expansion past the caps."""


@dataclass(frozen=True)
class Macro:
    """One definition: ``\\name`` with `nargs` arguments (the first optional when `default`)."""

    name: str
    nargs: int
    body: str
    default: str | None = None
    offset: int = 0


@dataclass(frozen=True)
class Definitions:
    """Every definition of a document with where it is made, and the problems met reading them."""

    macros: tuple = ()
    problems: tuple = ()  # (offset, message)

    def table_at(self, offset: int) -> dict:
        """The macros in force at `offset` (later definitions replace earlier ones)."""
        table = {}
        for m in self.macros:
            if m.offset > offset:
                break
            table[m.name] = m
        return table


def _skip_space(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t\n":
        i += 1
    return i


def _scan(text: str, i: int, opener: str, closer: str) -> tuple[str, int] | None:
    """The group opened at text[i] (``{...}``, or ``[...]`` closed outside any braces): its inside
    and the index after it; None when text[i] does not open one or it never closes."""
    if i >= len(text) or text[i] != opener:
        return None
    depth = 0  # of braces inside the group
    j = i + 1
    while j < len(text):
        ch = text[j]
        if ch == "\\":
            j += 2
            continue
        if ch == closer and depth == 0:
            return text[i + 1 : j], j + 1
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        j += 1
    return None


def _group(text: str, i: int) -> tuple[str, int] | None:
    """The brace group at text[i] ('{...}'): its inside and the index after it."""
    return _scan(text, i, "{", "}")


def _bracket(text: str, i: int) -> tuple[str, int] | None:
    """An optional argument [...] at text[i] (no nesting of brackets)."""
    return _scan(text, i, "[", "]")


def _command_name(text: str, i: int) -> tuple[str, int] | None:
    """A control sequence at text[i], bare (\\R) or braced ({\\R})."""
    i = _skip_space(text, i)
    if i < len(text) and text[i] == "{":
        got = _group(text, i)
        if got is None:
            return None
        inner, end = got
        m = _NAME.fullmatch(inner.strip())
        return (m.group(0), end) if m else None
    m = _NAME.match(text, i)
    return (m.group(0), m.end()) if m else None


def _read_definition(text: str, i: int, definer: str) -> tuple[Macro | None, int]:
    """The definition starting after `definer` at text[i]; (None, end) when it defines nothing
    we can use. Raises MacroError when it cannot be read."""
    star = False
    if i < len(text) and text[i] == "*":
        star = True
        i += 1
    got = _command_name(text, i)
    if got is None:
        raise MacroError(f"{definer} without a command name")
    name, i = got
    if definer == "\\let":
        i = _skip_space(text, i)
        if i < len(text) and text[i] == "=":
            i += 1
        target = _command_name(text, i)
        if target is None:
            raise MacroError(f"\\let{name} without a command to copy")
        return Macro(name, 0, target[0]), target[1]
    if definer == "\\DeclareMathOperator":
        got = _group(text, _skip_space(text, i))
        if got is None:
            raise MacroError(f"\\DeclareMathOperator{{{name}}} without the operator's text")
        body, end = got
        return Macro(name, 0, ("\\operatorname*{" if star else "\\operatorname{") + body + "}"), end
    if definer in ("\\def", "\\gdef"):
        j = i
        nargs = 0
        while j < len(text) and text[j] != "{":
            if text[j] == "#" and j + 1 < len(text) and text[j + 1].isdigit():
                nargs = max(nargs, int(text[j + 1]))
                j += 2
                continue
            if text[j] not in " \t":
                raise MacroError(f"\\def{name} with delimited parameters is not read")
            j += 1
        got = _group(text, j)
        if got is None:
            raise MacroError(f"\\def{name} without a replacement text in braces")
        body, end = got
        return Macro(name, nargs, body), end
    # \newcommand{\name}[n][default]{body}
    i = _skip_space(text, i)
    nargs = 0
    default = None
    got = _bracket(text, i)
    if got is not None:
        count, i = got
        if not count.strip().isdigit() or not 0 <= int(count) <= 9:
            raise MacroError(f"{definer}{{{name}}}[{count}]: the number of arguments must be 0 to 9")
        nargs = int(count)
        i = _skip_space(text, i)
        got = _bracket(text, i)
        if got is not None:
            default, i = got
            i = _skip_space(text, i)
    got = _group(text, _skip_space(text, i))
    if got is None:
        raise MacroError(f"{definer}{{{name}}} without a replacement text in braces")
    body, end = got
    return Macro(name, nargs, body, default), end


def definition_spans(text: str):
    """Yield (start, end, definer, macro-or-None, error-or-None) for each definition in `text`."""
    i = text.find("\\")
    while i != -1:
        m = _NAME.match(text, i)
        word = m.group(0) if m else ""
        if word in DEFINERS:
            try:
                macro, end = _read_definition(text, m.end(), word)
                yield i, end, word, macro, None
            except MacroError as exc:
                end = m.end()
                yield i, end, word, None, str(exc)
            i = text.find("\\", max(end, i + 1))
            continue
        i = text.find("\\", i + (len(word) if word else 1))


def collect(source: str) -> Definitions:
    """Every definition in `source` (in order), and the files it asks to read (refused)."""
    macros = []
    problems = []
    for start, end, word, macro, error in definition_spans(source):
        if error is not None:
            problems.append((start, error))
            continue
        if macro is None:
            continue
        if len(macro.body) > MAX_BODY_CHARS:
            problems.append((start, f"the definition of {macro.name} is longer than {MAX_BODY_CHARS} characters; not used"))
            continue
        if word == "\\providecommand" and any(m.name == macro.name for m in macros):
            continue
        if len(macros) >= MAX_DEFINITIONS:
            problems.append((start, f"more than {MAX_DEFINITIONS} macro definitions; the rest are not used"))
            break
        macros.append(Macro(macro.name, macro.nargs, macro.body, macro.default, start))
    for word in REFUSED:
        for m in re.finditer(re.escape(word) + r"(?![a-zA-Z])", source):
            problems.append((m.start(), f"{word} is refused: derive verify reads only the file it is given "
                                        "(paste the included text into it)"))
    problems.sort()
    return Definitions(tuple(macros), tuple(problems))


_DEFINER_SEARCH = re.compile(r"\\(?:" + "|".join(d[1:] for d in DEFINERS) + ")")


def strip_definitions(text: str) -> str:
    """`text` with its definitions blanked (same length: offsets stay)."""
    if _DEFINER_SEARCH.search(text) is None:
        return text
    chars = list(text)
    for start, end, _, _, _ in definition_spans(text):
        for k in range(start, end):
            if chars[k] != "\n":
                chars[k] = " "
    return "".join(chars)


def _argument(text: str, i: int) -> tuple[str, int] | None:
    """One undelimited argument: a brace group's inside, or one token."""
    i = _skip_space(text, i)
    if i >= len(text):
        return None
    if text[i] == "{":
        return _group(text, i)
    m = _NAME.match(text, i)
    if m:
        return m.group(0), m.end()
    if text[i] == "}":
        return None
    return text[i], i + 1


class _Budget:
    def __init__(self):
        self.expansions = 0


def expand(text: str, table: dict) -> str:
    """`text` with every macro of `table` expanded; MacroError past the caps."""
    if not table or "\\" not in text:
        return text
    return _expand(text, table, 0, _Budget())


def _expand(text: str, table: dict, depth: int, budget: _Budget) -> str:
    if depth > MAX_DEPTH:
        raise MacroError(f"macros nest more than {MAX_DEPTH} deep (a macro that calls itself?)")
    out: list[str] = []
    size = 0
    i = 0
    n = len(text)
    while i < n:
        j = text.find("\\", i)
        if j == -1:
            out.append(text[i:])
            size += n - i
            break
        out.append(text[i:j])
        size += j - i
        m = _NAME.match(text, j)
        name = m.group(0) if m else "\\"
        macro = table.get(name)
        if macro is None:
            out.append(name)
            size += len(name)
            i = j + len(name)
            continue
        budget.expansions += 1
        if budget.expansions > MAX_EXPANSIONS:
            raise MacroError(f"more than {MAX_EXPANSIONS} macro expansions in one formula")
        i = m.end()
        args = []
        for k in range(macro.nargs):
            if k == 0 and macro.default is not None:
                got = _bracket(text, _skip_space(text, i))
                if got is None:
                    args.append(macro.default)
                    continue
                value, i = got
                args.append(value)
                continue
            got = _argument(text, i)
            if got is None:
                raise MacroError(f"{name} takes {macro.nargs} arguments; fewer are written")
            value, i = got
            args.append(value)
        body = macro.body
        if macro.nargs:
            body = re.sub(r"#([1-9])", lambda mm: args[int(mm.group(1)) - 1] if int(mm.group(1)) <= len(args) else "", body)
        replaced = _expand(body, table, depth + 1, budget)
        # a macro that ends in a letter-named command must not glue onto following letters
        if re.search(r"\\[a-zA-Z]+$", replaced) and i < n and text[i].isalpha():
            replaced += " "
        out.append(replaced)
        size += len(replaced)
        if size > MAX_EXPANDED_CHARS:
            raise MacroError(f"the formula grows past {MAX_EXPANDED_CHARS} characters when its macros are expanded")
    return "".join(out)
