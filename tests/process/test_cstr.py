"""CSTR with Arrhenius kinetics: steady states against SciPy's fsolve, the runaway against solve_ivp (BDF)."""
import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.optimize import fsolve

from twin import Twin
from twin.process import Flowsheet, optimize_steady_state, steady_state
from twin.process.units import CSTR

# Seborg et al., Process Dynamics and Control, exothermic CSTR example, in SI units (see twin.process.units.cstr)
q, V, k0, EoR, dH, rho, cp, UA, cAf, Tf = 100e-3 / 60, 0.1, 7.2e10 / 60, 8750.0, -5e4, 1000.0, 239.0, 5e4 / 60, \
    1000.0, 350.0


def reference_rhs(t, y, Tc):
    cA, T = y
    k = k0 * np.exp(-EoR / T)
    return [q / V * (cAf - cA) - k * cA,
            q / V * (Tf - T) - dH / (rho * cp) * k * cA + UA / (V * rho * cp) * (Tc - T)]


@pytest.mark.parametrize("guess", [300.0, 350.0, 420.0])
def test_the_three_steady_states_match_scipy(guess):
    dae = Flowsheet(CSTR("R-1")).build()
    ss = steady_state(dae, guess={"R-1.T": guess, "R-1.cA": 1000 * (1 - (guess - 300) / 150)})
    ref = fsolve(lambda y: reference_rhs(0, y, 300.0), [ss["R-1.cA"] * 1.01, ss["R-1.T"] + 0.5], xtol=1e-12)
    assert [ss["R-1.cA"], ss["R-1.T"]] == pytest.approx(ref, rel=1e-9)


def test_published_middle_steady_state():
    # Seborg et al.: with T_c = 300 K, cA = 0.5 mol/L and T = 350 K (the book's rounded values)
    ss = steady_state(Flowsheet(CSTR("R-1")).build(), guess={"R-1.T": 350.0})
    assert ss["R-1.T"] == pytest.approx(350.0, abs=0.01)
    assert ss["R-1.cA"] == pytest.approx(500.0, abs=0.1)


def test_runaway_after_a_coolant_step_matches_solve_ivp():
    lower = steady_state(Flowsheet(CSTR("R-1")).build(), guess={"R-1.T": 300.0, "R-1.cA": 900.0})
    tw = Twin(sample_interval=5.0, rtol=1e-12, atol=1e-9)  # the runaway amplifies errors: integrate tightly
    tw.add(CSTR("R-1", cA0=lower["R-1.cA"], T0=lower["R-1.T"], T_high=400.0))
    tw.set("R-1.T_c", 305.0)
    result = tw.run(until=1500.0)
    t, T = result.trace("R-1.T")
    # reference: SciPy's 8th-order Dormand-Prince at rtol 1e-12 (BDF at this tolerance takes minutes; the CSTR is
    # not stiff enough to need it)
    ref = solve_ivp(reference_rhs, (0, 1500), [lower["R-1.cA"], lower["R-1.T"]], args=(305.0,), method="DOP853",
                    rtol=1e-12, atol=1e-9, dense_output=True, events=lambda t, y, Tc: y[1] - 400.0)
    np.testing.assert_allclose(T, ref.sol(t)[1], atol=2e-4)
    first = result.events("state")["t"][0]
    assert first == pytest.approx(ref.t_events[0][0], abs=1e-6)  # T = 400 K crossed at the same time
    assert T.max() > 400.0  # it ran away


def test_best_coolant_temperature_by_ipopt_respects_the_temperature_limit():
    dae = Flowsheet(CSTR("R-1")).build()
    best = optimize_steady_state(dae, "R-1.conversion", {"R-1.T_c": (280.0, 310.0)}, bounds={"R-1.T": (300, 360)},
                                 maximize=True, guess={"R-1.T": 350.0})
    assert best["R-1.T"] == pytest.approx(360.0, abs=1e-5)  # the limit is active
    # independent check: the steady state at that coolant temperature, solved by SciPy
    ref = fsolve(lambda y: reference_rhs(0, y, best["R-1.T_c"]), [best["R-1.cA"], 360.0], xtol=1e-12)
    assert ref == pytest.approx([best["R-1.cA"], best["R-1.T"]], rel=1e-6)
