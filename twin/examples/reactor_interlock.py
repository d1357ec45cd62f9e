"""The API bay's reactor R-101: an operator charges, heats, doses and discharges; a cooling failure trips the interlock.

The reactor's temperature is continuous (:class:`~twin.process.units.SemiBatchReactor`, CasADi); the operator and
the safety interlock are DES processes. At ``t_fail`` the jacket's coolant pump stops. The temperature climbs
through the trip point, the state event ``R-101.T_high`` fires at the exact crossing time, and the interlock closes
the dosing valve ``XV-101`` (dosing flow to zero) at that very time, before anything else happens.

>>> tw, result = run(t_fail=3600.0)
>>> trip = result.events("state")
>>> "R-101.T_high" in list(trip["name"])
True
"""
from __future__ import annotations

from pathlib import Path

from twin import Twin
from twin.process.units import SemiBatchReactor

PLANT = Path(__file__).resolve().parents[2] / "plant_models" / "api_bay" / "plant.yaml"
CELSIUS = 273.15
RECIPE = {
    "charge_flow": 2e-3,  # m3/s of A solution for charge_time
    "charge_time": 650.0,  # s -> 1.3 m3
    "heat_to": 50 + CELSIUS,  # K
    "hot_water": 90 + CELSIUS,  # K, jacket inlet while heating
    "cooling_water": 15 + CELSIUS,  # K, jacket inlet while dosing
    "dose_flow": 1e-4,  # m3/s of B solution
    "dose_time": 4000.0,  # s -> 0.4 m3
    "digest_time": 3600.0,  # s after dosing
    "drain_flow": 4e-3,  # m3/s
}


CHEMISTRY = dict(V0=0.2, cA0=0.0, T0=20 + CELSIUS, k0=1.1e4, Ea=60e3, dH=-2e5, c_dose=5000.0, c_charge=2000.0,
                 V_heel=0.05)  # A + B -> P, -dH = 200 kJ/mol; the plant gives UA and the trip point


def reactor(tag: str = "R-101", **overrides) -> SemiBatchReactor:
    """The reactor model alone, with the plant's UA (2.5 kW/K) and SIS trip point (75 degC)."""
    return SemiBatchReactor.of(tag, **(CHEMISTRY | dict(UA=2.5e3, T_trip=75 + CELSIUS) | overrides))


def operator(tw: Twin, r: str = "R-101", recipe: dict = RECIPE):
    """Charge, heat, dose (unless the interlock stops it), digest, drain."""
    tw.set(f"{r}.F_charge", recipe["charge_flow"])
    yield tw.env.timeout(recipe["charge_time"])
    tw.set(f"{r}.F_charge", 0.0)
    tw.set(f"{r}.T_sp", recipe["heat_to"])
    tw.set(f"{r}.T_cin", recipe["hot_water"])
    yield tw.event(f"{r}.at_setpoint")
    tw.set(f"{r}.T_cin", recipe["cooling_water"])
    tw.set(f"{r}.F_dose", recipe["dose_flow"])
    tripped = tw.event(f"{r}.T_high")
    yield tw.env.timeout(recipe["dose_time"]) | tripped
    if not tripped.triggered:
        tw.set(f"{r}.F_dose", 0.0)
    yield tw.env.timeout(recipe["digest_time"])
    tw.set(f"{r}.F_out", recipe["drain_flow"])
    yield tw.event(f"{r}.drained")
    tw.set(f"{r}.F_out", 0.0)


def interlock(tw: Twin, r: str = "R-101"):
    """SIS: on high temperature close the dosing valve at once."""
    while True:
        yield tw.event(f"{r}.T_high")
        tw.set(f"{r}.F_dose", 0.0)


def cooling_failure(tw: Twin, at: float, r: str = "R-101"):
    yield tw.env.timeout(at)
    tw.set(f"{r}.F_cool", 0.0)


def run(t_fail: float | None = 3600.0, until: float = 4 * 3600, sample_interval: float = 5.0, **options):
    """Build the twin of the api_bay plant (R-101 from its YAML), run the batch and return ``(twin, result)``."""
    from twin.plant import load

    tw = Twin(load(PLANT), params={"R-101": CHEMISTRY}, sample_interval=sample_interval, **options)
    tw.env.process(operator(tw))
    tw.env.process(interlock(tw))
    if t_fail is not None:
        tw.env.process(cooling_failure(tw, t_fail))
    return tw, tw.run(until=until)


def figure(path: str | Path) -> None:
    """The README's figure: temperature, dosing and volume of R-101 through the batch with the cooling failure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    _, result = run()
    trip = result.events("state")
    t_trip = trip["t"][list(trip["name"]).index("R-101.T_high")]
    fig, axes = plt.subplots(3, 1, sharex=True, figsize=(8, 6.5))
    for ax, (tag, scale, offset, label) in zip(axes, [("R-101.TT-01", 1, -CELSIUS, "temperature [degC]"),
                                                     ("R-101.F_dose", 3.6e6, 0, "dosing [L/h]"),
                                                     ("R-101.LT-01", 1, 0, "volume [m3]")], strict=True):
        t, v = result.trace(tag)
        ax.step(t / 3600, v * scale + offset, where="post", color="tab:blue")
        ax.set_ylabel(label)
        ax.axvline(t_trip / 3600, color="crimson", ls="--", lw=1)
        ax.axvline(3600 / 3600, color="grey", ls=":", lw=1)
    axes[0].axhline(75, color="crimson", lw=0.8)
    axes[0].annotate(f"interlock trips at t = {t_trip:.3f} s,\ndosing stops", (t_trip / 3600, 75),
                     xytext=(t_trip / 3600 + 0.2, 45), arrowprops={"arrowstyle": "->"})
    axes[0].annotate("cooling fails", (1.0, 52), xytext=(0.25, 62), arrowprops={"arrowstyle": "->"})
    axes[-1].set_xlabel("time [h]")
    fig.suptitle("R-101 (api_bay): charge, heat, dose; cooling failure trips the high-temperature interlock")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


if __name__ == "__main__":  # python -m twin.examples.reactor_interlock docs/img/reactor_interlock.png
    import sys

    figure(sys.argv[1] if len(sys.argv) > 1 else "reactor_interlock.png")
