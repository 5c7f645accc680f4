"""Reading rules for the operators of probability and calculus notation, used by the reader.

Expectations (``\\mathbb{E}_{x \\sim p}[f(x)]``, ``\\operatorname{Var}(x)``, ``Cov[x, y]``),
integrals (``\\int_a^b f(x)\\,dx``), the physics package (``\\dv``, ``\\pdv``, ``\\qty``,
``\\mqty``), sums written out with an ellipsis (``x_1 + x_2 + \\cdots + x_n``), case
distinctions, evaluation bars (``\\left. f \\right|_{x=0}``), and the guard that no command
the reader does not know ends up inside a name. Each function takes the `Reader` that calls it.
"""

from __future__ import annotations

import re
from dataclasses import replace

from derive.verify.read import nodes as N

ELLIPSES = {"\\cdots", "\\ldots", "\\dots", "\\dotsb", "\\dotsc", "\\dotsm"}
EXPECTATION_NAMES = {"E": "E", "\\mathbb{E}": "E", "\\mathbf{E}": "E", "\\mathcal{E}": "E", "\\mathrm{E}": "E",
                     "Var": "Var", "\\mathbb{V}": "Var", "var": "Var", "\\mathrm{Var}": "Var",
                     "\\mathbb{V}ar": "Var", "Cov": "Cov", "cov": "Cov", "\\mathrm{Cov}": "Cov",
                     "\\mathbb{C}ov": "Cov", "\\operatorname{E}": "E", "\\mathbb{E}\\,": "E"}
DIFFERENTIAL_COMMANDS = {"\\dv": "d", "\\pdv": "partial", "\\odv": "d", "\\pd": "partial", "\\diff": "d",
                         "\\der": "d", "\\fdv": "d"}
# Commands that may stand inside a name (accents and fonts come as cmd1 items and are allowed)
NAME_COMMANDS = {"\\ast", "\\star", "\\prime", "\\top", "\\dagger", "\\infty", "\\ell", "\\imath", "\\jmath",
                 "\\hbar", "\\partial", "\\nabla", "\\emptyset", "\\varnothing", "\\mathbb", "\\mathbf",
                 "\\boldsymbol", "\\bm", "\\pmb", "\\bold", "\\mathcal", "\\mathrm", "\\mathsf", "\\mathit",
                 "\\mathtt", "\\mathscr", "\\mathfrak", "\\mathnormal", "\\mathbfit", "\\hat", "\\widehat",
                 "\\bar", "\\overline", "\\underline", "\\tilde", "\\widetilde", "\\vec", "\\dot", "\\ddot",
                 "\\check", "\\breve", "\\acute", "\\grave", "\\mathring", "\\operatorname", "\\text",
                 "\\textrm", "\\textit", "\\textbf", "\\textsf", "\\texttt", "\\textnormal", "\\mbox", "\\hbox",
                 "\\vb", "\\Pr", "\\pi"}
_COMMAND = re.compile(r"\\([a-zA-Z]+)")


def unknown_command_in(node: N.Node, greek) -> str | None:
    """The first ``\\foo`` inside a name of `node` that the reader does not know, else None."""
    for n in node.walk():
        names = []
        if isinstance(n, N.Sym):
            names.append(n.name)
        elif isinstance(n, N.Indexed):
            names.append(n.base)
        elif isinstance(n, N.Apply):
            names.append(n.fn)
        for name in names:
            for m in _COMMAND.finditer(name):
                word = m.group(0)
                if m.group(1) in greek or word in NAME_COMMANDS:
                    continue
                return word
    return None


def expectation_name(name: str | None) -> str | None:
    if name is None:
        return None
    return EXPECTATION_NAMES.get(name.replace(" ", ""))


def read_expectation(reader, cur, it, op: str, group) -> N.Node:
    """op[args | given] with the subscript of `it` (x ~ p, or a name) as what it averages over."""
    from derive.verify.read.parse import ParseError

    var = dist = None
    sub = it.sub()
    if sub is not None:
        items = sub.body if (sub.kind == "group" and sub.text == "curly") else [sub]
        at = next((k for k, x in enumerate(items) if x.kind == "cmd" and x.text == "\\sim"), None)
        if at is not None:
            if at == 0 or at == len(items) - 1:
                raise ParseError(f"{op}_{{x \\sim p}} needs a variable and a distribution", it.pos)
            var = reader.expression(items[:at])
            dist = reader.expression(items[at + 1 :])
        else:
            var = reader.expression(items)
    args, given = reader._call_args(group)
    if op == "Cov" and len(args) != 2:
        raise ParseError("Cov takes two arguments: Cov(x, y)", group.pos)
    if op != "Cov" and len(args) != 1:
        raise ParseError(f"{op} takes one argument", group.pos)
    node: N.Node = N.Expect(op, tuple(args), tuple(given), var, dist)
    sup = it.sup()
    if sup is not None:
        node = reader._superscript(node, sup)
    return reader._after_call(node, group)


