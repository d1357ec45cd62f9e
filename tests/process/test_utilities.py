"""Plate heat exchanger, cleanroom HVAC zone and chiller against textbook formulas and hand calculations."""
import math

import pytest

from twin.process import Flowsheet, simulate, steady_state
from twin.process.units import Chiller, CleanroomZone, PlateHeatExchanger


def test_plate_heat_exchanger_tends_to_the_counterflow_effectiveness_ntu_formula():
    UA, Ch, Cc = 5e3, 0.5 * 4180.0, 0.8 * 4180.0
    Cmin, Cr = min(Ch, Cc), min(Ch, Cc) / max(Ch, Cc)
    ntu = UA / Cmin
    # Incropera & DeWitt, Fundamentals of Heat and Mass Transfer, Table 11.3, counterflow:
    eps = (1 - math.exp(-ntu * (1 - Cr))) / (1 - Cr * math.exp(-ntu * (1 - Cr)))
    errors = []
    for cells in (10, 40, 160):
        ss = steady_state(Flowsheet(PlateHeatExchanger("E-1", UA=UA, cells=cells)).build())
        errors.append(abs(ss["E-1.effectiveness"] - eps))
        # energy balance: what the hot side loses the cold side gains
        assert Ch * (353.15 - ss["E-1.Th_out"]) == pytest.approx(Cc * (ss["E-1.Tc_out"] - 288.15), rel=1e-9)
    # the lumped model converges to the formula at first order: 4 times the lumps, a quarter of the error
    assert errors[0] / errors[1] == pytest.approx(4, rel=0.05)
    assert errors[1] / errors[2] == pytest.approx(4, rel=0.05)
    assert errors[2] < 4e-3


def test_cleanroom_zone_steady_state_matches_the_hand_calculation():
    r = simulate(CleanroomZone("RM-1", volume=150.0, C_leak=0.02, UA=150.0), until=3600.0, dt=10.0)
    # exfiltration takes the excess of supply over return: C sqrt(dp) = Qs - Qr -> dp = (0.1 / 0.02)**2 = 25 Pa
    assert r["RM-1.dp"][-1] == pytest.approx(25.0, rel=1e-6)
    # energy: rho cp Qs (Ts - T) + Q_int + UA (T_amb - T) = 0, rho from the ideal gas at the room state
    T = 293.0
    for _ in range(20):
        rho = (101325.0 + 25.0) / (287.05 * T)
        T = (rho * 1006 * 1.0 * 291.15 + 2000.0 + 150.0 * 295.15) / (rho * 1006 * 1.0 + 150.0)
    assert r["RM-1.T"][-1] == pytest.approx(T, abs=1e-6)
    assert r["RM-1.ACH"][-1] == pytest.approx(1.0 / 150.0 * 3600)


@pytest.mark.parametrize("plr", [0.25, 0.5, 1.0])
def test_chiller_cop_at_part_load_follows_its_curve(plr):
    # OpenStudio's default EIRFPLR (ChillerElectricEIR), scaled to 1 at full load as EnergyPlus asks of it
    Q_nom, cop_nom, (a, b, c) = 300e3, 5.5, (c / 1.00138225 for c in (0.06369119, 0.58488832, 0.35280274))
    T_ret = 280.15 + plr * Q_nom / (10.0 * 4186.0)
    r = simulate(Chiller("CH-1", Q_nom=Q_nom, COP_nom=cop_nom), until=3600.0, dt=60.0,
                 inputs={"CH-1.T_return": T_ret})
    # hand calculation of the DOE-2 part-load curve: COP = COP_nom * PLR / (a + b PLR + c PLR^2)
    assert r["CH-1.PLR"][-1] == pytest.approx(plr, rel=1e-6)
    assert r["CH-1.COP"][-1] == pytest.approx(cop_nom * plr / (a + b * plr + c * plr**2), rel=1e-6)
    if plr == 1.0:
        assert r["CH-1.COP"][-1] == pytest.approx(cop_nom, rel=1e-6)  # EIR(1) = 1: the rated COP at full load
