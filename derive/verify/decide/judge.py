"""One planned step -> a verdict, using the engine's checker (run inside a killable worker).

Before a step is called wrong, every cheaper explanation is tried: the other readings of
ambiguous notation, an implicit sum over a free index, a monotone log between objectives. A
failure is reported as undecided, not wrong, when the step depends on something the document
does not pin down: a function it never defines, a substitution (names vanish on one side while
others appear), or a value given in the prose (the step holds for one value of a symbol).
"""

from __future__ import annotations

from dataclasses import replace

import sympy as sp

from derive.verify.read import nodes as N
from derive.verify.decide.build import (
    BOUNDS,
    Built,
    BuildError,
    NeedSizes,
    build_with_sizes,
    explicit_form,
    is_matrix,
    scalarize,
)
from derive.verify.decide.verdict import UNDECIDED, UNPARSED, VERIFIED, WRONG, Outcome
from derive.verify.model.shapes import Facts, ShapeError, _strip, infer_scope
from derive.verify.read.parse import Notation, ParseError, Reader, Reading, _free_index_names
from derive.verify.steps.terms import (
    bound_indices,
    expand,
    find_definition,
    names_of,
    opaque_terms,
    render,
    substitute,
)

SYMMETRIC_LETTERS = {"\\Sigma", "\\Lambda", "H", "S"}
CONSTANT_NAMES = {"I", "\\mathbf{I}", "\\mathbb{I}", "\\pi", "e", "\\mathbf{1}", "\\mathbf{0}"}
FULL_RANK_LETTERS = {"X", "\\Phi", "A_{full}"}
READINGS = (
    Reading(),
    Reading(fn_scope="product"),
    Reading(sum_scope="wide"),
    Reading(sum_scope="narrow"),
    Reading(fn_scope="product", sum_scope="wide"),
)




def assumptions_for(built: Built, facts):
    from derive.core.derivation import Assumption

    out = []
    seen = set()
    for obj in built.namer.opaque.values():
        if getattr(obj, "is_positive", False) and isinstance(obj, (sp.Symbol, sp.IndexedBase)):
            out.append(Assumption.positive(obj, f"{built.namer.name_of(obj)} > 0 (a density)"))
    for m in _matrix_symbols(built):
        display = built.namer.display.get(m.name, m.name)
        letter = _strip(display)
        if m.name in seen or m.shape[0] != m.shape[1]:
            if m.name not in seen and (display in facts.full_column_rank or letter in FULL_RANK_LETTERS) \
                    and m.shape[0] != m.shape[1]:
                out.append(Assumption.full_column_rank(m, f"{display} has full column rank"))
                seen.add(m.name)
            continue
        seen.add(m.name)
        if display in facts.positive_definite or letter in ("\\Sigma",):
            out.append(Assumption.positive_definite(m, f"{display} is symmetric positive definite"))
        elif display in facts.symmetric or letter in SYMMETRIC_LETTERS or _strip(display) in facts.symmetric:
            out.append(Assumption.symmetric(m, f"{display} is symmetric"))
    return tuple(out)


def _matrix_symbols(built: Built):
    out = []
    for e in (built.before, built.after):
        if isinstance(e, sp.Basic):
            out.extend(e.atoms(sp.MatrixSymbol))
    return sorted(set(out), key=lambda m: m.name)


# --- the judge -----------------------------------------------------------------------------------


def judge(step, facts, notation) -> Outcome:
    """Decide one planned step (called in the worker)."""
    kind = step.check
    if kind == "unparsed":
        return Outcome(UNPARSED, None, step.reason)
    if kind == "definition":
        return Outcome(UNDECIDED, "definition", step.reason)
    if kind == "undecided":
        return Outcome(UNDECIDED, None, step.reason)
    if kind == "condition":
        return Outcome(UNDECIDED, "condition", step.reason)
    SEED[0] = int(getattr(step, "seed", 0) or 0)
    if step.facts is not None:
        facts = step.facts
    BOUNDS.clear()
    BOUNDS.update(getattr(step, "bounds", None) or {})
    defs = step.definitions
    symbols = getattr(step, "symbols", None) or {}
    variables = _plain_names(step.before) | _plain_names(step.after)
    before = expand(_named_bodies(_as_products(step.before, variables, defs), symbols), defs)
    after = expand(_named_bodies(_as_products(step.after, variables, defs), symbols), defs)
    scope = tuple(expand(n, defs) for n in step.scope_nodes)
    wrt_nodes = tuple(step.wrt)
    try:
        outcome = _judge_expanded(step, before, after, scope, wrt_nodes, facts)
    except (BuildError, ShapeError) as exc:
        return Outcome(UNDECIDED, None, f"cannot check: {exc}")
    if outcome.verdict == WRONG and getattr(step, "symbols", None):
        outcome = _with_symbol_values(step, before, after, scope, wrt_nodes, facts, outcome)
    if outcome.verdict == WRONG and getattr(step, "implicit_zero", None) is not None:
        outcome = _rearranged_condition(step, before, after, scope, wrt_nodes, facts, outcome)
    if outcome.verdict == WRONG:
        outcome = _slip_reading(step, before, after, scope, wrt_nodes, facts, outcome)
    if outcome.verdict == WRONG and not outcome.certain:
        caution = _caution(step, before, after, outcome, facts)
        if caution is not None:
            return caution
        conditional = _holds_under_assumptions(step, before, after, scope, wrt_nodes, facts, outcome)
        if conditional is not None:
            return conditional
    return outcome


