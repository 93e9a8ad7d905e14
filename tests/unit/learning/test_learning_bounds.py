import pytest

from lightbox.learning.bounds import effective_n, weighted_lower_bound, wilson_lower, wilson_upper


def test_given_no_evidence_when_bounded_then_lower_is_zero_and_upper_is_one():
    assert wilson_lower(0, 0) == 0.0
    assert wilson_upper(0, 0) == 1.0


def test_given_all_approved_when_few_decisions_then_lower_bound_stays_far_below_one():
    assert wilson_lower(10, 10) < 0.9
    assert wilson_lower(1000, 1000) > 0.99


def test_given_known_case_when_bounded_then_matches_wilson_formula():
    # 95% one-sided (z = 1.645), 45 of 50.
    assert wilson_lower(45, 50) == pytest.approx(0.8085, abs=1e-3)


def test_given_more_evidence_at_same_share_when_bounded_then_bound_tightens():
    assert wilson_lower(98, 100) < wilson_lower(980, 1000) < 0.98
    assert wilson_lower(98, 100) < 0.98 < wilson_upper(98, 100)


def test_given_heavy_weights_when_effective_n_then_smaller_than_count():
    assert effective_n([1.0] * 10) == pytest.approx(10)
    assert effective_n([1.0] * 9 + [50.0]) < 10


def test_given_weighted_labels_when_bounded_then_estimate_uses_weights():
    est, lower, n_eff = weighted_lower_bound([1, 0], [3.0, 1.0])
    assert est == pytest.approx(0.75)
    assert lower < est
    assert n_eff == pytest.approx(1.6)


def test_given_successes_above_n_when_bounded_then_refused():
    with pytest.raises(ValueError):
        wilson_lower(11, 10)
