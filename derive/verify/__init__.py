"""`derive verify`: read somebody's derivation (Markdown or LaTeX) and check it step by step.

extract (math blocks with line numbers) -> parse (grammar in latex.lark, no eval) -> segment
(chains of relations) -> plan (what each step claims, in context) -> runner/judge (the
engine's checker, in a killable worker) -> report.
"""

from __future__ import annotations


def verify_file(path: str, *, inline: bool = False, timeout: float = 5.0, jobs: int = 2):
    """Check every step of the derivations in `path`; return (results, problems)."""
    from derive.verify.read.extract import extract_file
    from derive.verify.plan import plan_document
    from derive.verify.runner import run_steps

    doc = extract_file(path, inline=inline)
    plan = plan_document(doc)
    results = run_steps(plan.steps, plan.facts, plan.notation, timeout=timeout, jobs=jobs)
    return results, list(plan.facts.problems)


def verify_text(text: str, *, path: str = "<text>.md", inline: bool = False, timeout: float = 5.0, jobs: int = 2):
    from derive.verify.read.extract import extract_text
    from derive.verify.plan import plan_document
    from derive.verify.runner import run_steps

    doc = extract_text(text, path=path, inline=inline)
    plan = plan_document(doc)
    results = run_steps(plan.steps, plan.facts, plan.notation, timeout=timeout, jobs=jobs)
    return results, list(plan.facts.problems)