def _rearranged_condition(step, before, after, scope, wrt_nodes, facts, outcome):
    """dl/dp = A, then "B = C" (not an identity): the derivative set to 0 and rearranged, when
    B = C has the solutions of A = 0."""
    expr, line = step.implicit_zero
    expr = expand(expr, step.definitions)
    try:
        again = _equations(replace(step, check="iff"), N.Equation(expr, "=", N.Num("0")),
                           N.Equation(before, "=", after), scope, wrt_nodes, facts)
    except (BuildError, ShapeError, NeedSizes):
        return outcome
    if again.verdict == VERIFIED:
        return replace(again, reason=f"the derivative of line {line} set to 0, rearranged: " + again.reason)
    return outcome


SEED = [0]  # the --seed of the random instances, set per step by judge()


def _seeded_check_pair(*args, **kwargs):
    """The engine's checker, with the run's seed for its random instances (same seed, same report)."""
    from derive.core.check import check_pair

    return check_pair(*args, seed=SEED[0], **kwargs)


def _slip_reading(step, before, after, scope, wrt_nodes, facts, outcome):
    """p_n beside p in one step (a slip of notation, or two things): when reading p_n as p makes
    the step hold, the notation is ambiguous and the step undecided, naming both readings."""
    def mixed(node):
        if node is None:
            return set()
        names = {n.name for n in node.walk() if isinstance(n, N.Sym)}
        return {n.base for n in node.walk() if isinstance(n, N.Indexed) and n.base in names}

    bases = mixed(before) | mixed(after)
    if not bases:
        return outcome

    def merge(node):
        if isinstance(node, N.Indexed) and node.base in bases:
            return N.Sym(node.base)
        if not isinstance(node, N.Node):
            return node
        return node.map_children(merge)

    try:
        again = _judge_expanded(step, merge(before), merge(after), tuple(merge(n) for n in scope), wrt_nodes, facts)
    except (BuildError, ShapeError, NeedSizes):
        return outcome
    if again.verdict != VERIFIED:
        return outcome
    words = ", ".join(f"${b}_{{\\cdot}}$ beside ${b}$" for b in sorted(bases))
    return Outcome(UNDECIDED, None, f"ambiguous notation: {words}; read as one name the step holds, read as "
                   f"written it does not ({outcome.reason})", outcome.counterexample, outcome.difference)


def _plain_names(node) -> set:
    return {n.name for n in node.walk() if isinstance(n, N.Sym)} if node is not None else set()


def _as_products(node, variables, defs):
    """p(p - 1) where p is a number in the same step: a product, not an unknown function of p - 1
    (one name cannot be both)."""
    if node is None:
        return node

    def visit(n):
        if isinstance(n, N.Apply) and n.fn in variables and not n.given and not n.params and n.primes == 0 \
                and len(n.args) == 1 and find_definition(defs, n) is None:
            return N.Mul((N.Sym(n.fn), visit(n.args[0])))
        if not isinstance(n, N.Node):
            return n
        return n.map_children(visit)

    return visit(node)


def _holds_under_assumptions(step, before, after, scope, wrt_nodes, facts, outcome):
    """A step that fails in general but holds when the square matrices are symmetric, or the
    numbers positive, uses an assumption the prose may state: undecided, with that assumption."""
    names = names_of(before) | names_of(after)
    try:
        scope_obj = infer_scope(list(scope) + [before, after], facts)
    except Exception:  # noqa: BLE001
        return None
    matrices = {n for n in names if scope_obj.kind(n) == "matrix"}
    scalars = {n for n in names if scope_obj.kind(n) == "scalar" and not n.startswith("fn:")}
    trials = []
    if matrices - facts.symmetric:
        trials.append(("the square matrices " + ", ".join(sorted(matrices)) + " are symmetric",
                       facts.merged(Facts(symmetric=set(matrices)))))
    if scalars - facts.positive:
        trials.append(("the quantities " + ", ".join(sorted(scalars)) + " are positive",
                       facts.merged(Facts(positive=set(scalars)))))
    for words, assumed in trials:
        try:
            again = _judge_expanded(step, before, after, scope, wrt_nodes, assumed)
        except (BuildError, ShapeError):
            continue
        if again.verdict == VERIFIED:
            return Outcome(UNDECIDED, None, f"holds if {words} (an assumption the text may state); "
                           f"without it: {outcome.reason}", outcome.counterexample, outcome.difference)
    return None


def _variables_of(node) -> set:
    """Names that are differentiated or optimised over (never replaced by a value)."""
    out = set()
    if node is None:
        return out
    for n in node.walk():
        if isinstance(n, N.Apply):
            for a in n.args:  # f(u): u is the function's variable
                if isinstance(a, (N.Sym, N.Indexed)):
                    out |= names_of(a)
        if isinstance(n, (N.Deriv, N.Grad)) and n.wrt is not None:
            out |= names_of(n.wrt)
        elif isinstance(n, N.Opt):
            for w in n.wrt:
                out |= names_of(w)
    return out


def _named_bodies(node, symbols):
    """d L / d y with L = (an expression) stated before: differentiate the expression."""
    if node is None or not symbols:
        return node

    def visit(n):
        if isinstance(n, (N.Deriv, N.Grad)) and isinstance(n.body, N.Sym) and n.body.name in symbols:
            body = symbols[n.body.name]
            return N.Deriv(body, n.wrt, n.order) if isinstance(n, N.Deriv) else N.Grad(body, n.wrt, n.order)
        if not isinstance(n, N.Node):
            return n
        return n.map_children(visit)

    return visit(node)


def _with_symbol_values(step, before, after, scope, wrt_nodes, facts, outcome):
    """Before calling a step wrong, use what the document said the names in it are
    (\\bar x = (1/n) sum_i x_i, eta = 0.1, s = y^T X theta)."""
    used = names_of(before) | names_of(after)
    variables = _variables_of(before) | _variables_of(after)
    mapping = {name: value for name, value in step.symbols.items() if name in used and name not in variables}
    if not mapping:
        return outcome
    b2, a2 = substitute(before, mapping), substitute(after, mapping)
    scope2 = tuple(substitute(n, mapping) for n in scope) + tuple(mapping.values())
    try:
        again = _judge_expanded(step, b2, a2, scope2, wrt_nodes, facts)
    except (BuildError, ShapeError):
        return outcome
    words = ", ".join(f"{name} = {render(value)}" for name, value in mapping.items())
    if again.verdict == VERIFIED:
        return replace(again, reason=f"using {words}: {again.reason}")
    if again.verdict == WRONG:
        return replace(again, reason=f"{again.reason} (also with {words})")
    return outcome