def _is_differential(x, nxt) -> tuple[int, object] | None:
    """(items used, variable item) when x (and nxt) is a differential dx, d\\theta, \\mathrm{d}x."""
    if x.kind == "letter" and x.text.startswith("d") and len(x.text) > 1 and not x.scripts:
        return 1, replace(x, text=x.text[1:], scripts=[])
    is_d = (x.kind == "letter" and x.text == "d" and not x.scripts) or (
        x.kind == "cmd1" and x.text == "\\mathrm" and x.args and _plain_arg(x.args[0]) == "d" and not x.scripts)
    if is_d and nxt is not None and (nxt.kind in ("letter", "cmd1") or (nxt.kind == "cmd" and not nxt.text.startswith("\\int"))):
        return 2, nxt
    return None


def _plain_arg(item):
    from derive.verify.read.parse import plain

    return plain(item)


def read_integral(reader, cur, it) -> N.Node:
    """\\int_lo^hi body d var: the integrand reaches to its differential, across signs."""
    from derive.verify.read.parse import ParseError

    items = cur.items
    k = cur.i
    found = None
    while k < len(items):
        nxt = items[k + 1] if k + 1 < len(items) else None
        got = _is_differential(items[k], nxt)
        if got is not None and k > cur.i:
            found = (k, got)
            break
        if items[k].kind == "op" and items[k].text not in ("+", "-", "*", "/", "\\cdot", "!"):
            break
        k += 1
    if found is None:
        raise ParseError("an integral without its differential (write \\int f(x) \\, dx)", it.pos)
    k, (used, var_item) = found
    body = reader.expression(items[cur.i : k])
    var = reader.expression([var_item])
    cur.i = k + used
    lo = hi = None
    sub, sup = it.sub(), it.sup()
    if sub is not None:
        lo = reader._script_value(sub)
    if sup is not None:
        hi = reader._script_value(sup)
    if (lo is None) != (hi is None) and not _is_real_line(lo):
        raise ParseError("an integral with one bound", it.pos)
    if _is_real_line(lo):
        lo, hi = N.Neg(N.Const("oo")), N.Const("oo")
    return N.Integral(body, var, lo, hi)


def _is_real_line(node) -> bool:
    return isinstance(node, N.Sym) and node.name in ("\\mathbb{R}", "R", "\\mathbf{R}")


def read_physics_derivative(reader, cur, it, kind: str) -> N.Node:
    """\\dv{f}{x}, \\dv[n]{f}{x}, \\dv{x} (f), \\pdv{f}{x}{y} (mixed), as the physics package means."""
    from derive.verify.read.parse import ParseError

    order = 1
    nxt = cur.peek()
    if nxt is not None and nxt.kind == "group" and nxt.text == "bracket":
        cur.take()
        text = _plain_arg(replace(nxt, kind="group", text="curly"))
        if text is None or not text.isdigit():
            raise ParseError(f"{it.text}[n] needs a whole number n", nxt.pos)
        order = int(text)
    groups = []
    while len(groups) < 3 and cur.peek() is not None and cur.peek().kind == "group" and cur.peek().text == "curly":
        groups.append(cur.take())
    if not groups:
        raise ParseError(f"{it.text} needs its arguments in braces: {it.text}{{f}}{{x}}", it.pos)
    if len(groups) == 1:
        var = reader._arg(groups[0])
        body = reader._rest_of_term(cur, it.text, it.pos)
        return N.Deriv(body, var, order)
    body = reader._arg(groups[0])
    variables = [reader._arg(g) for g in groups[1:]]
    if len(variables) == 2:
        return N.Deriv(N.Deriv(body, variables[1]), variables[0])
    return N.Deriv(body, variables[0], order)


def read_mqty(reader, group) -> N.Node:
    """\\mqty[a & b \\\\ c & d] (and \\pmqty, \\bmqty): a matrix."""
    env = replace(group, kind="env", text="bmatrix", scripts=[])
    return reader._scripts(reader._environment(env), group)


def _relation_index(items):
    from derive.verify.read.parse import relation_of

    for k, x in enumerate(items):
        rel = relation_of(x)
        if rel is not None:
            return k, rel
    return None


