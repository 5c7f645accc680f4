"""derive verify on derive's own proofs: the catalogue rendered to Markdown is correct, so no
step of it may be called wrong (a false "wrong" is the worst answer derive verify can give)."""

import pytest

import derive
from derive.render.markdown import derivation_markdown
from derive.verify import verify_text

# derive.render.latex prints -(a + (-c) I) with the sign of c lost in these two proofs (see
# test_verify_roundtrip.py): derive verify rightly calls the step after the misprint wrong.
RENDERER_SIGN_SLIPS = {"map-gaussian-prior-ridge", "map-laplace-prior-lasso"}


@pytest.mark.parametrize("name", derive.names())
def test_no_step_of_the_catalogue_is_called_wrong(name):
    results, _ = verify_text(derivation_markdown(derive.get(name)), path=f"{name}.md", timeout=20)
    wrong = [(r.step.line, r.step.source[:70], r.outcome.reason[:120]) for r in results if r.outcome.verdict == "wrong"]
    if name == "determinant-gradient" and wrong:
        # the renderer prints det(X) X^{-1} as "\\det X X^{-1}", which a reader takes for
        # det(X X^{-1}) = 1: the verifier rightly rejects what is printed (a renderer bug)
        pytest.xfail(f"det(X) M is printed without parentheses: {wrong[0]}")
    if name in RENDERER_SIGN_SLIPS and len(wrong) == 1:
        pytest.xfail(f"the renderer's misprinted sign is caught: {wrong[0]}")
    assert wrong == []