def _judge_expanded(step, before, after, scope, wrt_nodes, facts) -> Outcome:
    kind = step.check
    if kind in ("equal", "approx"):
        if _has_const(after) or _has_const(before):
            return _up_to_constant(step, before, after, scope, wrt_nodes, facts)
        out = _equal(before, after, scope, facts)
        if out.verdict == WRONG:
            alt = _alternatives(step, scope, facts, lambda b, a: _equal(b, a, scope, facts))
            if alt is not None:
                return alt
            wrapped = _implicit_sum(before, after)
            if wrapped is not None:
                again = _equal(wrapped, after, scope, facts)
                if again.verdict == VERIFIED:
                    return replace(again, reason=again.reason + "; reading the left side as summed over its free index")
        if kind == "approx":
            if out.verdict == VERIFIED:
                return replace(out, reason="holds with equality: " + out.reason)
            taylor = _taylor(before, after, scope, facts)
            if taylor is not None:
                return taylor
            return Outcome(UNDECIDED, None, "an approximation: it is not an equality, nor a Taylor expansion "
                           "in one of its variables to order 1-3" if out.verdict == WRONG else out.reason)
        return out
    if kind == "proportional":
        return _proportional(step, before, after, scope, wrt_nodes, facts)
    if kind == "solves":
        return _solves(step, before, after, scope, facts)
    if kind in ("same_minimiser", "max_to_min"):
        return _objectives(step, before, after, scope, wrt_nodes, facts)
    if kind in ("iff", "implies"):
        return _equations(step, before, after, scope, wrt_nodes, facts)
    if kind == "implies_inequality":
        return _implied_inequality(step, before, after, scope, facts)
    if kind == "inequality":
        return _inequality(step, before, after, scope, facts)
    return Outcome(UNDECIDED, None, f"no check for {kind}")


def _verdict_of(v, built: Built | None, note: str = "", sizes=None) -> Outcome:
    status = v.status
    method = v.method
    reason = _display(v.detail, built)
    if sizes:
        reason += f" (instantiated at {', '.join(f'{k} = {n}' for k, n in sizes.items())})"
        if method == "symbolic":
            method = "instantiated"
    if note:
        reason = note + "; " + reason
    if status == "passed":
        return Outcome(VERIFIED, method, reason)
    if status == "failed":
        ce = None
        if v.counterexample:
            ce = {(_display(str(k), built)): _display(str(val), built) for k, val in v.counterexample.items()}
        return Outcome(WRONG, method, reason, ce)
    return Outcome(UNDECIDED, method, reason)


def _display(text: str, built: Built | None) -> str:
    if built is None or not text:
        return text
    import re

    names = built.namer.display

    def swap(match):
        return names.get(match.group(0), match.group(0))

    return re.sub(r"\b[smxfgki]\d+\b", swap, text)


def _equal(before, after, scope, facts) -> Outcome:
    check_pair = _seeded_check_pair
    from derive.core.derivation import Relation

    (built, _), sizes = build_with_sizes(before, after, scope, facts, {})
    b, a = built.before, built.after
    entrywise = bool(built.env.dim_values)
    if entrywise:  # a derivative went entry by entry: both sides at the same concrete sizes
        b, a = explicit_form(b, built.env), explicit_form(a, built.env)
        built.before, built.after = b, a
        sizes = dict(sizes or {}, **{built.namer.display.get(str(s), str(s)): v
                                     for s, v in built.env.dim_values.items()})
    if is_matrix(b) and is_matrix(a) and b.shape != a.shape:
        square = _square_facts(before, after, scope, facts)
        if square is not None and not getattr(facts, "_square", False):
            again = _equal(before, after, scope, square)
            if again.verdict in (VERIFIED, WRONG):
                return replace(again, reason="with every matrix square (the sides have different shapes "
                               "otherwise): " + again.reason)
        return Outcome(UNDECIDED, None, f"the two sides have different shapes: {_shape_text(b, built)} and {_shape_text(a, built)}")
    if is_matrix(b) != is_matrix(a):
        m = b if is_matrix(b) else a
        if m.shape != (1, 1):
            return Outcome(UNDECIDED, None, f"a scalar equated with a {_shape_text(m, built)} matrix")
    free = _free_indices(b, a)
    if free:
        # an identity in a free index j (d/dw_j ...): check it at the first two values of the sums'
        # range, the sums expanded at a concrete number of terms (j must lie inside their range)
        bounds, lows = {}, []
        for e in (b, a):
            for s_ in e.atoms(sp.Sum, sp.Product):
                for _, lo, hi in s_.limits:
                    if lo.is_number:
                        lows.append(int(lo))
                    for x in getattr(hi, "free_symbols", ()):
                        if x.is_integer and x.is_positive:
                            bounds[x] = sp.Integer(4)
        first = min(lows) if lows else 1
        values = (first, first + 1)
        for value in values:
            bj = b.xreplace(bounds).xreplace({j: value for j in free})
            aj = a.xreplace(bounds).xreplace({j: value for j in free})
            if bounds:
                bj, aj = bj.doit(), aj.doit()
            v = check_pair(tame(bj), tame(aj), Relation.EQUAL, assumptions=assumptions_for(built, facts))
            if v.status != "passed":
                break
        note = "at " + ", ".join(f"{built.namer.display.get(j.name, j.name)} = {values[0]}, {values[1]}" for j in free)
        if bounds:
            note += " with " + ", ".join(f"{built.namer.display.get(x.name, x.name)} = 4" for x in bounds)
        out = _verdict_of(v, built, sizes=sizes, note=note)
        if out.verdict == VERIFIED:
            out.method = "instantiated"
        return out
    v = check_pair(tame(b), tame(a), Relation.EQUAL, assumptions=assumptions_for(built, facts))
    out = _verdict_of(v, built, sizes=sizes)
    if out.verdict == WRONG:
        rounded = _rounded(before, after, b, a)
        if rounded is not None:
            return rounded
        out.difference = _difference(tame(b), tame(a), built)
    return out


