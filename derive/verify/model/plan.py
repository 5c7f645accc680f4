"""Chains -> the steps to check, in document order, with what the document said before them.

The plan keeps three things as it walks the document: facts (declarations, ``X \\in
\\mathbb{R}^{n \\times d}``, ``\\sigma > 0``), definitions of functions (``f(x) = x^2``, ``p(\\theta)
\\sim \\mathcal{N}(0, \\lambda^{-1} I)``) and the last value given to a name (so ``J(w) = ...`` in
one block continues from ``J(w) = ...`` in the block before).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from derive.verify.read import nodes as N
from derive.verify.steps.terms import apply_key, find_definition, render, substitute
from derive.verify.read.extract import Document
from derive.verify.read.parse import Notation
from derive.verify.steps.segment import (
    Chain,
    Member,
    chains_of_block,
    decoration_base,
    harvest_fact,
    is_zero,
    name_like,
    unknowns_of,
)
from derive.verify.model.shapes import MATRIX, VECTOR, DeclarationError, Facts, parse_declarations

DENSITY_NAMES = ("p", "P", "f", "q", "\\mathrm{p}", "\\mathrm{P}", "\\mathbb{P}", "\\Pr")
RELATION_TEXT = {
    "=": "=", "approx": "\\approx", "propto": "\\propto", "<=": "\\le", ">=": "\\ge", "<": "<",
    ">": ">", "iff": "\\iff", "implies": "\\implies", ":=": ":=",
}


@dataclass
class Planned:
    """One step to report: where it is, what it claims, and what the checker needs."""

    line: int
    source: str
    relation: str  # as written: "=", "\\approx", "\\propto", ...
    check: str  # equal | same_minimiser | max_to_min | iff | implies | inequality | approx |
    #             definition | condition | unparsed | proportional | value_of_optimum
    before: N.Node | None = None
    after: N.Node | None = None
    before_text: str = ""
    wrt: tuple = ()
    reason: str = ""
    scope_nodes: tuple = ()
    definitions: dict = field(default_factory=dict)
    block: int = 0
    before_items: list | None = None
    after_items: list | None = None
    inequality: str = ""
    column: int | None = None
    facts: Facts | None = None
    symbols: dict = field(default_factory=dict)
    bounds: dict = field(default_factory=dict)
    implicit_zero: tuple | None = None  # (expression, line) of a derivative the prose sets to 0 just before
    seed: int = 0


@dataclass
class Plan:
    steps: list = field(default_factory=list)
    facts: Facts = field(default_factory=Facts)
    notation: Notation = field(default_factory=Notation)


def plan_document(doc: Document) -> Plan:
    declared = Facts()
    for d in doc.declarations:
        try:
            declared = declared.merged(parse_declarations(d.text))
        except DeclarationError as exc:
            raise DeclarationError(f"{doc.path}:{d.line}: {exc}") from None
    notation = Notation(frozenset(declared.functions), frozenset(declared.not_functions), **doc.notation_hints())
    # first pass: every block (display and inline) -> chains, harvested facts
    display_set = set(doc.blocks)  # a set: a list membership test here was quadratic under --inline
    all_blocks = sorted(
        [(b.offset, b, True) for b in doc.blocks]
        + [(b.offset, b, False) for b in doc.inline if b not in display_set],
        key=lambda t: t[0],
    )
    harvested = Facts()
    parsed = []
    snapshots = []
    for index, (_, block, display) in enumerate(all_blocks):
        try:
            bc = chains_of_block(doc, block, index, notation)
        except Exception:  # noqa: BLE001 - reported as an unreadable block below
            from derive.verify.steps.segment import BlockChains

            bc = BlockChains(block, index)
            if display:
                bc.chains.append(Chain(block=index, error="derive verify could not split this block into steps",
                                       error_line=block.line, error_text=block.text.strip()[:200]))
        parsed.append((bc, display))
        for chain in bc.chains:
            for kind, names, value in harvest_fact(chain):
                if kind == "shape":
                    for name in names:
                        if value == ():
                            harvested.kinds.setdefault(name, "scalar")
                        elif value[1] == 1:
                            harvested.kinds[name] = VECTOR
                        else:
                            harvested.kinds[name] = MATRIX
                elif kind in ("positive", "nonnegative"):
                    getattr(harvested, kind).update(names)
        # what the document has stated so far (a statement holds from where it is made on)
        snapshots.append(_copy_facts(harvested).merged(declared))
    planner = _Planner(doc, declared)
    bounds = _usual_bounds(parsed)
    sections = [_section_of(bc.block.offset, doc.sections) for bc, _ in parsed]
    stated = _names_stated_inline(parsed, sections)
    functions = _functions_stated_inline(parsed, sections)
    planner.symbols = dict(stated.get(0, {}))
    planner.prose_definitions = functions.get(0, [])
    current = 0
    for (bc, display), facts, section in zip(parsed, snapshots, sections):
        if section != current:
            current = section
            planner.new_section()
            planner.section = section
            planner.symbols.update(stated.get(section, {}))
            planner.prose_definitions = planner.prose_definitions + functions.get(section, [])
        planner.facts = facts
        before = len(planner.steps)
        try:
            planner.block(bc, display)
        except Exception as exc:  # noqa: BLE001 - one unreadable block must not stop the document
            del planner.steps[before:]
            if display:
                planner.steps.append(Planned(
                    bc.block.line, bc.block.text.strip()[:200], "", "unparsed",
                    reason=f"derive verify could not read this block ({type(exc).__name__}: {str(exc)[:120]})",
                    block=bc.index,
                ))
    for step in planner.steps:
        step.bounds = bounds
    return Plan(planner.steps, declared, notation)


def _section_of(offset: int, boundaries) -> int:
    return sum(1 for b in boundaries if b <= offset)


def _names_stated_inline(parsed, sections) -> dict:
    """Per section, the names the prose gives a value ($\\bar x = \\frac1n \\sum_i x_i$), wherever in the
    section they are stated ("where ..." often follows the formula)."""
    out: dict = {}
    for (bc, display), section in zip(parsed, sections):
        if display:
            continue
        for chain in bc.chains:
            if chain.error is None and chain.relations[:1] == ["="] and len(chain.members) >= 2:
                lhs, rhs = chain.members[0].node, chain.members[1].node
                if isinstance(lhs, N.Sym) and rhs is not None and not isinstance(rhs, N.Opt) \
                        and not _mentions_any(rhs, {lhs.name}):
                    out.setdefault(section, {}).setdefault(lhs.name, rhs)
    return out


def _functions_stated_inline(parsed, sections) -> dict:
    """Per section, the functions the prose defines ($p(w) = \\mathcal{N}(w \\mid 0, \\tau^2 I)$)."""
    out: dict = {}
    for (bc, display), section in zip(parsed, sections):
        if display:
            continue
        for chain in bc.chains:
            if chain.error is None and chain.relations[:1] == ["="] and len(chain.members) == 2:
                lhs, rhs = chain.members[0].node, chain.members[1].node
                if isinstance(lhs, N.Apply) and rhs is not None and not isinstance(rhs, N.Opt):
                    out.setdefault(section, []).append((lhs, rhs))
    return out


def _usual_bounds(parsed) -> dict:
    """For each summation index, the upper bound the document writes most often (for \\sum_i)."""
    counts: dict = {}
    for bc, _ in parsed:
        for chain in bc.chains:
            for m in chain.members:
                if m is None or m.node is None:
                    continue
                for n in m.node.walk():
                    if isinstance(n, N.BigOp) and n.hi is not None and isinstance(n.hi, (N.Sym, N.Num)):
                        key = (n.index, n.hi)
                        counts[key] = counts.get(key, 0) + 1
    best: dict = {}
    for (index, hi), c in sorted(counts.items(), key=lambda kv: -kv[1]):
        best.setdefault(index, hi)
    return best


def _copy_facts(f: Facts) -> Facts:
    return Facts().merged(f)


class _Planner:
    def __init__(self, doc: Document, facts: Facts):
        self.doc = doc
        self.facts = facts
        self.steps: list[Planned] = []
        self.definitions: dict = {}
        self.values: dict = {}  # render(name) -> node
        self.symbols: dict = {}  # a name given a value: \\bar x = (1/n) sum x_i, eta = 0.1
        self.unknowns: tuple = ()
        self.last_equation = None  # (node lhs, node rhs, line, block index, end line)
        self.laws: dict = {}  # name or base of x_i -> (the subject as written, its Density law)
        self.carried_equation = None  # the equation the next block may continue (solve, rearrange)
        self.section = 0
        self.def_sections: dict = {}  # definition key -> the section that stated it
        self._derivative_equation = None
        self.last_derivative = None
        self.conditions: list = []  # "expression = 0" so far (stationarity): (node, line, names differentiated in)

    def new_section(self) -> None:
        """A heading or a rule: what the document stated holds on (a redefinition replaces it);
        only the unknowns of the last equation are forgotten."""
        self.unknowns = ()

    # -- context --
    def _record_definition(self, lhs: N.Node, rhs: N.Node, require_mention: bool = True) -> bool:
        """f(x) = body: remember body for later applications of f (parameters: names or x_i)."""
        if not isinstance(lhs, N.Apply) or lhs.primes != 0:
            return False
        params = []
        for a in lhs.args + lhs.given:
            if isinstance(a, (N.Sym, N.Indexed)):
                params.append(a)
            else:
                return False
        names = set()
        for p in params:
            names.add(p.name if isinstance(p, N.Sym) else p.base)
            if isinstance(p, N.Indexed) and any(isinstance(n, N.Sym) and n.name == p.base for n in rhs.walk()) \
                    and not any(n == p for n in rhs.walk()):
                return False  # p(x_i) defined by a formula in x: a slip, not a definition to use
        if (require_mention and not _mentions_any(rhs, names)) or _has_apply(rhs, lhs.fn) or isinstance(rhs, N.Opt):
            return False
        if _mixes_name_and_indexed(rhs):
            return False  # x next to x_i: most likely a slip in the formula; do not build on it
        if isinstance(rhs, N.Density) and rhs.x is None:
            return False
        entries = [e for e in self.definitions.get(apply_key(lhs), []) if e[0] != tuple(params)]
        self.definitions[apply_key(lhs)] = entries + [(tuple(params), rhs)]
        self.def_sections[apply_key(lhs)] = self.section
        return True

    def _defined(self, node) -> bool:
        found = find_definition(self.definitions, node)
        return found is not None and (found[0] == node.args + node.given or found[0] == node.args)

    def _define_from_chain(self, lhs: N.Node, members) -> None:
        """Of a chain L(theta) = A = B = ..., keep the first member that is fully written out."""
        candidates = [m.node for m in members if m.node is not None and not is_zero(m.node)
                      and not isinstance(m.node, N.Opt)]
        known = lambda n: all(
            find_definition(self.definitions, x) is not None for x in n.walk() if isinstance(x, N.Apply)
        )
        for choose, mention in ((lambda n: not _has_any_apply(n), True), (known, True),
                                (lambda n: not _has_any_apply(n), False), (known, False)):
            for c in candidates:
                if choose(c) and self._record_definition(lhs, c, require_mention=mention):
                    return

    def _distribution(self, subject: N.Node, law: N.Node) -> None:
        """theta ~ N(0, s^2): p(theta) is that density."""
        if not isinstance(law, N.Density) or law.x is not None:
            return
        if isinstance(subject, N.Apply):
            point = subject.args[0] if subject.args else None
            if point is None or not isinstance(point, (N.Sym, N.Indexed)):
                return
            density = N.Density(law.family, point, law.params)
            self._record_definition(subject, density)
            return
        if isinstance(subject, (N.Sym, N.Indexed)):
            self.laws[subject.name if isinstance(subject, N.Sym) else subject.base] = (subject, law)
            for fn in ("p", "P", "\\mathrm{p}", "\\mathrm{P}"):
                app = N.Apply(fn, (subject,))
                if isinstance(subject, N.Sym):
                    self._record_definition(app, N.Density(law.family, subject, law.params))

    # -- blocks --
    def block(self, bc, display: bool) -> None:
        chains = bc.chains
        nodes = []
        for chain in chains:
            for m in chain.members:
                if m is not None and m.node is not None:
                    nodes.append(m.node)
        for chain in chains:
            if chain.error is None and len(chain.members) == 2 and chain.relations == ["sim"]:
                left, right = chain.members
                if left.node is not None and right.node is not None:
                    self._distribution(left.node, right.node)
        if not display:
            # inline math: only facts and definitions, never steps
            for chain in chains:
                if chain.error is None and chain.relations and chain.relations[0] in ("=", ":=") \
                        and chain.members and chain.members[0].node is not None and len(chain.members) >= 2 \
                        and chain.members[1].node is not None:
                    lhs, rhs = chain.members[0].node, chain.members[1].node
                    if isinstance(lhs, N.Apply) and len(chain.members) == 2:
                        self._record_definition(lhs, rhs)
                    elif isinstance(lhs, N.Sym) and not isinstance(rhs, N.Opt) and not _mentions_any(rhs, {lhs.name}):
                        self.symbols[lhs.name] = rhs
            return
        for n in nodes:
            found = unknowns_of(n)
            if found:
                self.unknowns = found
        self._forget_restated(chains)
        previous_equation = self.carried_equation  # "A = 0" (or "dL/dx = A") in the block before
        self.carried_equation = None
        previous_row = None
        for k, chain in enumerate(chains):
            if chain.error is not None:
                self.steps.append(Planned(chain.error_line, chain.error_text, "", "unparsed",
                                          reason=chain.error, block=bc.index))
                previous_equation = None
                continue
            if chain.is_fact or not chain.members:
                previous_equation = None
                continue
            if previous_row is not None and chain.row != previous_row + 1:
                previous_equation = None  # equations of one row, side by side, are separate claims
            previous_row = chain.row
            self._derivative_equation = None
            previous_equation = self.chain(chain, bc, nodes, previous_equation)
        # the next block continues an equation only when it is "... = 0" (a condition to rearrange or
        # solve); an identity after an identity is its own claim
        self.last_derivative = None
        if self._derivative_equation is not None:
            self.last_derivative = (self._derivative_equation[0].node, self._derivative_equation[0].line)
        carried = previous_equation
        if carried is not None and not (carried[1].node is not None and is_zero(carried[1].node)):
            carried = None
        self.carried_equation = carried

    def chain(self, chain: Chain, bc, nodes, previous_equation):
        members, relations = chain.members, chain.relations
        # split at logical relations: A = B = 0 \implies C = D
        groups: list[list] = [[members[0]]]
        group_rel: list[list] = [[]]
        logical: list[str] = []
        for rel, m in zip(relations, members[1:]):
            if rel in ("implies", "iff"):
                groups.append([m])
                group_rel.append([])
                logical.append(rel)
            else:
                groups[-1].append(m)
                group_rel[-1].append(rel)
        if logical and all(r for r in group_rel) and all(
            x in ("=", "<", ">", "<=", ">=") for r in group_rel for x in r
        ):
            # statements joined by implies/iff: steps inside each group, then implication steps
            eqs, starts = [], []
            for k, (g, r) in enumerate(zip(groups, group_rel)):
                if len(g) > 2 and all(x == "=" for x in r):
                    self._plain_chain(g, r, bc, nodes, ends_in_condition=True)
                elif k == 0 and len(g) == 2 and r == ["="] and _is_derivative_claim(g[0].node, self):
                    self._plain_chain(g, r, bc, nodes)
                eqs.append((g[-2], g[-1], r[-1]))
                starts.append((g[0], g[1], r[0]))
            if previous_equation is not None and len(groups[0]) == 2 and group_rel[0] == ["="]:
                self._equation_step(previous_equation, starts[0][:2], "iff", bc, nodes)
            for k, rel in enumerate(logical):
                self._equation_step(eqs[k][:2], starts[k + 1][:2], rel, bc, nodes,
                                    before_rel=eqs[k][2], after_rel=starts[k + 1][2])
            last = eqs[-1]
            return last[:2] if last[2] == "=" else None
        if logical:
            # objectives or mixed: treat implies/iff as steps between members
            for i, rel in enumerate(relations):
                self._step(members, i, rel, bc, nodes, chain)
            return None
        single_equation = len(members) == 2 and relations == ["="]
        first = members[0]
        if single_equation and first.node is not None and members[1].node is not None \
                and not name_like(first.node) and previous_equation is not None \
                and not any(isinstance(n, (N.Deriv, N.Grad)) for n in first.node.walk()):
            self._equation_step(previous_equation, (members[0], members[1]), "iff", bc, nodes)
            return (members[0], members[1])
        if chain.conditioned and relations and relations[0] == "=":
            relations = [":="] + relations[1:]  # a case of a definition: f(u), u > 0 = ... defines that branch
        self._plain_chain(members, relations, bc, nodes)
        if first.node is not None and _is_derivative_claim(first.node, self) and members[-1].node is not None \
                and not is_zero(members[-1].node) and isinstance(first.node, (N.Deriv, N.Grad)):
            # "dL/dp = A", the prose sets it to 0: the next block may solve or rearrange "A = 0"
            last = members[-1]
            zero = Member([], "0", last.offset, last.line, node=N.Num("0"))
            self._derivative_equation = (last, zero)
            wrt = {n.name for n in first.node.wrt.walk() if isinstance(n, N.Sym)} if first.node.wrt is not None else set()
            self.conditions = (self.conditions + [(last.node, last.line, wrt)])[-8:]
        if first.node is not None and (name_like(first.node) or _is_derivative_claim(first.node, self)) \
                and not (members[-1].node is not None and is_zero(members[-1].node)):
            return None  # a definition or a computed derivative: not an equation to carry on
        if single_equation or (relations and relations[-1] == "=" and members[-1].node is not None and is_zero(members[-1].node)):
            if len(members) >= 2 and members[-2].node is not None:
                return (members[-2], members[-1])
        return None

    def _plain_chain(self, members, relations, bc, nodes, ends_in_condition=False):
        """Steps between consecutive members; remember what the chain's named left side is."""
        last_index = len(relations) - 1
        for i, rel in enumerate(relations):
            if ends_in_condition and i == last_index and rel == "=":
                b, a = members[i], members[i + 1]
                if b.node is not None and a.node is not None and not name_like(b.node):
                    self.steps.append(Planned(
                        a.line, f"= {a.text}", "=", "condition", before=b.node, after=a.node,
                        before_text=b.text, block=bc.index,
                        reason="the last equation of a chain that implies the next: an equation to solve",
                    ))
                    continue
            self._step(members, i, rel, bc, nodes, None)
        first = members[0]
        if first.node is not None and name_like(first.node) and relations and relations[0] in ("=", ":="):
            last = None
            for m in members[1:]:
                if m.node is not None and not is_zero(m.node):
                    last = m.node
            if last is not None and _linkable(first.node):
                self.values[render(first.node)] = last
            if isinstance(first.node, N.Apply) and (relations[0] == ":=" or not self._defined(first.node)):
                self._define_from_chain(first.node, members[1:])
            if isinstance(first.node, (N.Sym,)) and len(members) >= 2:
                value = next((m.node for m in members[1:] if m.node is not None and not is_zero(m.node)), None)
                if value is not None and not isinstance(value, N.Opt) and not _mentions_any(value, {first.node.name}):
                    self.symbols[first.node.name] = value
        log_of = _log_of_apply(first.node) if first.node is not None else None
        if log_of is not None and relations and relations[0] == "=" and find_definition(self.definitions, log_of) is None:
            value = next((m.node for m in members[1:] if m.node is not None and not isinstance(m.node, N.Opt)), None)
            if value is not None and not _has_apply(value, log_of.fn):
                self._record_definition(log_of, N.Call("exp", (value,)), require_mention=False)

    def _equation_step(self, before_eq, after_eq, rel, bc, nodes, before_rel="=", after_rel="="):
        (a, b), (c, d) = before_eq, after_eq
        line = c.line
        source = f"{c.text} {RELATION_TEXT.get(after_rel, after_rel)} {d.text}"
        bad = next((m for m in (a, b, c, d) if m.node is None), None)
        if bad is not None:
            self.steps.append(Planned(line, source, RELATION_TEXT[rel], "unparsed",
                                      reason=_member_reason(bad), block=bc.index))
            return
        before = N.Equation(a.node, before_rel, b.node)
        after = N.Equation(c.node, after_rel, d.node)
        wrt = self.unknowns
        solved = decoration_base(c.node)
        check = "iff"
        if after_rel != "=" or before_rel != "=":
            check = "implies_inequality"
        elif rel == "implies" and solved is not None:
            after = N.Equation(solved, "=", d.node)
            wrt = (solved,)
            check = "implies"
        elif rel == "implies" and isinstance(c.node, (N.Sym, N.Indexed)):
            wrt = (c.node,)
            check = "implies"
        self.steps.append(Planned(
            line, source, RELATION_TEXT[rel], check, before=before, after=after,
            before_text=f"{a.text} = {b.text}", wrt=tuple(wrt), scope_nodes=tuple(nodes) + (before, after),
            definitions=dict(self.definitions), block=bc.index, facts=self.facts, symbols=dict(self.symbols),
        ))

    def _step(self, members, i, rel, bc, nodes, chain):
        before_m: Member = members[i]
        after_m: Member = members[i + 1]
        line = after_m.line
        source = f"{RELATION_TEXT.get(rel, rel)} {after_m.text}"
        base = dict(line=line, source=source, relation=RELATION_TEXT.get(rel, rel), block=bc.index,
                    before_text=before_m.text)
        if i == 0 and rel in ("=", ":=") and before_m.node is not None and name_like(before_m.node) \
                and after_m.node is None:
            self.steps.append(Planned(check="definition", reason=(
                f"defines {render(before_m.node)}: nothing to check (its value is not read: {_member_reason(after_m)})"
            ), **base))
            return
        if after_m.node is None or before_m.node is None:
            bad = after_m if after_m.node is None else before_m
            self.steps.append(Planned(check="unparsed", reason=_member_reason(bad), **base))
            return
        before, after = before_m.node, after_m.node
        if rel == ":=":
            self.steps.append(Planned(check="definition", reason="a definition (:=): nothing to check", **base))
            return
        derivative_of_defined = isinstance(before, N.Apply) and before.primes > 0 and find_definition(
            self._with_prose_definitions(), N.Apply(before.fn, before.args, before.given, before.params, 0)
        ) is not None
        if derivative_of_defined:
            self._compare(before, after, rel, base, nodes, items=(before_m.items, after_m.items))
            return
        law = self._law_of(before) if i == 0 and rel in ("=", "propto") else None
        if law is None and i == 0 and rel == "propto":
            law = self._posterior_of(before)
        if law is not None and find_definition(self._with_prose_definitions(), before) is None:
            density, words = law
            if rel == "=":
                self._record_definition(before, density, require_mention=False)
            self._compare(density, after, rel, base, nodes, note=f"checked against the stated distribution {words}",
                          wrt=(before.args[0],) if rel == "propto" else None)
            return
        solves = self._solves(before, after) if i == 0 and rel == "=" and len(members) == 2 else None
        if solves is not None:
            condition, line, var = solves
            self.steps.append(Planned(
                check="solves", before=N.Equation(condition, "=", N.Num("0")), after=N.Equation(var, "=", after),
                wrt=(var,), scope_nodes=tuple(nodes) + (condition, after), definitions=self._with_prose_definitions(),
                facts=self.facts, symbols=dict(self.symbols),
                reason=f"the equation of line {line}", **base))
            return
        # the first step of a chain whose left side is a bare name
        if i == 0 and name_like(before) and rel in ("=",) and not isinstance(before, N.Opt):
            key = render(before)
            previous = self.values.get(key) if _linkable(before) else None
            if previous is not None and previous != after:
                self._compare(previous, after, rel, base, nodes,
                              note=f"continues from the earlier value of {key}")
                return
            self.steps.append(Planned(check="definition", reason=f"defines {key}: nothing to check", **base))
            return
        log_of = _log_of_apply(before)
        if i == 0 and rel == "=" and log_of is not None and find_definition(self.definitions, log_of) is None \
                and not isinstance(after, N.Opt):
            self.steps.append(Planned(check="definition", reason=f"defines {render(before)}: nothing to check", **base))
            return
        if i > 0 and rel == "=" and isinstance(before, N.Apply) and name_like(before) \
                and not isinstance(after, N.Opt) and not _has_any_apply(after):
            key = render(before)
            self._define_from_chain(before, members[i + 1 :])
            self.steps.append(Planned(check="definition", reason=f"defines {key}: nothing to check", **base))
            return
        if len(members) == 2 and rel in (">", ">=", "<", "<=") and isinstance(before, (N.Sym, N.Indexed)) \
                and is_zero(after):
            return  # a premise such as eta > 0
        if rel == "=" and is_zero(after) and i == len(members) - 2 and not is_zero(before):
            head = members[0].node
            wrt = set()
            if isinstance(head, (N.Deriv, N.Grad)) and head.wrt is not None:
                wrt = {n.name for n in head.wrt.walk() if isinstance(n, N.Sym)}
            self.conditions = (self.conditions + [(before, line, wrt)])[-8:]
            self.steps.append(Planned(
                check="condition", reason="sets the expression to 0: an equation to solve, not an identity",
                before=before, after=after, scope_nodes=tuple(nodes), definitions=dict(self.definitions), **base))
            return
        self._compare(before, after, rel, base, nodes, items=(before_m.items, after_m.items))

    def _forget_restated(self, chains) -> None:
        """A later section that writes a defined name inside a chain (N(mu, Sigma) = P(x_i | theta) = ...)
        is stating it anew: the earlier section's definition no longer applies."""
        for chain in chains:
            if chain.error is not None or not chain.relations or chain.relations[0] not in ("=", ":="):
                continue
            for m in chain.members[1:]:
                node = m.node if m is not None else None
                if isinstance(node, N.Apply) and node.primes == 0:
                    key = apply_key(node)
                    if key in self.definitions and self.def_sections.get(key, self.section) < self.section:
                        del self.definitions[key]

    def _law_of(self, node):
        """p(y_i | x_i, w) with y_i ~ N(...) stated: (that density at the point, the statement)."""
        if not isinstance(node, N.Apply) or node.primes or not node.args or node.fn not in DENSITY_NAMES:
            return None
        point = node.args[0]
        if isinstance(point, N.Sym) and point.name in self.laws:
            subject, law = self.laws[point.name]
            if not isinstance(subject, N.Sym):
                return None
            density = N.Density(law.family, point, law.params)
        elif isinstance(point, N.Indexed) and point.base in self.laws:
            subject, law = self.laws[point.base]
            if not isinstance(subject, N.Indexed) or len(subject.indices) != len(point.indices):
                return None
            mapping = {s.name: p for s, p in zip(subject.indices, point.indices) if isinstance(s, N.Sym)}
            density = N.Density(law.family, point, tuple(substitute(q, mapping) for q in law.params))
        else:
            return None
        # p(y_i | x_i, w) takes the law of y_i only when what it is conditioned on is what the law
        # is written in (p(w | y) is a posterior, not the prior of w)
        in_law = {n.name for q in law.params for n in q.walk() if isinstance(n, N.Sym)} | {
            n.base for q in law.params for n in q.walk() if isinstance(n, N.Indexed)}
        for g in node.given:
            names = {n.name for n in g.walk() if isinstance(n, N.Sym)} | {
                n.base for n in g.walk() if isinstance(n, N.Indexed)}
            if not names & in_law:
                return None
        return density, f"{render(subject)} \\sim {render(law)}"

    def _posterior_of(self, node):
        """p(w | y) with w ~ prior and y ~ a law written in w: (likelihood times prior, the statements)."""
        if not isinstance(node, N.Apply) or node.primes or len(node.args) != 1 or not node.given \
                or node.fn not in DENSITY_NAMES:
            return None
        prior = self._law_of(N.Apply(node.fn, node.args))
        if prior is None:
            return None
        factors, words = [prior[0]], [prior[1]]
        var = node.args[0]
        for g in node.given:
            if not isinstance(g, (N.Sym, N.Indexed)):
                return None
            likelihood = self._law_of(N.Apply(node.fn, (g,), (var,)))
            if likelihood is None:
                return None
            factors.append(likelihood[0])
            words.append(likelihood[1])
        return N.Mul(tuple(factors)), " and ".join(words) + " (Bayes' rule: likelihood times prior)"

    def _solves(self, before, after):
        """x^* = formula after "expression in x = 0": (the expression, its line, x)."""
        if not self.conditions or not isinstance(before, N.Sym) or after is None or isinstance(after, N.Opt):
            return None
        for var in (decoration_base(before), before):
            if var is None or _mentions_any(after, {var.name, before.name}):
                continue
            # the condition differentiated in this variable, else the latest that mentions it
            mentions = [c for c in self.conditions
                        if var.name in {n.name for n in c[0].walk() if isinstance(n, N.Sym)}]
            chosen = [c for c in mentions if var.name in c[2]] or [c for c in mentions if not c[2]]
            if chosen:
                condition, line, _ = chosen[-1]
                return condition, line, var
        return None

    def _with_prose_definitions(self) -> dict:
        """The definitions so far, plus functions the prose of this section defines anywhere."""
        defs = dict(self.definitions)
        for lhs, rhs in getattr(self, "prose_definitions", []):
            if find_definition(defs, lhs) is None:
                saved = self.definitions
                self.definitions = defs
                try:
                    self._record_definition(lhs, rhs)
                finally:
                    defs = self.definitions
                    self.definitions = saved
        return defs

    def _compare(self, before, after, rel, base, nodes, note: str = "", items=(None, None), wrt=None):
        defs = self._with_prose_definitions()
        base = dict(base, facts=self.facts, before_items=items[0], after_items=items[1], symbols=dict(self.symbols))
        scope = tuple(nodes) + (before, after)
        if isinstance(before, N.Opt) or isinstance(after, N.Opt):
            b_obj, a_obj = _objective(before), _objective(after)
            kinds = (_opt_kind(before), _opt_kind(after))
            wrt = tuple(dict.fromkeys((before.wrt if isinstance(before, N.Opt) else ()) + (after.wrt if isinstance(after, N.Opt) else ())))
            if not wrt:
                wrt = _arguments(b_obj) + _arguments(a_obj)
            if not wrt:
                wrt = self.unknowns
            if rel not in ("=", "propto", "iff", "implies", "approx"):
                self.steps.append(Planned(check="undecided", reason="an inequality between optimisation problems", **base))
                return
            if "value" in kinds:
                self.steps.append(Planned(check="undecided", reason="compares optimal values (min/max), not minimisers", **base))
                return
            check = "same_minimiser" if kinds[0] == kinds[1] or None in kinds else "max_to_min"
            sense = kinds[0] or kinds[1]
            self.steps.append(Planned(check=check, before=b_obj, after=a_obj, wrt=wrt, scope_nodes=scope,
                                      definitions=defs, reason=note or ("argmax" if sense == "max" else "argmin"), **base))
            return
        check = {
            "=": "equal", "approx": "approx", "propto": "proportional", "<=": "inequality",
            ">=": "inequality", "<": "inequality", ">": "inequality", "iff": "iff", "implies": "implies",
        }.get(rel, "undecided")
        if check == "proportional" and wrt is None:
            # p(w | D) \propto ...: proportional as a function of the density's variable
            wrt = tuple(before.args[:1]) if isinstance(before, N.Apply) and before.args else None
        implicit = self.last_derivative if check == "equal" and not name_like(before) else None
        self.steps.append(Planned(check=check, before=before, after=after, scope_nodes=scope, implicit_zero=implicit,
                                  definitions=defs, inequality=rel if check == "inequality" else "",
                                  reason=note, wrt=tuple(wrt) if wrt is not None else self.unknowns, **base))


