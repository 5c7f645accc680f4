"""Math blocks -> chains -> steps.

A row is cut into statements at top-level commas, ``\\quad`` and connective text ("where",
"and", "for"), and a statement into members at its top-level relations. A row that starts
with a relation (``&= ...``) continues the chain of the row before it. Each consecutive pair
of members of a chain is a step; what the step claims depends on its context:

- ``\\arg\\min_\\theta A = \\arg\\min_\\theta B`` (or ``\\propto`` between objectives): the same
  minimiser; ``\\arg\\max`` to ``\\arg\\min``: max-to-min; ``\\min_x f`` alone is not a step;
- ``L(\\theta) = ...`` where the left side is a bare name: a definition (nothing to check),
  unless the same name was given a value earlier: then the step goes from that value;
- consecutive rows that are each one equation (``A &= 0 \\\\ B &= 0``): an iff step;
- a chain ending in ``= 0``: the last step sets an expression to zero (a condition).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from derive.verify.read import nodes as N
from derive.verify.read.extract import Document, MathBlock
from derive.verify.read.parse import (
    GREEK,
    Item,
    Notation,
    ParseError,
    Reader,
    _text_content,
    items_of,
    plain,
    relation_of,
)

STEP_RELATIONS = {"=", "approx", "propto", "<=", ">=", "<", ">", "iff", "implies", ":="}
FACT_RELATIONS = {"sim", "in", "to", "!="}
CONNECTIVES = {
    "and", "where", "for", "with", "if", "since", "so", "thus", "then", "hence", "given",
    "because", "as", "when", "s.t.", "subject to", "i.e.", "e.g.", "or", "while", "therefore",
    "which", "we", "get", "gives", "yields", "let", "by", "using", "from", "note",
}


@dataclass
class Member:
    """One side of a relation, as written."""

    items: list
    text: str
    offset: int
    line: int
    node: N.Node | None = None
    error: str | None = None
    error_offset: int | None = None


@dataclass
class Chain:
    members: list = field(default_factory=list)
    relations: list = field(default_factory=list)  # relation names between members
    block: int = 0
    row: int = 0
    conditioned: bool = False  # the left cell had a side condition (f(u),\ u > 0 &= ...)
    error: str | None = None
    error_line: int = 0
    error_text: str = ""

    @property
    def is_fact(self) -> bool:
        return any(r in FACT_RELATIONS for r in self.relations)


@dataclass
class BlockChains:
    block: MathBlock
    index: int
    chains: list = field(default_factory=list)


def _line_of(doc: Document, offset: int, table=None) -> int:
    """The line of an offset (Document.line_of caches its table; in a notebook, the line in the cell)."""
    return doc.line_of(offset)


def _annotation_free(cells):
    """Drop the comment columns of a row: after an empty cell (a && alignment), what follows
    the formula is an annotation such as \\text{by Bayes' rule}."""
    for k in range(1, len(cells)):
        if not cells[k].text and k + 1 < len(cells) and any(c.text for c in cells[:k]):
            return cells[:k]
    return cells


def _row_items(doc: Document, row, table) -> list[Item]:
    out: list[Item] = []
    cells = _annotation_free(row.cells)
    for k, cell in enumerate(cells):
        if not cell.text:
            continue
        items = items_of(cell.text)
        if k == 0 and len(cells) > 1 and cells[1].text[:1] in ("=", "<", ">", "\\"):
            # "f(u),\ u > 0 &= ...": the left cell's side condition after a comma is not the left side
            comma = next((j for j, it in enumerate(items) if it.kind == "op" and it.text == ","), None)
            if comma is not None and comma > 0:
                items = items[:comma]
                out.append(Item("condition", ",", cell.offset, cell.offset))
        for it in items:
            _shift(it, cell.offset)
        out.extend(items)
        out.append(Item("cellbreak", "&", cell.offset + len(cell.text), cell.offset + len(cell.text)))
    if out and out[-1].kind == "cellbreak":
        out.pop()
    return out


def _shift(it: Item, delta: int) -> None:
    it.pos += delta
    it.end += delta
    for _, v in it.scripts:
        if isinstance(v, Item):
            _shift(v, delta)
    for a in it.args:
        _shift(a, delta)
    for b in it.body or []:
        _shift(b, delta)


def _is_separator(it: Item, nxt: Item | None) -> bool:
    if it.kind == "op" and it.text in ("\\quad", "\\qquad"):
        return True
    if it.kind == "op" and it.text in (",", ";"):
        return True  # a top-level comma separates statements (arguments are inside groups)
    if it.kind == "text":
        words = _text_content(it.text).strip().lower().rstrip(",.:;")
        if not words:
            return False
        first = words.split()[0] if words.split() else ""
        if first in CONNECTIVES or words in CONNECTIVES:
            return True
        if len(words.split()) >= 2:
            return True
    return False


def _statements(items: list[Item]) -> list[list[Item]]:
    parts: list[list[Item]] = [[]]
    for k, it in enumerate(items):
        nxt = items[k + 1] if k + 1 < len(items) else None
        if it.kind in ("cellbreak", "condition"):
            continue
        if _is_separator(it, nxt):
            last = parts[-1][-1] if parts[-1] else None
            if it.kind == "op" and it.text in ("\\quad", "\\qquad") and (last is None or relation_of(last)):
                continue  # "\implies \quad u = ...": spacing after a relation, not a new statement
            parts.append([])
            continue
        parts[-1].append(it)
    # a trailing full stop
    out = []
    for p in parts:
        while p and p[-1].kind == "op" and p[-1].text in (".", ","):
            p = p[:-1]
        if p:
            out.append(p)
    return out


def _split_relations(items: list[Item]):
    members: list[list[Item]] = [[]]
    relations: list[str] = []
    merged: list[Item] = []
    for it in items:  # ":=" and "=:" are one relation, a definition
        if merged and it.kind == "op" and it.text == "=" and merged[-1].kind == "op" and merged[-1].text == ":":
            merged[-1] = Item("cmd", "\\coloneqq", merged[-1].pos, it.end)
            continue
        if merged and it.kind == "op" and it.text == ":" and merged[-1].kind == "op" and merged[-1].text == "=":
            merged[-1] = Item("cmd", "\\coloneqq", merged[-1].pos, it.end)
            continue
        merged.append(it)
    for it in merged:
        rel = relation_of(it)
        if rel is not None:
            members.append([])
            relations.append(rel)
        else:
            members[-1].append(it)
    return members, relations


def chains_of_block(doc: Document, block: MathBlock, index: int, notation: Notation) -> BlockChains:
    out = BlockChains(block, index)
    previous: Chain | None = None
    for r, row in enumerate(block.rows):
        try:
            items = _row_items(doc, row, None)
        except ParseError as exc:
            if any(rel in row.text for rel in ("=", "\\approx", "\\propto", "\\le", "\\ge", "<", ">", "\\implies", "\\iff")):
                chain = Chain(block=index, row=r, error=str(exc.message), error_line=row.line,
                              error_text=row.text)
                out.chains.append(chain)
                previous = None
            continue
        for statement in _statements(items):
            members, relations = _split_relations(statement)
            made = [_member(doc, m, notation, row) for m in members]
            if not relations:
                previous = None
                continue
            starts_with_relation = not members[0]
            if starts_with_relation:
                if previous is not None and previous.error is None:
                    for rel, m in zip(relations, made[1:]):
                        if m is not None:
                            previous.members.append(m)
                            previous.relations.append(rel)
                    continue
                chain = Chain(block=index, row=r, error="a relation with nothing on its left",
                              error_line=row.line, error_text=row.text)
                out.chains.append(chain)
                previous = None
                continue
            if any(m is None for m in made):
                # an empty side ("a = " at the end of a row, "= =" typed twice): keep what pairs up
                kept_m, kept_r = [made[0]] if made[0] is not None else [], []
                for rel, m in zip(relations, made[1:]):
                    if m is None:
                        continue
                    if not kept_m:
                        kept_m.append(m)
                        continue
                    kept_m.append(m)
                    kept_r.append(rel)
                made, relations = kept_m, kept_r
                if len(made) < 2:
                    previous = None
                    continue
            chain = Chain(members=made, relations=relations[: max(len(made) - 1, 0)], block=index, row=r,
                          conditioned=any(it.kind == "condition" for it in items))
            out.chains.append(chain)
            previous = chain
    return out


def _row_text(row, start: int, end: int) -> str:
    """The text between two offsets, taken from the row's cells (what the parser saw, even where
    Markdown stripped a '> ' or an indent from the file's lines)."""
    out = []
    for cell in row.cells:
        a, b = cell.offset, cell.offset + len(cell.text)
        lo, hi = max(a, start), min(b, end)
        if lo < hi:
            out.append(cell.text[lo - a : hi - a])
    return " ".join(" ".join(out).split())


def _member(doc: Document, items: list[Item], notation: Notation, row=None) -> Member | None:
    if not items:
        return None
    start, end = items[0].pos, items[-1].end
    text = _row_text(row, start, end) if row is not None else doc.source[start:end].strip()
    member = Member(items, text, start, _line_of(doc, start))
    try:
        member.node = Reader(notation=notation).expression(items)
    except ParseError as exc:
        member.error = exc.message
        member.error_offset = exc.pos
    except RecursionError:
        member.error = "formula nests too deeply"
    return member


# --- reading a chain as steps ----------------------------------------------------------------


def name_like(node) -> bool:
    """A bare name: L(theta), \\hat{\\theta}_{MLE}, x_{k+1}, \\hat{\\sigma}^2, MSE."""
    if isinstance(node, (N.Sym, N.Indexed)):
        return True
    if isinstance(node, N.Pow) and isinstance(node.base, (N.Sym, N.Indexed)) and isinstance(node.exp, N.Num):
        return True
    if isinstance(node, N.Apply):
        return not any(
            isinstance(m, (N.Apply, N.Grad, N.Deriv, N.Opt, N.BigOp)) for a in node.args + node.given for m in a.walk()
        )
    if isinstance(node, N.Transpose) and isinstance(node.arg, N.Sym):
        return False
    return False


def is_zero(node) -> bool:
    return isinstance(node, N.Num) and node.text in ("0", "0.0")


def unknowns_of(node) -> tuple:
    """Decision variables named by the chain: argmin subscripts, derivative variables."""
    out = []
    for n in node.walk():
        if isinstance(n, N.Opt):
            out.extend(n.wrt)
        elif isinstance(n, (N.Deriv,)) and isinstance(n.wrt, (N.Sym, N.Indexed)) or isinstance(n, N.Grad) and isinstance(n.wrt, (N.Sym, N.Indexed)):
            out.append(n.wrt)
    seen = []
    for u in out:
        if u not in seen:
            seen.append(u)
    return tuple(seen)


def decoration_base(node) -> N.Node | None:
    """mu_{MLE} -> mu, \\hat{\\theta} -> theta, theta^* -> theta: the variable an estimate names."""
    if not isinstance(node, N.Sym):
        return None
    name = node.name
    base = name
    for suffix in ("^{\\ast}", "^{*}", "^{\\star}"):
        base = base.replace(suffix, "")
    if "_{" in base:
        head, _, sub = base.partition("_{")
        sub = sub.rstrip("}")
        if sub.upper() in ("MLE", "ML", "MAP", "OLS", "LS", "OPT", "\\TEXT{MLE}", "*", "\\AST", "NEW", "BEST"):
            base = head
    for accent in ("\\hat{", "\\widehat{", "\\tilde{"):
        if base.startswith(accent) and base.endswith("}"):
            base = base[len(accent) : -1]
    if base == name:
        return None
    return N.Sym(base)


def greek_name(word: str) -> str:
    return "\\" + word if word in GREEK else word


def harvest_fact(chain: Chain):
    """Facts a statement states: X in R^{n x d}, theta ~ N(0, s^2 I), eta > 0."""
    facts = []
    if len(chain.members) == 2 and len(chain.relations) == 1:
        left, right = chain.members
        rel = chain.relations[0]
        if rel == "in" and right is not None:
            names = [m for m in _names_list(left.items)]
            shape = _real_space(right.items)
            if names and shape is not None:
                facts.append(("shape", names, shape))
        elif rel in (">", ">=") and right is not None and right.node is not None and is_zero(right.node):
            names = _names_list(left.items)
            if names:
                facts.append(("positive" if rel == ">" else "nonnegative", names, None))
        elif rel == "sim" and left.node is not None and right is not None and right.node is not None:
            facts.append(("distribution", left.node, right.node))
    return facts


def _names_list(items: list[Item]) -> list[str]:
    names = []
    current: list[Item] = []
    for it in items + [Item("op", ",", 0, 0)]:
        if it.kind == "op" and it.text == ",":
            if current:
                try:
                    node = Reader().expression(current)
                except ParseError:
                    return []
                if isinstance(node, N.Sym):
                    names.append(node.name)
                elif isinstance(node, N.Indexed):
                    names.append(node.base + "[]")
                else:
                    return []
            current = []
        else:
            current.append(it)
    return names


def _real_space(items: list[Item]):
    """\\mathbb{R}^{n \\times d} -> ('n', 'd'); \\mathbb{R}^d -> ('d', 1); \\mathbb{R} -> ()."""
    if len(items) != 1:
        return None
    it = items[0]
    if it.kind != "cmd1" or it.text not in ("\\mathbb", "\\mathcal", "\\mathbf"):
        return None
    if plain(it.args[0]) not in ("R",):
        return None
    sup = it.sup()
    if sup is None:
        return ()
    body = sup.body if (sup.kind == "group" and sup.text == "curly") else [sup]
    parts: list[list[Item]] = [[]]
    for x in body:
        if (x.kind == "cmd" and x.text == "\\times") or (x.kind == "op" and x.text == "*") or (x.kind == "letter" and x.text == "x" and parts[-1]):
            parts.append([])
        else:
            parts[-1].append(x)
    dims = []
    for p in parts:
        name = plain(p)
        if not name:
            return None
        dims.append(int(name) if name.isdigit() else greek_name(name))
    if len(dims) == 1:
        return (dims[0], 1)
    if len(dims) == 2:
        return (dims[0], dims[1])
    return None
