"""EM for a Gaussian mixture: the derived updates and planted errors."""

from __future__ import annotations

import pytest
import sympy as sp

import derive
from derive.catalog.mixture import K, count_1, counts, k, pi_1, r_, x_
from derive.catalog.symbols import i, mu, n
from tests.planted import assert_rejected

IDS = ["gmm-responsibilities", "gmm-m-step-weights", "gmm-m-step-means", "gmm-m-step-variances"]


@pytest.mark.parametrize("name", IDS)
def test_checks_with_every_step_decided(name):
    report = derive.get(name).check()
    assert report.ok and report.decided, [(s.index, s.verdict.detail) for s in report.steps]


def test_the_updates_are_the_textbook_ones():
    assert derive.get("gmm-m-step-weights").result == count_1 / (count_1 + sp.Sum(counts[k], (k, 2, K)))
    total = sp.Sum(r_[i], (i, 1, n))
    assert derive.get("gmm-m-step-means").result == sp.Sum(r_[i] * x_[i], (i, 1, n)) / total
    assert derive.get("gmm-m-step-variances").result == sp.Sum(r_[i] * (x_[i] - mu) ** 2, (i, 1, n)) / total


def test_the_multiplier_is_the_total_count():
    d = derive.get("gmm-m-step-weights")
    assert sp.simplify(d.extras["multiplier"] - (count_1 + sp.Sum(counts[k], (k, 2, K)))) == 0


def test_a_weight_without_the_normalisation_is_rejected():
    d = derive.get("gmm-m-step-weights")
    assert_rejected(d, len(d.steps) - 1, sp.Eq(pi_1, count_1 / n))  # N_k / n with n not the total
    # a first-order condition for the weights that forgets the multiplier
    assert_rejected(d, 1, sp.Eq(count_1 / pi_1, 0))


def test_an_unweighted_mean_is_rejected():
    d = derive.get("gmm-m-step-means")
    assert_rejected(d, len(d.steps) - 1, sp.Eq(mu, sp.Sum(x_[i], (i, 1, n)) / n))