def _rounded(before, after, b, a):
    """217/69 = 3.145: a decimal written with k places equals the exact value rounded to k places."""
    decimals = [n.text for n in (before, after) if isinstance(n, N.Num) and "." in n.text]
    if not decimals or not all(isinstance(e, sp.Basic) and not is_matrix(e) and not e.free_symbols for e in (b, a)):
        return None
    places = max(len(d.split(".")[1]) for d in decimals)
    try:
        gap = abs(sp.N(b - a, 30))
    except Exception:  # noqa: BLE001
        return None
    if gap.is_number and gap <= sp.Rational(1, 2) * sp.Rational(1, 10**places):
        return Outcome(VERIFIED, "numeric", f"equal to the {places} decimal places written (the exact values differ "
                       f"by {sp.N(gap, 3)})")
    return None


def _free_indices(b, a):
    """Integer symbols used as indices (x[i, j]) that no sum binds."""
    out = set()
    for e in (b, a):
        if not isinstance(e, sp.Basic):
            continue
        bound = set()
        for s_ in e.atoms(sp.Sum, sp.Product):
            bound |= {lim[0] for lim in s_.limits}
        for ix in e.atoms(sp.Indexed):
            for i in ix.indices:
                for x in getattr(i, "free_symbols", ()):
                    if x.is_integer and x not in bound:
                        out.add(x)
    return sorted(out, key=str)


def tame(e):
    """log(a b) -> log a + log b, log(exp x) -> x: valid for the positive quantities (densities,
    scales) logs are taken of here, and it keeps numeric values small for the checker."""
    if not isinstance(e, sp.Basic) or is_matrix(e) or not e.has(sp.log):
        return e
    try:
        from derive.core.algebra import log_of_product

        return sp.expand_log(log_of_product(e), force=True)
    except Exception:  # noqa: BLE001 - a rewrite that fails leaves the expression as it was
        return e


def _square_facts(before, after, scope, facts):
    """The same facts with every matrix (not vector) declared q x q."""
    try:
        sc = infer_scope(list(scope) + [before, after], facts)
    except Exception:  # noqa: BLE001
        return None
    mats = {k for k, v in sc.kinds.items() if v == "matrix" and not k.endswith("[]") and k not in facts.dims}
    if not mats:
        return None
    out = facts.merged(Facts(kinds={m: "matrix" for m in mats}, dims={m: ("q", "q") for m in mats}))
    out._square = True
    return out


def _shape_text(m, built) -> str:
    return " x ".join(_display(str(s), built) for s in m.shape)


def _difference(b, a, built) -> str | None:
    try:
        if is_matrix(b) or is_matrix(a):
            from derive.core.algebra import expand_matrix, scalar_transpose

            d = scalar_transpose(expand_matrix(_as_matrix_difference(b, a)))
        else:
            if sp.count_ops(b) + sp.count_ops(a) > 150:
                return None
            from derive.core.algebra import sum_linearity

            d = sum_linearity(sp.expand(b - a))
            if sp.count_ops(d) < 60:
                d = sp.factor_terms(d)
        text = sp.latex(_displayed(d, built))
        return text if len(text) < 400 else text[:400] + "..."
    except Exception:  # noqa: BLE001 - the difference is a courtesy
        return None


def _as_matrix_difference(b, a):
    if not is_matrix(b):
        b = b * sp.Identity(1)
    if not is_matrix(a):
        a = a * sp.Identity(1)
    return b - a


def _displayed(expr, built):
    mapping = {}
    for s in expr.free_symbols:
        if isinstance(s, sp.Symbol) and s.name in built.namer.display:
            mapping[s] = sp.Symbol(built.namer.display[s.name])
    for m in expr.atoms(sp.MatrixSymbol):
        if m.name in built.namer.display:
            mapping[m] = sp.MatrixSymbol(built.namer.display[m.name], *m.shape)
    return expr.xreplace(mapping)


def _taylor(before, after, scope, facts):
    """a ~ b as a Taylor expansion: the difference is O(h^(k+1)) for one variable h."""
    check_pair = _seeded_check_pair
    from derive.core.derivation import Relation

    try:
        (built, _), sizes = build_with_sizes(before, after, scope, facts, {})
    except (BuildError, ShapeError):
        return None
    b, a = built.before, built.after
    if is_matrix(b) or is_matrix(a):
        return None
    candidates = sorted((x for x in (b - a).free_symbols if isinstance(x, sp.Symbol)), key=str)
    for h in candidates[:4]:
        best = None
        for order in (1, 2, 3):
            try:
                v = check_pair(b, a, Relation.APPROX, small=h, order=order)
            except Exception:  # noqa: BLE001 - a series SymPy cannot take
                break
            if v.status != "passed":
                break
            best = (order, v)
        if best is not None:
            order, v = best
            name = built.namer.display.get(h.name, h.name)
            return Outcome(VERIFIED, v.method, f"a Taylor expansion: the two sides agree to order {order} "
                           f"in {name} (the difference is O({name}^{order + 1})); " + _display(v.detail, built))
    return None


def _has_const(node) -> bool:
    return node is not None and any(isinstance(n, N.Sym) and n.name == "const" for n in node.walk())