def _is_derivative_claim(node, planner) -> bool:
    """f''(u) = 2, d f / d x = ...: a computed derivative, worth checking on its own."""
    if isinstance(node, (N.Deriv, N.Grad)):
        return True
    return isinstance(node, N.Apply) and node.primes > 0


def _log_of_apply(node):
    """log L(theta) (a log-likelihood named after its likelihood): the application L(theta)."""
    if isinstance(node, N.Call) and node.fn == "log" and isinstance(node.args[0], N.Apply) and name_like(node.args[0]):
        return node.args[0]
    return None


def _linkable(node) -> bool:
    """Names whose earlier value a later 'name = ...' continues from: J(w), \\hat\\theta_{MAP}."""
    if isinstance(node, N.Apply):
        return True
    if isinstance(node, N.Sym):
        return "_{" in node.name or node.name.startswith(("\\hat", "\\widehat", "\\tilde")) or "^{" in node.name
    return False


def _arguments(node) -> tuple:
    """theta of l(theta) when an objective is a named function of its variable."""
    out = []
    for n in node.walk():
        if isinstance(n, N.Apply):
            for a in n.args + n.given:
                if isinstance(a, N.Sym) and a not in out and len(a.name) > 0:
                    out.append(a)
    return tuple(out[:1])


def _member_reason(m: Member) -> str:
    if m.error_offset is not None:
        return f"{m.error} (column {m.error_offset - m.offset + 1} of '{m.text[:60]}')" if m.error_offset >= m.offset else m.error
    return m.error or "cannot read"


