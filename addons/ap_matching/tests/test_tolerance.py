"""Plain tests of the tolerance maths (no Odoo needed)."""

from ..lib.tolerance import allowed_excess, exceeds


def test_percent_only():
    assert allowed_excess(200.0, 5.0, 0.0) == 10.0
    assert not exceeds(210.0, 200.0, 5.0, 0.0, 2)
    assert exceeds(210.01, 200.0, 5.0, 0.0, 2)


def test_absolute_only():
    assert not exceeds(103.0, 100.0, 0.0, 3.0, 2)
    assert exceeds(103.01, 100.0, 0.0, 3.0, 2)


def test_smaller_of_both_binds():
    assert allowed_excess(100.0, 5.0, 3.0) == 3.0
    assert allowed_excess(100.0, 2.0, 3.0) == 2.0


def test_no_tolerance_means_exact():
    assert not exceeds(100.0, 100.0, 0.0, 0.0, 2)
    assert exceeds(100.01, 100.0, 0.0, 0.0, 2)
    # below the base is never an excess
    assert not exceeds(90.0, 100.0, 0.0, 0.0, 2)


def test_float_noise_at_the_edge():
    # 0.1 + 0.2 is 0.30000000000000004 in floating point: still at the tolerance
    assert not exceeds(1.0 + 0.1 + 0.2, 1.0, 30.0, 0.0, 2)