def _drop_const(node):
    if isinstance(node, N.Add):
        terms = tuple(t for t in node.terms if not (isinstance(t, N.Sym) and t.name == "const")
                      and not (isinstance(t, N.Neg) and isinstance(t.arg, N.Sym) and t.arg.name == "const"))
        if len(terms) == 1:
            return terms[0]
        return N.Add(terms) if terms else N.Num("0")
    if isinstance(node, N.Sym) and node.name == "const":
        return N.Num("0")
    return node


def _up_to_constant(step, before, after, scope, wrt_nodes, facts) -> Outcome:
    """a = b + const: the difference does not depend on the variables."""
    check_pair = _seeded_check_pair
    from derive.core.derivation import Relation

    b0, a0 = _drop_const(before), _drop_const(after)
    if _has_const(b0) or _has_const(a0):
        return Outcome(UNDECIDED, None, "'const' inside a larger term")
    variables = [w for w in wrt_nodes if isinstance(w, (N.Sym, N.Indexed))]
    if not variables:
        for n in (step.before, step.after, b0, a0):
            for m in (n.walk() if n is not None else ()):
                if isinstance(m, N.Apply):
                    variables.extend(a for a in m.args if isinstance(a, N.Sym))
    if not variables:
        return Outcome(UNDECIDED, None, "equal up to a constant, but the variable it is constant in is not named")
    var = variables[0]
    (built, wrt), sizes = build_with_sizes(b0, a0, scope, facts, {}, wrt_nodes=(var,))
    v_sym = wrt[0]
    b, a = built.before, built.after
    diff = _as_matrix_difference(b, a) if (is_matrix(b) or is_matrix(a)) else b - a
    if is_matrix(v_sym):
        other = sp.MatrixSymbol(built.namer.fresh("m", "copy"), *v_sym.shape)
    else:
        other = sp.Symbol(built.namer.fresh("s", "copy"), **v_sym.assumptions0)
    moved = diff.xreplace({v_sym: other})
    v = check_pair(diff, moved, Relation.EQUAL, assumptions=assumptions_for(built, facts))
    out = _verdict_of(v, built, sizes=sizes)
    name = render(var)
    if out.verdict == VERIFIED:
        return replace(out, reason=f"the two sides differ by a term free of {name} (the 'const'); " + out.reason)
    if out.verdict == WRONG:
        return replace(out, reason=f"the two sides differ by a term that depends on {name}, not a constant; " + out.reason)
    return out


def _implicit_sum(before, after):
    """-log p(y_i | ...) next to sum_i ...: read the left side as summed over i."""
    if before is None or after is None:
        return None
    free = _free_index_names(before)
    sums = [n for n in after.walk() if isinstance(n, N.BigOp) and n.op == "sum" and n.index in free]
    if not sums or _free_index_names(after) & free:
        return None
    s = sums[0]
    return N.BigOp("sum", s.index, s.lo, s.hi, before)


def _reread(items, reading, notation, defs):
    if not items:
        return None, False
    reader = Reader(reading=reading, notation=notation)
    try:
        node = reader.expression(items)
    except (ParseError, RecursionError):
        return None, False
    if isinstance(node, N.Opt):
        node = node.body
    return expand(node, defs), bool(reader.ambiguous)


def _alternatives(step, scope, facts, check, notation=None):
    """Try the other readings of ambiguous notation; return a verified outcome or None."""
    if not step.before_items and not step.after_items:
        return None
    notation = notation or Notation()
    base_b, amb_b = _reread(step.before_items, READINGS[0], notation, step.definitions)
    base_a, amb_a = _reread(step.after_items, READINGS[0], notation, step.definitions)
    if not (amb_b or amb_a):
        return None
    tried = set()
    for rb in READINGS:
        for ra in READINGS:
            if rb == READINGS[0] and ra == READINGS[0]:
                continue
            if (rb != READINGS[0] and not amb_b) or (ra != READINGS[0] and not amb_a):
                continue
            b = _reread(step.before_items, rb, notation, step.definitions)[0] if step.before_items else None
            a = _reread(step.after_items, ra, notation, step.definitions)[0] if step.after_items else None
            b = b if b is not None else expand(step.before, step.definitions)
            a = a if a is not None else expand(step.after, step.definitions)
            key = (repr(b), repr(a))
            if key in tried or (b == base_b and a == base_a):
                continue
            tried.add(key)
            try:
                out = check(b, a)
            except (BuildError, ShapeError, NeedSizes):
                continue
            if out.verdict == VERIFIED:
                words = []
                if rb != READINGS[0]:
                    words.append(f"reading the left side with {_reading_words(rb)}")
                if ra != READINGS[0]:
                    words.append(f"reading the right side with {_reading_words(ra)}")
                return replace(out, reason="; ".join(words) + "; " + out.reason)
            if len(tried) > 12:
                return None
    return None


def _reading_words(r: Reading) -> str:
    parts = []
    if r.fn_scope == "product":
        parts.append("\\log(...) applying to the whole product after it")
    if r.sum_scope == "wide":
        parts.append("\\sum reaching to the end of the expression")
    if r.sum_scope == "narrow":
        parts.append("\\sum covering one product only")
    return " and ".join(parts) or "the default reading"


# --- objectives ------------------------------------------------------------------------------------