def read_cases(reader, it) -> N.Node:
    """\\begin{cases} value & condition \\\\ ... \\end{cases}; 'otherwise' is the last case."""
    from derive.verify.read.parse import ParseError, _text_content

    rows: list[list[list]] = [[[]]]
    for x in it.body or []:
        if x.kind == "op" and x.text == "\\\\":
            rows.append([[]])
        elif x.kind == "op" and x.text in ("&", "\\&"):
            rows[-1].append([])
        else:
            rows[-1][-1].append(x)
    rows = [r for r in rows if any(r)]
    if not rows:
        raise ParseError("an empty case distinction", it.pos)
    pieces = []
    for r in rows:
        value_items = r[0]
        cond_items = [x for cell in r[1:] for x in cell]
        if not cond_items and value_items:  # value, \text{if } x > 0 written in one cell
            comma = next((k for k, x in enumerate(value_items) if x.kind == "op" and x.text == ","), None)
            if comma is not None:
                value_items, cond_items = value_items[:comma], value_items[comma + 1 :]
        while cond_items and (cond_items[0].kind == "text" or (cond_items[0].kind == "op" and cond_items[0].text == ",")):
            words = _text_content(cond_items[0].text).strip().lower() if cond_items[0].kind == "text" else ""
            if words in ("otherwise", "else", "elsewhere", "o.w.", "otherwise."):
                cond_items = []
                break
            if words and words not in ("if", "for", "when", "if,", "where"):
                raise ParseError(f"a case condition written in words ({words!r}) is not read", cond_items[0].pos)
            cond_items = cond_items[1:]
        if not value_items:
            raise ParseError("a case without a value", it.pos)
        value = reader.expression(value_items)
        condition = None
        if cond_items:
            if any(x.kind == "text" for x in cond_items):
                raise ParseError("a case condition with words in it is not read", cond_items[0].pos)
            got = _relation_index(cond_items)
            if got is None:
                raise ParseError("a case condition that is not a comparison", cond_items[0].pos)
            k, rel = got
            rest = cond_items[k + 1 :]
            if _relation_index(rest) is not None or rel not in ("<", ">", "<=", ">=", "=", "!="):
                raise ParseError("a case condition with more than one comparison is not read", cond_items[0].pos)
            condition = N.Equation(reader.expression(cond_items[:k]), rel, reader.expression(rest))
        pieces.append((value, condition))
    return N.Cases(tuple(pieces))


def read_evaluation(reader, inner: N.Node, group) -> N.Node:
    """\\left. inner \\right|_{x=a} or |_a^b."""
    from derive.verify.read.parse import ParseError

    sub = sup = None
    for kind, value in group.scripts:
        if kind == "sub":
            sub = value
        elif kind == "sup":
            sup = value
    if sub is None:
        raise ParseError("an evaluation bar \\right| without the point it evaluates at", group.pos)
    items = sub.body if (sub.kind == "group" and sub.text == "curly") else [sub]
    eq = next((k for k, x in enumerate(items) if x.kind == "op" and x.text == "="), None)
    var = None
    if eq is not None:
        var = reader.expression(items[:eq])
        at = reader.expression(items[eq + 1 :])
    else:
        at = reader.expression(items)
    if sup is not None:
        return N.Evaluated(inner, var, at, reader._script_value(sup))
    return N.Evaluated(inner, var, None, at)


# --- sums written out with an ellipsis -----------------------------------------------------------


def _substitute(node, name: str, value):
    if isinstance(node, N.Sym):
        return value if node.name == name else node
    if not isinstance(node, N.Node):
        return node
    changes = {}
    for key, v in node.__dict__.items():
        if isinstance(v, N.Node):
            changes[key] = _substitute(v, name, value)
        elif isinstance(v, tuple):
            changes[key] = tuple(
                _substitute(x, name, value) if isinstance(x, N.Node)
                else tuple(_substitute(y, name, value) for y in x) if isinstance(x, tuple) else x
                for x in v
            )
    if isinstance(node, N.BigOp) and node.index == name:
        return node
    return replace(node, **changes) if changes else node


def _names(node) -> list[str]:
    seen = []
    for n in node.walk():
        if isinstance(n, N.Sym) and n.name not in seen:
            seen.append(n.name)
    return seen


def _int(node) -> int | None:
    if isinstance(node, N.Num) and node.text.isdigit():
        return int(node.text)
    return None


def written_out(first_terms: list, last, op: str):
    """x_1 + x_2 + ... + x_n -> \\sum_{k=1}^n x_k when the written terms follow one pattern."""
    fresh = next(k for k in ("k", "j", "m", "l", "r", "q") if all(k not in _names(t) for t in first_terms + [last]))
    index = N.Sym(fresh)
    for name in _names(last):
        body = _substitute(last, name, index)
        for lo in (0, 1, 2):
            if all(_substitute(body, fresh, N.Num(str(lo + j))) == t for j, t in enumerate(first_terms)):
                return N.BigOp(op, fresh, N.Num(str(lo)), N.Sym(name), body)
    # the last index is a number too: x_1 + ... + x_5
    for lo in (0, 1, 2):
        for value in _numbers_in(last):
            body = _replace_number(last, value, index)
            if body is None:
                continue
            if all(_substitute(body, fresh, N.Num(str(lo + j))) == t for j, t in enumerate(first_terms)):
                return N.BigOp(op, fresh, N.Num(str(lo)), N.Num(str(value)), body)
    return None


def _numbers_in(node) -> list[int]:
    out = []
    for n in node.walk():
        v = _int(n)
        if v is not None and v not in out:
            out.append(v)
    return out


def _replace_number(node, value: int, by):
    if isinstance(node, N.Num):
        return by if _int(node) == value else node
    if not isinstance(node, N.Node):
        return node
    changes = {}
    for key, v in node.__dict__.items():
        if isinstance(v, N.Node):
            changes[key] = _replace_number(v, value, by)
        elif isinstance(v, tuple):
            changes[key] = tuple(_replace_number(x, value, by) if isinstance(x, N.Node) else x for x in v)
    return replace(node, **changes) if changes else node
