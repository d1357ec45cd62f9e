"""The press's tablet weights (twin.process.units.press) against closed forms and discrete-time control theory.

References, computed here independently of the press's loop:
- an uncontrolled press: a stationary AR(1) density deviation of standard deviation s_d and correlation a = exp(-1 /
  (rate T)) per tablet plus white fill scatter s_f gives weights of variance s_d**2 + s_f**2 and lag-j
  autocovariance s_d**2 a**j (j >= 1) (Box, Jenkins & Reinsel, Time Series Analysis, 3.2.4);
- the velocity-form PI loop on the period means has the sensitivity S(z) = z (z - 1) / (z**2 + (Kp + Ki - 1) z -
  Kp) (derived in the module docstring); its step response comes from scipy.signal.dstep and the stationary
  variance of S driven by white or AR(1) noise from the discrete Lyapunov equation of a state-space realisation
  (scipy.signal.tf2ss, scipy.linalg.solve_discrete_lyapunov): var = C P C' + D D' with P = A P A' + B B';
- the loop on n-tablet means with AR(1) density: the system lifted to the control periods (lifted_variance).
"""
import numpy as np
import pytest
from scipy import linalg, signal

from twin.process.units.press import DieFill, WeightControl, press

RATE = 14.0   # tablets per second


def sensitivity(gain: float, integral: float) -> tuple[np.ndarray, np.ndarray]:
    return np.array([1.0, -1.0, 0.0]), np.array([1.0, gain + integral - 1, -gain])


def squared_gain(num: np.ndarray, den: np.ndarray) -> float:
    """The sum of the squared impulse response of num/den (in z), by the discrete Lyapunov equation."""
    a, b, c, d = signal.tf2ss(num, den)
    p = linalg.solve_discrete_lyapunov(a, b @ b.T)
    return float((c @ p @ c.T + d @ d.T)[0, 0])


def test_an_uncontrolled_press_has_the_ar1_variance_and_correlation():
    fill = DieFill(density_sd=0.012, density_time=0.5, fill_sd=0.008)
    y = press(400_000, RATE, fill, None, np.random.default_rng(1)).weight
    a = np.exp(-1 / (RATE * 0.5))
    assert y.var() == pytest.approx(0.012**2 + 0.008**2, rel=0.03)
    assert fill.sd**2 == pytest.approx(0.012**2 + 0.008**2)
    for lag in (1, 5, 20):
        assert np.mean(y[lag:] * y[:-lag]) == pytest.approx(0.012**2 * a**lag, rel=0.06)


@pytest.mark.parametrize(("gain", "integral", "every"), [(0.0, 0.4, 25), (0.2, 0.3, 25), (0.5, 0.8, 7)])
def test_the_step_response_is_the_closed_loops(gain, integral, every):
    """A density step of 2 % from the first tablet, no noise: the period means are 2 % times S's step response
    (exactly), and the integral action brings them back to target."""
    n = 60 * every
    got = press(n, RATE, DieFill(), WeightControl(every, gain, integral), np.random.default_rng(0),
                disturbance=np.full(n, 0.02))
    _, (step,) = signal.dstep((*sensitivity(gain, integral), 1), n=60)
    np.testing.assert_allclose(got.mean, 0.02 * step[:, 0], atol=1e-14)
    if gain == 0:
        np.testing.assert_allclose(got.mean, 0.02 * (1 - integral) ** np.arange(60), atol=1e-14)
    assert abs(got.mean[-1]) < 1e-5 and got.correction[-1] == pytest.approx(-0.02, abs=1e-5)
    np.testing.assert_allclose(got.weight, np.repeat(got.mean, every), atol=1e-14)


@pytest.mark.parametrize(("gain", "integral"), [(0.2, 0.3), (0.0, 0.5)])
def test_a_loop_on_every_tablet_has_the_lyapunov_variance(gain, integral):
    """Every tablet controlled: the weight is S applied to AR(1) plus white noise; its variance is S's and the AR
    filter's squared gains times the innovations' variances. With white fill scatter only it exceeds the open
    loop's (Deming's funnel)."""
    s_d, s_f, time = 0.01, 0.01, 0.5
    a = np.exp(-1 / (RATE * time))
    num, den = sensitivity(gain, integral)
    expected = (s_d**2 * (1 - a * a) * squared_gain(np.polymul(num, [1, 0]), np.polymul(den, [1, -a]))
                + s_f**2 * squared_gain(num, den))
    got = press(300_000, RATE, DieFill(s_d, time, s_f), WeightControl(1, gain, integral), np.random.default_rng(2))
    assert got.weight.var() == pytest.approx(expected, rel=0.04)
    assert squared_gain(num, den) > 1


