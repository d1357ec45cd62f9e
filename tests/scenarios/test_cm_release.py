"""Release decisions: the Ph. Eur. 2.9.40 acceptance value against hand calculations, and diversion windows.

Hand calculations (Ph. Eur. 2.9.40, Table 2.9.40.-2, k = 2.4 for n = 10): the ten contents
98, 99, 100, 101, 102, 97, 103, 100, 99, 101 have X = 100.0 and squared deviations 4+1+0+1+4+9+9+0+1+1 = 30, so
s = sqrt(30 / 9) = 1.825742; X lies in [98.5, 101.5], so M = X and AV = 2.4 s = 4.381780. Shifted by -3 (X = 97.0),
M = 98.5 and AV = 1.5 + 4.381780 = 5.881780; shifted by +3 (X = 103.0), M = 101.5 and AV = 5.881780.
"""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scenarios.continuous_manufacturing import release

TEN = np.array([98, 99, 100, 101, 102, 97, 103, 100, 99, 101], float)


@pytest.mark.parametrize(("shift", "av"), [(0, 4.381780), (-3, 5.881780), (3, 5.881780), (-1.5, 4.381780)])
def test_acceptance_value_by_hand(shift, av):
    assert release.acceptance_value(TEN + shift) == pytest.approx(av, abs=1e-6)


def test_thirty_units_use_k_2():
    x = np.concatenate([TEN, TEN, TEN])        # X = 100, s = sqrt(90 / 29)
    assert release.acceptance_value(x) == pytest.approx(2.0 * np.sqrt(90 / 29))


def test_other_sample_sizes_are_refused():
    with pytest.raises(ValueError, match="10 or 30 units, got 9"):
        release.acceptance_value(TEN[:9])


@given(st.lists(st.floats(80, 120), min_size=10, max_size=10), st.floats(-20, 20))
def test_acceptance_value_properties(contents, shift):
    """AV >= k s always; a shift of the whole sample changes only the |M - X| term."""
    x = np.array(contents)
    av = release.acceptance_value(x)
    assert av >= 2.4 * x.std(ddof=1) - 1e-9
    shifted = release.acceptance_value(x + shift)
    gap = lambda m: abs(min(max(m, 98.5), 101.5) - m)   # noqa: E731
    assert shifted - av == pytest.approx(gap(x.mean() + shift) - gap(x.mean()), abs=1e-6)


def test_windows_and_diversion_band():
    predicted = np.array([1.0, 0.955, 0.94, 0.99, 1.0, 1.0, 1.0])
    measured = np.array([1.0, 1.0, 1.0, 1.0, 1.045, 1.0, 1.0])
    flag = release.divert(predicted, measured, 0.95, 1.05, 0.01)
    assert flag.tolist() == [False, True, True, False, True, False, False]
    assert release.windows(flag) == [(1, 3), (4, 5)]
    assert release.windows(np.ones(3, bool)) == [(0, 3)] and release.windows(np.zeros(3, bool)) == []


def test_the_gate_acts_its_switching_time_late():
    """A gate that needs a sample to switch diverts each window one sample late and holds it one sample longer:
    the window's first material reaches the good stream, the first good material after it goes to waste."""
    predicted = np.array([1.0, 1.0, 0.9, 0.9, 0.9, 1.0, 1.0, 1.0])
    on_time = release.divert(predicted, predicted, 0.95, 1.05, 0.01)
    late = release.divert(predicted, predicted, 0.95, 1.05, 0.01, lag=1)
    assert release.windows(on_time) == [(2, 5)] and release.windows(late) == [(3, 6)]
    assert late.sum() == on_time.sum()


def test_the_second_stage_by_hand():
    """Ph. Eur. 2.9.40, both stages, L1 = 15, L2 = 25. First ten: 85, 115, 85, 115 and six at 100: X = 100,
    s = sqrt(900 / 9) = 10, AV = 24 > 15: twenty more are tested. Twenty at 100: the 30 have s = sqrt(900 / 29),
    AV = 2.0 s = 11.14 <= 15 and none outside [75, 125]: they comply. One of the twenty at 74 instead: X = 2974 / 30
    = 99.133 lies in [98.5, 101.5], so M = X and 74 < 0.75 M = 74.35, outside the L2 range: they fail."""
    first = np.array([85, 115, 85, 115] + [100] * 6, float)
    draws = iter([first, np.full(20, 100.0)])
    passed, av, n = release.two_stages(lambda k: next(draws))
    assert (passed, n) == (True, 30) and av == pytest.approx(2.0 * np.sqrt(900 / 29))
    draws = iter([first, np.array([74.0] + [100.0] * 19)])
    assert release.two_stages(lambda k: next(draws))[0] is False
    draws = iter([TEN])
    assert release.two_stages(lambda k: next(draws)) == (True, pytest.approx(4.381780), 10)


def test_the_large_sample_test_by_hand():
    """Ph. Eur. 2.9.47, Alternative 1, n = 500 (k = 2.24, c2 = 4): 495 units at 100 and 5 at 70 have X = 99.7,
    s = sqrt((495 * 0.09 + 5 * 29.7**2) / 499) = 2.98797, AV = 2.24 s = 6.6931 <= 15, but 5 units lie below
    0.75 M = 74.775 (c2 = 4): fail. With 4 at 70 and 496 at 100 it complies."""
    five = np.array([100.0] * 495 + [70.0] * 5)
    passed, av = release.large_sample(five)
    assert not passed and av == pytest.approx(2.24 * np.sqrt((495 * 0.09 + 5 * 29.7**2) / 499))
    assert release.large_sample(np.array([100.0] * 496 + [70.0] * 4))[0]
    with pytest.raises(ValueError, match="start at n = 385"):
        release.large_sample(np.full(100, 100.0))
