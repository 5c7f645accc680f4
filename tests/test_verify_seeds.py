"""derive verify on the seed posts: the wrong steps they contain are reported, their correct
chains verified, and nothing else is called wrong."""

import os

import pytest

from derive.verify import verify_file

# copies of the seed posts in /work/shared/seeds (Markdown saved as .txt), kept with the tests
SEEDS = os.path.join(os.path.dirname(__file__), "data", "verify", "seeds")

# file -> line -> what is wrong there
WRONG = {
    "000_52659bd98dbe85c4.txt": {
        176: "the 1/n multiplies only the first term of the expanded MSE",
    },
    "001_4b2f998e146d35e9.txt": {
        53: "-log of the Gaussian likelihood becomes the log-likelihood: the sign flipped",
        54: "argmin of a negated sum of squares is not argmin of the sum",
    },
    "002_f42265d6d8dac876.txt": {
        42: "log of a product of exponentials written as log of a sum",
        44: "log sum exp replaced by a sum",
        115: "the derivative with respect to mu was dropped (a vector condition became a number)",
        128: "(-x^T S^{-1})^T = -S^{-1} x, not +S^{-1} x",
    },
    "003_ae583ba717a90a88.txt": {},
    "004_debb4e799b15e8f9.txt": {
        106: "a N(0, lambda^{-1} I) prior gives lambda/2 ||theta||^2, not lambda ||theta||^2",
    },
}

# correct steps that must be verified (a sample of each post's chains)
VERIFIED = {
    "000_52659bd98dbe85c4.txt": {175, 177, 178, 188, 195, 213, 242, 259, 287, 293, 331, 382, 390, 659, 671, 683, 742, 765, 777},
    "001_4b2f998e146d35e9.txt": {75, 138},
    "002_f42265d6d8dac876.txt": {29, 30, 43, 45, 53, 54, 66, 87, 96, 97, 106},
    "003_ae583ba717a90a88.txt": {65, 69, 71, 83, 101, 103, 107, 118, 130},
    "004_debb4e799b15e8f9.txt": {28},
}


@pytest.fixture(scope="module", params=sorted(WRONG))
def seed(request):
    path = os.path.join(SEEDS, request.param)
    if not os.path.exists(path):
        pytest.skip(f"seed post {path} not available")
    results, _ = verify_file(path, timeout=20)
    return request.param, results


def test_wrong_steps_are_reported_and_nothing_else(seed):
    name, results = seed
    wrong = {r.step.line for r in results if r.outcome.verdict == "wrong"}
    assert wrong == set(WRONG[name]), [
        (r.step.line, r.step.source[:60], r.outcome.reason[:100]) for r in results if r.outcome.verdict == "wrong"
    ]


def test_correct_chains_are_verified(seed):
    name, results = seed
    verified = {r.step.line for r in results if r.outcome.verdict == "verified"}
    assert VERIFIED[name] <= verified, sorted(VERIFIED[name] - verified)


def test_most_steps_are_read(seed):
    _, results = seed
    unparsed = sum(r.outcome.verdict == "unparsed" for r in results)
    assert unparsed <= 0.2 * len(results)
