"""Outdoor air by the hour: a synthetic design day, or an EnergyPlus weather file (EPW).

Both give the dry-bulb temperature and the dew point in K at hours 0, 1, 2, ... from the start of the run; the model
interpolates between the hours. The design day's dew point is constant (as EnergyPlus's design days by dew
point). The design day repeats daily: ``T(h) = T_max - f(h) * range`` with the fractions of the daily
range of ASHRAE Handbook - Fundamentals (2009-2021), chapter 14, table 6 (minimum at 05:00, maximum at 14-15:00).
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from twin.config import ConfigError

#: ASHRAE Fundamentals ch. 14 table 6: fraction of the daily range below the maximum, for hours 1..24.
ASHRAE_RANGE_FRACTION = np.array([0.88, 0.92, 0.95, 0.98, 1.00, 0.98, 0.91, 0.74, 0.55, 0.38, 0.23, 0.13,
                                  0.05, 0.00, 0.00, 0.06, 0.14, 0.24, 0.39, 0.50, 0.59, 0.68, 0.75, 0.82])
EPW_FIELDS = 35          # an EPW data line: date, time, source flags, then 29 weather fields
EPW_HEADER_LINES = 8     # LOCATION, DESIGN CONDITIONS, ..., DATA PERIODS
EPW_DRY_BULB = 6         # column of the dry-bulb temperature (degC)
EPW_DEW_POINT = 7        # column of the dew-point temperature (degC)
EPW_MISSING = 99.9       # the EPW marker of a missing temperature


def design_day(t_max: float, daily_range: float, hours: int) -> np.ndarray:
    """``hours + 1`` hourly temperatures (K) of a repeating design day with maximum ``t_max`` (K)."""
    # the table's hour 1 is 00:00-01:00, its value stands for 01:00; hour 0 (midnight) is hour 24's
    fraction = np.roll(ASHRAE_RANGE_FRACTION, 1)
    return t_max - daily_range * fraction[np.arange(hours + 1) % 24]


def read_epw(path: str | Path, hours: int) -> tuple[np.ndarray, np.ndarray]:
    """Dry-bulb temperatures and dew points (K) at hours 0 .. ``hours`` of the run from the EPW file at ``path``.

    An EPW line is the hour *ending* at its hour stamp (hour 1 ends at 01:00), so the run's hour k takes line k;
    hour 0 (before the file begins) repeats line 1.

    Checks every data line: 35 comma-separated fields, consecutive hours (no gaps), dry bulb and dew point
    present; raises :class:`ConfigError` naming the file and line otherwise.
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="latin-1").splitlines()
    except OSError as exc:
        raise ConfigError(f"cannot read the weather file: {exc.strerror}", file=path,
                          hint="give the path of an EnergyPlus .epw file, relative to the scenario") from None
    if len(lines) <= EPW_HEADER_LINES or not lines[0].startswith("LOCATION"):
        raise ConfigError("not an EPW weather file: it must start with 8 header lines, the first 'LOCATION,...'",
                          file=path, line=1, hint="download the .epw of a nearby station from climate.onebuilding.org")
    temps, dews, previous = [], [], None
    for number, line in enumerate(lines[EPW_HEADER_LINES:], start=EPW_HEADER_LINES + 1):
        if len(temps) >= hours or not line.strip():
            break
        fields = line.split(",")
        if len(fields) != EPW_FIELDS:
            raise ConfigError(f"a data line has {len(fields)} fields", file=path, line=number,
                              expected=f"{EPW_FIELDS} comma-separated fields (year, month, day, hour, minute, "
                                       "source, dry bulb, ...)")
        try:
            month, day, hour = int(fields[1]), int(fields[2]), int(fields[3])
            dry_bulb, dew = float(fields[EPW_DRY_BULB]), float(fields[EPW_DEW_POINT])
        except ValueError:
            raise ConfigError("month, day, hour, dry bulb or dew point is not a number", file=path, line=number,
                              expected="e.g. 2001,7,15,14,60,<source>,31.2,...") from None
        if previous is not None and not _next_hour(previous, (month, day, hour)):
            raise ConfigError(f"gap in the weather: {_stamp(previous)} is followed by {_stamp((month, day, hour))}",
                              file=path, line=number, hint="fill the missing hours (EPW files have one line an hour)")
        for what, value in (("dry-bulb temperature", dry_bulb), ("dew point", dew)):
            if value >= EPW_MISSING or not math.isfinite(value):
                raise ConfigError(f"missing {what} at {_stamp((month, day, hour))}", file=path, line=number,
                                  hint="fill the gap, e.g. by interpolating the neighbouring hours")
        temps.append(dry_bulb + 273.15)
        dews.append(min(dew, dry_bulb) + 273.15)
        previous = (month, day, hour)
    if len(temps) < hours:
        raise ConfigError(f"the weather file covers {len(temps)} hours, the run needs {hours}",
                          file=path, line=len(lines), hint="shorten the horizon or use a longer weather file")
    return np.array(temps[:1] + temps), np.array(dews[:1] + dews)


def _next_hour(before: tuple[int, int, int], after: tuple[int, int, int]) -> bool:
    """Whether ``after`` (month, day, hour 1-24) is the hour after ``before`` (days may roll over a month end)."""
    (m0, d0, h0), (m1, d1, h1) = before, after
    if h0 < 24:
        return (m1, d1, h1) == (m0, d0, h0 + 1)
    return h1 == 1 and ((m1, d1) == (m0, d0 + 1) or (d1 == 1 and m1 in (m0 + 1, 1)))


def _stamp(hour: tuple[int, int, int]) -> str:
    month, day, h = hour
    return f"{day:02d}/{month:02d} hour {h}"
