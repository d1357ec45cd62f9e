"""Time-of-use electricity tariff with a demand charge.

The scenario lists the day's price periods, which must cover the whole day without overlap; the cost of a run is
``sum(price(t) * P(t) * dt) + demand_charge * max(P)``, with the peak taken over the step averages (utilities bill
the peak of 15-minute averages; give ``step: 15 min`` to match a bill exactly).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from scenarios.energy.params import Tariff

DAY = 86400.0
KWH = 3.6e6  # J


def check(tariff: Mapping[str, Any]) -> None:
    """The periods cover the day from 0 h to 24 h, one after the other; raises ``ConfigError`` at the first gap."""
    periods = tariff["periods"]
    if not periods:
        raise tariff.error("periods", "no price periods", expected="a list of {from, to, price} covering 0 h to 24 h")
    end = 0.0
    for i in sorted(range(len(periods)), key=lambda i: periods[i]["from"]):
        period = periods[i]
        if period["from"] != end:
            what = "overlaps the one before" if period["from"] < end else f"leaves a gap from {end / 3600:g} h"
            raise periods.error(i, f"price period from {period['from'] / 3600:g} h {what}",
                                expected="periods that follow each other from 0 h to 24 h",
                                hint=f"start this period at {end / 3600:g} h")
        if not period["to"] > period["from"]:
            raise periods.error(i, "a price period must end after it starts",
                                expected="from < to, both within 0 h .. 24 h")
        end = period["to"]
    if end != DAY:
        raise tariff.error("periods", f"the price periods end at {end / 3600:g} h: the tariff does not cover the day "
                                      "and so not the horizon", expected="periods up to 24 h",
                           hint=f"add a period from {end / 3600:g} h to 24 h")


def prices(tariff: Tariff, t: np.ndarray) -> np.ndarray:
    """The energy price (currency per kWh) at the times ``t`` (s from the start of the run, which starts at 0 h)."""
    of_day = np.mod(t, DAY)
    price = np.empty_like(t)
    for period in tariff.periods:
        price[(of_day >= period.start) & (of_day < period.end)] = period.price
    return price


def cost(tariff: Tariff, t: np.ndarray, power: np.ndarray, dt: float) -> tuple[float, float]:
    """Energy cost and demand charge of the electric ``power`` (W) held for ``dt`` seconds at each ``t``."""
    energy = float(np.sum(prices(tariff, t) * power) * dt / KWH)
    return energy, tariff.demand_charge * float(np.max(power)) / 1e3