def _explicit(built: Built, wrt_objs):
    """Replace matrix decision variables by explicit symbol matrices at concrete sizes."""
    b, a = built.before, built.after
    dims = set()
    for e in (b, a) + tuple(wrt_objs):
        if isinstance(e, sp.Basic):
            for m in e.atoms(sp.MatrixSymbol):
                for s in m.shape:
                    dims |= getattr(s, "free_symbols", set())
    sizes = {d: sp.Integer(3) for d in dims}
    b = b.xreplace(sizes) if isinstance(b, sp.Basic) else b
    a = a.xreplace(sizes) if isinstance(a, sp.Basic) else a
    flat = []
    mapping = {}
    for w in wrt_objs:
        if is_matrix(w):
            w2 = w.xreplace(sizes)
            rows, cols = int(w2.shape[0]), int(w2.shape[1])
            entries = [sp.Symbol(built.namer.fresh("s", f"{built.namer.name_of(w)}[{r},{c}]"), real=True)
                       for r in range(rows) for c in range(cols)]
            mapping[w2] = sp.ImmutableMatrix(rows, cols, entries)
            flat.extend(entries)
        else:
            flat.append(w)
    if mapping:
        b = b.xreplace(mapping) if isinstance(b, sp.Basic) else b
        a = a.xreplace(mapping) if isinstance(a, sp.Basic) else a
    return b, a, tuple(flat), bool(mapping)


def _dependent_opaque(built: Built, wrt_nodes, wrt_objs):
    """Opaque quantities (unknown functions) that depend on the decision variables."""
    names = set()
    for w in wrt_nodes:
        names |= names_of(w)
    out = []
    for key, obj in built.namer.opaque.items():
        name = getattr(obj, "name", None) or str(getattr(obj, "label", ""))
        deps = built.namer.depends.get(str(name), set())
        if deps & names:
            out.append(obj)
    return tuple(out)


def _objectives(step, before, after, scope, wrt_nodes, facts) -> Outcome:
    check_pair = _seeded_check_pair
    from derive.core.derivation import Relation

    if not wrt_nodes:
        return Outcome(UNDECIDED, None, "the decision variable of the optimisation is not named")
    relation = Relation.SAME_MINIMISER if step.check == "same_minimiser" else Relation.MAX_TO_MIN
    attempts = [(before, after, "")]
    wrapped = _implicit_sum(before, after)
    if wrapped is not None:
        attempts.insert(0, (wrapped, after, "reading the left side as summed over its free index"))
    first = None
    for b_node, a_node, note in attempts:
        for transform in ("", "log-before", "log-after"):
            try:
                (built, wrt), sizes = build_with_sizes(b_node, a_node, scope, facts, {}, wrt_nodes=wrt_nodes)
            except NeedSizes:
                raise
            b, a = built.before, built.after
            if transform == "" and not is_matrix(b) and not is_matrix(a) and (_log_side(a, b) or _log_side(b, a)):
                continue  # a product against a sum of logs: compare after the log
            if transform == "log-before":
                if is_matrix(b) or is_matrix(a) or not _log_side(a, b):
                    continue
                b = sp.log(b)
            elif transform == "log-after":
                if is_matrix(a) or is_matrix(b) or not _log_side(b, a):
                    continue
                a = sp.log(a)
            opaque = _dependent_opaque(built, wrt_nodes, wrt)
            b, a, opaque = _positive_as_exp(b, a, opaque, built.namer)
            built.before, built.after = tame(b), tame(a)
            b2, a2, flat, explicit = _explicit(built, wrt)
            if not any(_depends(e, flat + opaque) for e in (b2, a2)):
                # argmax_mu log P(X | theta) with P not written out: the unknown is the objective
                opaque = tuple(_all_opaque(built))
            if not any(_depends(e, flat + opaque) for e in (b2, a2)):
                out = Outcome(UNDECIDED, None, "neither objective depends on the decision variables as written")
                if first is None:
                    first = out
                continue
            v = check_pair(b2, a2, relation, wrt=flat + opaque, assumptions=assumptions_for(built, facts))
            words = note
            if transform:
                words = (words + "; " if words else "") + "after taking the log of one objective (log is increasing)"
            out = _verdict_of(v, built, note=words, sizes=sizes)
            if explicit and out.verdict == VERIFIED and out.method == "symbolic":
                out.method = "instantiated"
            if out.verdict == VERIFIED:
                return out
            if first is None or (first.verdict != WRONG and out.verdict == WRONG and not transform):
                first = out
    return first or Outcome(UNDECIDED, None, "no check applied")


def _all_opaque(built: Built):
    out = []
    for key, obj in built.namer.opaque.items():
        if key[0] in ("scalar", "indexed") and isinstance(obj, (sp.Symbol, sp.IndexedBase)):
            out.append(obj)
    return out


def _positive_as_exp(b, a, opaque, namer):
    """Write each positive unknown (a density p(x | theta)) as exp(g) with g free: the checker
    samples decision variables of any sign, and log p must stay real."""
    out = []
    for obj in opaque:
        if isinstance(obj, sp.Symbol) and obj.is_positive:
            g = sp.Symbol(namer.fresh("f", "log " + namer.display.get(obj.name, obj.name)), real=True)
            namer.depends[g.name] = namer.depends.get(obj.name, set())
            b = b.xreplace({obj: sp.exp(g)}) if isinstance(b, sp.Basic) else b
            a = a.xreplace({obj: sp.exp(g)}) if isinstance(a, sp.Basic) else a
            out.append(g)
        elif isinstance(obj, sp.IndexedBase) and obj.is_positive:
            label = namer.display.get(str(obj.label), str(obj.label))
            g = sp.IndexedBase(namer.fresh("f", "log " + label), real=True)
            namer.depends[str(g.label)] = namer.depends.get(str(obj.label), set())

            def swap(e, obj=obj, g=g):
                if not isinstance(e, sp.Basic):
                    return e
                return e.replace(lambda x: isinstance(x, sp.Indexed) and x.base == obj,
                                 lambda x: sp.exp(g[x.indices]))

            b, a = swap(b), swap(a)
            out.append(g)
        else:
            out.append(obj)
    return b, a, tuple(out)


