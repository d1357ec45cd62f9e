"""Safety instrumented functions: PFDavg of a voted group by the simplified formulas of IEC 61508-6 Annex B.

Low-demand mode, one voted group of identical channels (IEC 61508-6:2010, B.3.2.2). A channel's dangerous failure
rate ``lambda_d`` splits by the diagnostic coverage ``dc`` into detected (``lambda_dd = dc lambda_d``, repaired in
``mttr``) and undetected failures (``lambda_du``, found by the proof test every ``t1`` and repaired in ``mrt``);
``beta`` and ``beta_d`` are the common-cause fractions of undetected and detected failures. Times in hours, rates
per hour::

    pfd_avg("1oo2", lambda_d=5e-7, dc=0.6, beta=0.1, beta_d=0.05, t1=8760, mttr=8)

:func:`sil` gives the SIL band of a PFDavg (IEC 61508-1 Table 2), :func:`required_sil` that of a risk reduction.
"""
from __future__ import annotations

import math

ARCHITECTURES = ("1oo1", "1oo2", "2oo3")
#: Coefficient of the independent double-failure term: 2 for 1oo2, 6 for 2oo3 (IEC 61508-6 B.3.2.2.2 and .4).
_PAIRS = {"1oo2": 2.0, "2oo3": 6.0}


def pfd_avg(architecture: str, *, lambda_d: float, dc: float = 0.0, t1: float, mttr: float = 8.0,
            mrt: float | None = None, beta: float = 0.0, beta_d: float | None = None) -> float:
    """Average probability of failure on demand of one voted group (``mrt`` defaults to ``mttr``,
    ``beta_d`` to ``beta / 2``, the standard's usual pairing)."""
    if architecture not in ARCHITECTURES:
        raise ValueError(f"unknown architecture '{architecture}': expected one of {', '.join(ARCHITECTURES)}")
    mrt = mttr if mrt is None else mrt
    beta_d = beta / 2 if beta_d is None else beta_d
    l_du, l_dd = lambda_d * (1 - dc), lambda_d * dc
    t_ce = (l_du / lambda_d) * (t1 / 2 + mrt) + (l_dd / lambda_d) * mttr  # channel equivalent mean down time
    if architecture == "1oo1":
        return lambda_d * t_ce
    t_ge = (l_du / lambda_d) * (t1 / 3 + mrt) + (l_dd / lambda_d) * mttr  # group equivalent mean down time
    independent = ((1 - beta_d) * l_dd + (1 - beta) * l_du) ** 2 * t_ce * t_ge
    return _PAIRS[architecture] * independent + beta_d * l_dd * mttr + beta * l_du * (t1 / 2 + mrt)


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
