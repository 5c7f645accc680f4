"""`derive verify`: read somebody's derivation (Markdown or LaTeX) and check it step by step.

The stages, each importing only the ones before it:

1. ``read/``   text -> math blocks with line numbers (extract), LaTeX -> expression trees
               (parse, grammar latex.lark, node types in nodes; nothing is ever evaluated).
2. ``steps/``  trees -> chains of relations, one step per relation (segment); operations on
               trees shared by the later stages (terms: render, substitute, expand definitions).
3. ``model/``  the document as context, in reading order: names with kinds and shapes (shapes),
               definitions, distributions and the objects built from them (plan), and each step
               with what the document has stated before it.
4. ``decide/`` a planned step -> a verdict: trees -> SymPy (build), proof by the engine's
               checker and refutation by exact instantiation (judge, refute), in a killable
               worker per step under a whole-document deadline (runner).
5. ``report``  verdicts -> text, JSON or GitHub annotations.

``command`` is the CLI on top of them.
"""

from __future__ import annotations


def verify_file(path: str, *, inline: bool = False, **limits):
    """Check every step of the derivations in `path`; return (results, problems).

    `limits`: timeout (s per step), jobs, deadline (s per document), memory_mb (per worker),
    seed (of the random instances), on_result (called per step, in document order)."""
    import os
    import stat

    from derive.verify.read.extract import ExtractError, extract_file

    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        raise ExtractError(f"cannot read {path!r}: {exc.strerror}; check the path") from exc
    if not stat.S_ISREG(mode):
        raise ExtractError(f"{path!r} is not a regular file (a FIFO, device, socket or directory); "
                           "give the path of a Markdown or LaTeX file")
    return _verify(extract_file(path, inline=inline), **limits)


def verify_text(text: str, *, path: str = "<text>.md", inline: bool = False, **limits):
    """Check every step of the derivations in `text` (read as the file `path` would be)."""
    from derive.verify.read.extract import extract_text

    return _verify(extract_text(text, path=path, inline=inline), **limits)


def _verify(doc, *, timeout: float = 5.0, jobs: int = 2, deadline: float | None = None,
            memory_mb: int | None = None, seed: int = 0, on_result=None):
    from derive.verify.decide.runner import DEFAULT_MEMORY_MB, run_steps
    from derive.verify.model.plan import plan_document

    plan = plan_document(doc)
    for step in plan.steps:
        step.seed = seed
    results = run_steps(plan.steps, plan.facts, plan.notation, timeout=timeout, jobs=jobs, deadline=deadline,
                        memory_mb=memory_mb or DEFAULT_MEMORY_MB, on_result=on_result)
    return results, list(plan.facts.problems)