def _log_side(with_log, without) -> bool:
    """Worth trying log(without): the other objective is a log-likelihood, this one a product
    (of densities) with no log in it."""
    if not (isinstance(with_log, sp.Basic) and isinstance(without, sp.Basic)):
        return False
    if not with_log.has(sp.log) or without.has(sp.log):
        return False
    return without.has(sp.Product) or without.has(sp.exp) or any(
        getattr(s, "is_positive", False) and str(s.name).startswith("f") for s in without.free_symbols
    ) or isinstance(without, sp.Mul)


def _depends(expr, variables) -> bool:
    if not isinstance(expr, sp.Basic):
        return False
    for v in variables:
        if isinstance(v, sp.IndexedBase):
            if any(ix.base == v for ix in expr.atoms(sp.Indexed)):
                return True
        elif expr.has(v):
            return True
    return False


# --- equations and inequalities ---

def _proportional(step, before, after, scope, wrt_nodes, facts) -> Outcome:
    """a \\propto b in v: the ratio a / b does not depend on v (checked at v and at a copy of v)."""
    check_pair = _seeded_check_pair
    from derive.core.derivation import Relation

    variables = [w for w in wrt_nodes if isinstance(w, (N.Sym, N.Indexed))]
    if not variables:
        return Outcome(UNDECIDED, None, "a proportionality whose variable is not named (write p(w \\mid D) \\propto ...)")
    (built, wrt), sizes = build_with_sizes(before, after, scope, facts, {}, wrt_nodes=tuple(variables))
    b, a = built.before, built.after
    if is_matrix(b) or is_matrix(a):
        b, a = scalarize(b), scalarize(a)
    ratio = tame(sp.log(b)) - tame(sp.log(a))  # the log of the ratio: densities are positive
    copies = {}
    for v in wrt:
        if is_matrix(v):
            copies[v] = sp.MatrixSymbol(built.namer.fresh("m", "copy"), *v.shape)
        elif isinstance(v, sp.Symbol):
            copies[v] = sp.Symbol(built.namer.fresh("s", "copy"), **v.assumptions0)
    if not copies:
        return Outcome(UNDECIDED, None, "a proportionality in a variable that is not a name")
    v = check_pair(ratio, ratio.xreplace(copies), Relation.EQUAL, assumptions=assumptions_for(built, facts))
    out = _verdict_of(v, built, sizes=sizes)
    names = ", ".join(f"${render(w)}$" for w in variables)
    if out.verdict == VERIFIED:
        return replace(out, reason=f"the ratio of the two sides does not depend on {names}; " + out.reason)
    if out.verdict == WRONG:
        return replace(out, reason=f"the ratio of the two sides changes with {names}; " + out.reason)
    return out


def _solves(step, before, after, scope, facts) -> Outcome:
    """x* = formula after "G(x) = 0": G(formula) is 0 (in every entry, for a vector condition)."""
    condition, var, value = before.lhs, after.lhs, after.rhs
    plugged = substitute(condition, {var.name: value})
    out = _equal(plugged, N.Mul((N.Num("0"), plugged)), scope, facts)  # 0 of the condition's shape
    where = step.reason or "the equation before"
    if out.verdict == VERIFIED:
        return replace(out, reason=f"solves {where}: substituted for ${render(var)}$ it makes the expression 0; "
                       + out.reason + " (that it is the only solution is not checked)")
    if out.verdict == WRONG:
        known = names_of(condition) | set(step.symbols or {}) | bound_indices(value) | CONSTANT_NAMES
        strangers = sorted(n for n in names_of(value) - known if not n.startswith("fn:") and not n.endswith("[]"))
        if strangers:
            return replace(out, verdict=UNDECIDED, reason="uses " + ", ".join(f"${s}$" for s in strangers)
                           + ", which the document does not define: a definition decides whether it solves "
                           + where + " (as written it does not: " + out.reason + ")")
        return replace(out, certain=True, reason=f"does not solve {where}: substituted for ${render(var)}$ the "
                       "expression is not 0; " + out.reason)
    return out



def _equations(step, before, after, scope, wrt_nodes, facts) -> Outcome:
    check_pair = _seeded_check_pair
    from derive.core.derivation import Relation

    relation = Relation.IFF if step.check == "iff" else Relation.IMPLIES
    (built, wrt), sizes = build_with_sizes(before, after, scope, facts, {}, wrt_nodes=wrt_nodes)
    b, a = _linear_sums(built.before), _linear_sums(built.after)
    if relation is Relation.IFF and isinstance(a, sp.Equality) and a.lhs in wrt:
        relation = Relation.IMPLIES  # "... iff w = (X^T X)^{-1} X^T y": the unique solution, checked as such
    for eq in (b, a):
        if isinstance(eq, sp.Equality):
            l, r = eq.lhs, eq.rhs
            if is_matrix(l) and is_matrix(r) and l.shape != r.shape:
                return Outcome(UNDECIDED, None, "an equation whose sides have different shapes")
    shapes = []
    for eq in (b, a):
        side = eq.lhs if isinstance(eq, sp.Equality) else eq
        shapes.append(side.shape if is_matrix(side) else (1, 1))
    if shapes[0] != shapes[1]:
        if _derivative_dropped(before, after, shapes):
            return Outcome(
                WRONG, SYMBOLIC_SHAPES, certain=True, reason=
                f"the equation before is a {_shape_text(sp.ZeroMatrix(*shapes[0]), built)} condition (a derivative "
                "with respect to a vector), this one is a single number: the derivative was dropped",
            )
        return Outcome(UNDECIDED, None, "the two equations have different shapes "
                       f"({_shape_text(sp.ZeroMatrix(*shapes[0]), built)} and {_shape_text(sp.ZeroMatrix(*shapes[1]), built)})")
    wrt_syms = tuple(wrt)
    v = check_pair(b, a, relation, wrt=wrt_syms, assumptions=assumptions_for(built, facts))
    if v.status != "passed" and relation is Relation.IFF and v.method is None:
        for factor in _factor_candidates(b, a):
            w = check_pair(b, a, relation, wrt=wrt_syms, factor=factor, assumptions=assumptions_for(built, facts))
            if w.status == "passed":
                v = w
                break
    out = _verdict_of(v, built, sizes=sizes)
    if out.verdict == WRONG and v.method is None:
        # "divides by X^T X, which the assumptions do not make invertible": a missing hypothesis
        return Outcome(UNDECIDED, None, out.reason)
    return out


