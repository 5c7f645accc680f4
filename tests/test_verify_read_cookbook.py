"""Matrix-Cookbook-style identities read as written: the derivative operator reaches to the end
of its term, so every identity verifies (before issue 13 four of them were read with the
derivative applied to the first bracket only, and called wrong)."""

import os

from derive.verify import verify_file

HERE = os.path.join(os.path.dirname(__file__), "data", "verify", "cookbook_forms.md")


def test_cookbook_forms_all_verify():
    results, problems = verify_file(HERE, jobs=1)
    assert problems == []
    assert len(results) == 7
    assert [r.outcome.verdict for r in results] == ["verified"] * 7