@pytest.mark.parametrize("every", [10, 50])
def test_a_sampled_mean_loop_adds_var_over_every_times_s_gain_minus_one(every):
    """White fill scatter s_f only, control on the mean of ``every`` tablets: the correction holds the past
    periods' means only, so a tablet's variance is s_f**2 (1 + (|S|**2 - 1) / every)."""
    gain, integral, s_f = 0.2, 0.3, 0.01
    expected = s_f**2 * (1 + (squared_gain(*sensitivity(gain, integral)) - 1) / every)
    got = press(every * 40_000, RATE, DieFill(fill_sd=s_f), WeightControl(every, gain, integral),
                np.random.default_rng(3))
    assert got.weight.var() == pytest.approx(expected, rel=0.02)
    assert got.mean.var() == pytest.approx(s_f**2 / every * squared_gain(*sensitivity(gain, integral)), rel=0.04)


def lifted_variance(sd: float, time: float, fill: float, rate: float, every: int, gain: float,
                    integral: float) -> float:
    """A tablet's weight variance under the loop on ``every``-tablet means with AR(1) density and white fill, from
    the system lifted to the control periods: its state at a period's start is (x, the AR(1) at the last tablet
    before; u, the correction; e, the last error), driven by the period's n innovations and its mean fill scatter:

        x' = a**n x + sum_i s a**(n - i) w_i             (s = sd sqrt(1 - a**2))
        e  = u + c x + sum_i b_i w_i + vbar               (c = mean_j a**j, b_i = s / n sum_{j >= i} a**(j - i))
        u' = u - (gain + integral) e + gain e_last,  e_last' = e

    P = A P A' + B Q B' gives the stationary covariance at a period's start; a tablet j of the period has
    var(u) + sd**2 + fill**2 + 2 a**j cov(u, x) (the period's own innovations are independent of u)."""
    a = np.exp(-1 / (rate * time))
    s, n, k = sd * np.sqrt(1 - a * a), every, gain + integral
    j = np.arange(1, n + 1)
    c = np.mean(a**j)
    b = np.array([s / n * np.sum(a ** (np.arange(i, n + 1) - i)) for i in j])
    g = s * a ** (n - j)
    big_a = np.array([[a**n, 0, 0], [-k * c, 1 - k, gain], [c, 1, 0]])
    w, v = np.vstack([g, -k * b, b]), np.array([[0.0], [-k], [1.0]])
    p = linalg.solve_discrete_lyapunov(big_a, w @ w.T + fill**2 / n * (v @ v.T))
    return float(p[1, 1] + sd**2 + fill**2 + 2 * np.mean(a**j) * p[0, 1])


def test_the_flagship_press_has_the_lifted_systems_variance():
    """The flagship's press (1.5 % density at 60 s, 1 % fill, PI 0.2/0.3 on every 50 tablets at 20 kg/h of
    400 mg tablets) without its deadband: the tablets' variance is the lifted system's (sd 1.175 %); the
    deadband of 0.3 % adds little (the flagship's day: 1.18 %)."""
    rate = 20 / 3600 / 4e-4
    expected = lifted_variance(0.015, 60.0, 0.01, rate, 50, 0.2, 0.3)
    assert np.sqrt(expected) == pytest.approx(0.01175, abs=5e-5)
    got = press(3_000_000, rate, DieFill(0.015, 60.0, 0.01), WeightControl(50, 0.2, 0.3), np.random.default_rng(5))
    assert got.weight.var() == pytest.approx(expected, rel=0.02)
    assert lifted_variance(0.0, 1.0, 0.01, rate, 50, 0.2, 0.3) == pytest.approx(
        0.01**2 * (1 + (squared_gain(*sensitivity(0.2, 0.3)) - 1) / 50))     # white only: the closed form above


def test_deadband_and_limit():
    """A step inside the deadband is never corrected; one outside it is corrected until the mean is inside; a
    correction never exceeds its limit, leaving what it cannot take."""
    rng = np.random.default_rng(0)
    inside = press(500, RATE, DieFill(), WeightControl(10, 0.2, 0.3, deadband=0.01), rng,
                   disturbance=np.full(500, 0.008))
    assert not inside.correction.any()
    outside = press(2000, RATE, DieFill(), WeightControl(10, 0.2, 0.3, deadband=0.01), rng,
                    disturbance=np.full(2000, 0.03))
    assert 0 < abs(outside.mean[-1]) <= 0.01 and outside.mean[-1] == outside.mean[-2]
    clipped = press(2000, RATE, DieFill(), WeightControl(10, 0.2, 0.3, limit=0.05), rng,
                    disturbance=np.full(2000, 0.08))
    assert np.abs(clipped.correction).max() == pytest.approx(0.05)
    assert clipped.mean[-1] == pytest.approx(0.03)


@pytest.mark.parametrize(("gain", "integral"), [(1.0, 0.3), (0.2, 0.0), (0.5, 1.0), (-0.1, 0.3)])
def test_unstable_gains_are_refused(gain, integral):
    with pytest.raises(ValueError, match="unstable"):
        WeightControl(10, gain, integral)
