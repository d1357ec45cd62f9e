"""Safety instrumented functions: PFDavg and PFH of a voted group by the simplified formulas of IEC 61508-6 Annex B.

One voted group of identical channels (IEC 61508-6:2010, B.3.2.2 for low demand, B.3.3.2 for high demand). A
channel's dangerous failure rate ``lambda_d`` splits by the diagnostic coverage ``dc`` into detected (``lambda_dd =
dc lambda_d``, repaired in ``mttr``) and undetected failures (``lambda_du``, found by the proof test every ``t1`` and
repaired in ``mrt``); ``beta`` and ``beta_d`` are the common-cause fractions of undetected and detected failures;
1oo2D also counts the safe detected failures ``lambda_sd``, after which its diagnostics take the channel out. Times
in hours, rates per hour (or any one consistent pair of units)::

    pfd_avg("1oo2", lambda_d=5e-7, dc=0.6, beta=0.1, beta_d=0.05, t1=8760, mttr=8)
    pfh("2oo3", lambda_d=5e-7, dc=0.6, beta=0.1, t1=8760)

The tables of Annex B use a year of 8,760 h, as :func:`twin.config.units` does. :func:`pfd_at` is the PFD at a
moment ``age`` after the last proof test (the average's integrand), which an overdue test makes 2-3 times the
average; :func:`sil` gives the SIL band of a PFDavg (IEC 61508-1 Table 2), :func:`required_sil` that of a risk
reduction.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

ARCHITECTURES = ("1oo1", "1oo2", "2oo2", "1oo2D", "2oo3")
#: Coefficient of the independent double-failure term: 2 for 1oo2, 6 for 2oo3 (IEC 61508-6 B.3.2.2.2 and .5).
_PAIRS = {"1oo2": 2.0, "2oo3": 6.0}


@dataclass(frozen=True)
class _Channel:
    """The rates and mean down times of one channel, as B.3.2.2 defines them."""

    l_du: float
    l_dd: float
    l_sd: float
    beta: float
    beta_d: float
    t1: float
    mttr: float
    mrt: float

    @property
    def t_ce(self) -> float:
        """Channel equivalent mean down time (B.3.2.2.1)."""
        return (self.l_du * (self.t1 / 2 + self.mrt) + self.l_dd * self.mttr) / (self.l_du + self.l_dd)

    @property
    def t_ge(self) -> float:
        """Group equivalent mean down time (B.3.2.2.2)."""
        return (self.l_du * (self.t1 / 3 + self.mrt) + self.l_dd * self.mttr) / (self.l_du + self.l_dd)

    @property
    def t_ce_1oo2d(self) -> float:
        """1oo2D's channel equivalent mean down time t'CE, safe detected failures included (B.3.2.2.4)."""
        rate = self.l_du + self.l_dd + self.l_sd
        return (self.l_du * (self.t1 / 2 + self.mrt) + (self.l_dd + self.l_sd) * self.mttr) / rate

    @property
    def independent(self) -> float:
        """The rate of a channel's dangerous failures that are not common cause."""
        return (1 - self.beta_d) * self.l_dd + (1 - self.beta) * self.l_du

    @property
    def common(self) -> float:
        """PFD of the common-cause failures of a redundant group."""
        return self.beta_d * self.l_dd * self.mttr + self.beta * self.l_du * (self.t1 / 2 + self.mrt)


def _channel(architecture: str, lambda_d: float, dc: float, t1: float, mttr: float, mrt: float | None,
             beta: float, beta_d: float | None, lambda_sd: float | None) -> _Channel:
    if architecture not in ARCHITECTURES:
        raise ValueError(f"unknown architecture '{architecture}': expected one of {', '.join(ARCHITECTURES)}")
    if architecture == "1oo2D" and lambda_sd is None:
        raise ValueError("1oo2D needs lambda_sd, the channel's safe detected failure rate (per hour): its "
                         "diagnostics take a channel out on safe detected failures too (IEC 61508-6 B.3.2.2.4)")
    return _Channel(lambda_d * (1 - dc), lambda_d * dc, lambda_sd or 0.0, beta, beta / 2 if beta_d is None else beta_d,
                    t1, mttr, mttr if mrt is None else mrt)