SYMBOLIC_SHAPES = "symbolic"


def _derivative_dropped(before, after, shapes) -> bool:
    """d/d mu [...] = 0 (a vector) followed by a scalar equation with no derivative in it."""
    def derivs(node):
        return [n for n in node.walk() if isinstance(n, (N.Deriv, N.Grad))]

    if shapes[1] != (1, 1) or shapes[0][1] != 1 or shapes[0][0] == 1:
        return False
    return bool(derivs(before)) and not derivs(after)


def _factor_candidates(b, a):
    """Constant factors two equations of the same solutions usually differ by: 2, 1/n, ..."""
    numbers = [sp.Integer(1), sp.Integer(-1), sp.Integer(2), sp.Integer(-2), sp.Rational(1, 2), sp.Rational(-1, 2)]
    out = list(numbers)
    symbols = set()
    for e in (b, a):
        if isinstance(e, sp.Basic):
            symbols |= {x for x in e.free_symbols if isinstance(x, sp.Symbol) and x.is_positive}
    for x in sorted(symbols, key=str)[:3]:
        for c in numbers:
            out.extend([c * x, c / x])
    return out


def _linear_sums(eq):
    """sum_i (mu - x_i) -> n mu - sum_i x_i on both sides of a scalar equation."""
    if not isinstance(eq, sp.Equality) or is_matrix(eq.lhs) or is_matrix(eq.rhs):
        return eq
    try:
        from derive.core.algebra import sum_linearity

        return sp.Eq(sum_linearity(sp.expand(eq.lhs)), sum_linearity(sp.expand(eq.rhs)), evaluate=False)
    except Exception:  # noqa: BLE001
        return eq


def _implied_inequality(step, before, after, scope, facts) -> Outcome:
    """... \\implies a < b: verified when a < b holds outright; otherwise it may rest on the premise."""
    if not isinstance(after, N.Equation) or after.rel == "=":
        return Outcome(UNDECIDED, None, "an implication between an inequality and an equation is not checked")
    inner = replace(step, inequality=after.rel)
    out = _inequality(inner, after.lhs, after.rhs, scope, facts)
    if out.verdict == VERIFIED:
        return replace(out, reason="holds outright: " + out.reason)
    return Outcome(UNDECIDED, None, "the inequality is not implied by the assumptions alone; it may follow "
                   "from the statement before it, which is not checked")


def _inequality(step, before, after, scope, facts) -> Outcome:
    check_pair = _seeded_check_pair
    from derive.core.derivation import Relation

    (built, _), sizes = build_with_sizes(before, after, scope, facts, {})
    b, a = built.before, built.after
    rel = {"<": sp.StrictLessThan, "<=": sp.LessThan, ">": sp.StrictGreaterThan, ">=": sp.GreaterThan}[step.inequality]
    try:
        if is_matrix(b) or is_matrix(a):
            b, a = scalarize(b), scalarize(a)
        statement = rel(b, a, evaluate=False)
    except Exception as exc:  # noqa: BLE001
        return Outcome(UNDECIDED, None, f"cannot compare the two sides: {exc}")
    v = check_pair(statement, statement, Relation.IMPLIES, assumptions=assumptions_for(built, facts))
    out = _verdict_of(v, built, sizes=sizes)
    if out.verdict == WRONG:
        return Outcome(UNDECIDED, None, "the sign of the difference is not proved: " + out.reason)
    return out


# --- caution before "wrong" ---------------------------------------------------------------------


def _caution(step, before, after, outcome: Outcome, facts) -> Outcome | None:
    b_names, a_names = names_of(before), names_of(after)
    b_terms, a_terms = opaque_terms(before), opaque_terms(after)
    if b_terms != a_terms:
        odd = sorted(b_terms ^ a_terms)[:3]
        return Outcome(UNDECIDED, None, f"involves {', '.join(odd)}, which the document does not define here "
                       f"(the plain check fails: {outcome.reason})", outcome.counterexample, outcome.difference)
    vanished = {n for n in b_names - a_names if not n.startswith("fn:")} - bound_indices(before) - {"const"}
    appeared = {n for n in a_names - b_names if not n.startswith("fn:")} - bound_indices(after) - {"const"}
    if vanished and appeared:
        return Outcome(UNDECIDED, None, f"replaces {', '.join(sorted(vanished))} by an expression in "
                       f"{', '.join(sorted(appeared))}: a substitution this document did not state as a formula "
                       f"(the plain check fails: {outcome.reason})", outcome.counterexample, outcome.difference)
    if vanished and step.check == "equal":
        value = _value_that_makes_it_hold(before, after, vanished, facts)
        if value is not None:
            return Outcome(UNDECIDED, None, f"holds if {value}: a value stated in the prose? "
                           f"(the plain check fails: {outcome.reason})", outcome.counterexample, outcome.difference)
    return None


def _value_that_makes_it_hold(before, after, vanished, facts):
    try:
        (built, _), _ = build_with_sizes(before, after, (), facts, {})
    except Exception:  # noqa: BLE001
        return None
    b, a = built.before, built.after
    if is_matrix(b) or is_matrix(a):
        return None
    diff = sp.expand(b - a)
    for name in vanished:
        sym = built.namer.scalars.get(name)
        if sym is None or not diff.has(sym):
            continue
        try:
            sols = sp.solve(diff, sym)
        except Exception:  # noqa: BLE001
            continue
        for s in sols:
            if s.is_number:
                return f"{name} = {s}"
    return None