def _objective(node):
    return node.body if isinstance(node, N.Opt) else node


def _opt_kind(node):
    if not isinstance(node, N.Opt):
        return None
    if node.kind in ("argmin",):
        return "min"
    if node.kind in ("argmax",):
        return "max"
    if node.kind in ("min", "max"):
        # \min_x written for argmin is common in derivations of minimisers; \text{minimize} too
        return node.kind
    return "value"


def _mixes_name_and_indexed(node) -> bool:
    plain = {n.name for n in node.walk() if isinstance(n, N.Sym)}
    bases = {n.base for n in node.walk() if isinstance(n, N.Indexed)}
    return bool(plain & bases)


def _mentions_any(node, names) -> bool:
    for n in node.walk():
        if isinstance(n, N.Sym) and n.name in names:
            return True
        if isinstance(n, N.Indexed) and n.base in names:
            return True
        if isinstance(n, N.Indexed):
            for i in n.indices:
                for m in i.walk():
                    if isinstance(m, N.Sym) and m.name in names:
                        return True
    return False


def _has_apply(node, fn) -> bool:
    return any(isinstance(n, N.Apply) and n.fn == fn for n in node.walk())


def _has_any_apply(node) -> bool:
    return any(isinstance(n, (N.Apply,)) for n in node.walk())


def apply_key_of(node):
    return apply_key(node) if isinstance(node, N.Apply) else None


def _only_self_reference(before, after) -> bool:
    """x = x + 0 style restatements are checked; a name defined by an expression is not."""
    return False