def pfd_avg(architecture: str, *, lambda_d: float, dc: float = 0.0, t1: float, mttr: float = 8.0,
            mrt: float | None = None, beta: float = 0.0, beta_d: float | None = None,
            lambda_sd: float | None = None) -> float:
    """Average probability of failure on demand of one voted group (IEC 61508-6 B.3.2.2; ``mrt`` defaults to
    ``mttr``, ``beta_d`` to ``beta / 2``, the standard's usual pairing; ``lambda_sd`` only for 1oo2D)."""
    c = _channel(architecture, lambda_d, dc, t1, mttr, mrt, beta, beta_d, lambda_sd)
    if architecture == "1oo1":
        return lambda_d * c.t_ce
    if architecture == "2oo2":
        return 2 * lambda_d * c.t_ce
    if architecture == "1oo2D":
        t_ge = c.t1 / 3 + c.mrt
        return 2 * (1 - c.beta) * c.l_du * (c.independent + c.l_sd) * c.t_ce_1oo2d * t_ge + c.common
    return _PAIRS[architecture] * c.independent**2 * c.t_ce * c.t_ge + c.common


def pfh(architecture: str, *, lambda_d: float, dc: float = 0.0, t1: float, mttr: float = 8.0,
        mrt: float | None = None, beta: float = 0.0, beta_d: float | None = None,
        lambda_sd: float | None = None) -> float:
    """Average frequency of a dangerous failure of one voted group, per hour if rates are (high demand or
    continuous mode, IEC 61508-6 B.3.3.2); the arguments as :func:`pfd_avg`'s."""
    c = _channel(architecture, lambda_d, dc, t1, mttr, mrt, beta, beta_d, lambda_sd)
    if architecture == "1oo1":
        return c.l_du
    if architecture == "2oo2":
        return 2 * c.l_du
    common = c.beta_d * c.l_dd + c.beta * c.l_du
    if architecture == "1oo2D":
        return 2 * (1 - c.beta) * c.l_du * (c.independent + c.l_sd) * c.t_ce_1oo2d + common
    return _PAIRS[architecture] * c.independent * (1 - c.beta) * c.l_du * c.t_ce + common


def pfd_at(architecture: str, age: float, *, lambda_d: float, dc: float = 0.0, mttr: float = 8.0,
           beta: float = 0.0, beta_d: float | None = None, **_interval) -> float:
    """The PFD at the moment ``age`` after the last proof test (same units as the rates), to the order the
    simplified formulas keep: each channel is unavailable with ``q = (1 - beta) lambda_du age + (1 - beta_d)
    lambda_dd mttr``, the group by its voting, plus the common-cause share ``beta lambda_du age + beta_d lambda_dd
    mttr``. Averaged over a proof-test interval it gives :func:`pfd_avg` with ``mrt = 0`` and no detected failures.
    The interval arguments of :func:`pfd_avg` (``t1``, ``mrt``) are accepted and ignored; 1oo2D, whose
    diagnostics reconfigure the group, has no such formula in the standard and is refused."""
    if architecture == "1oo2D":
        raise ValueError("pfd_at: IEC 61508-6 gives 1oo2D's PFD only as an average (pfd_avg)")
    c = _channel(architecture, lambda_d, dc, age, mttr, 0.0, beta, beta_d, None)
    if architecture == "1oo1":
        return c.l_du * age + c.l_dd * mttr
    if architecture == "2oo2":
        return 2 * (c.l_du * age + c.l_dd * mttr)
    q = (1 - c.beta) * c.l_du * age + (1 - c.beta_d) * c.l_dd * mttr
    common = c.beta * c.l_du * age + c.beta_d * c.l_dd * mttr
    return {"1oo2": 1.0, "2oo3": 3.0}[architecture] * q**2 + common


def sil(pfd: float) -> int:
    """The SIL band of a PFDavg in low-demand mode (IEC 61508-1 Table 2): SIL n for 10^-(n+1) <= PFD < 10^-n.

    0 is no SIL (0.1 and above); 5 and more lie beyond SIL 4 (below 1e-5), which one SIF cannot claim.
    """
    if not 0 < pfd <= 1:
        raise ValueError(f"a PFD must lie in (0, 1], got {pfd}")
    return max(0, math.ceil(-math.log10(pfd) - 1e-9) - 1)


def required_sil(rrf: float) -> int:
    """The SIL a SIF needs to bring the risk reduction factor ``rrf``: the band of the PFD ``1 / rrf``."""
    return 0 if rrf <= 1 else sil(1 / rrf)
