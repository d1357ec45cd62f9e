"""Statistics of a resource, store or container created with ``monitor=True`` (beyond SimPy).

``res.stats`` is a :class:`ResourceStats`: time-weighted mean level (users, items, amount), utilisation,
mean queue lengths and the waiting time of every granted request.
"""
from twin._des import ResourceStats

__all__ = ["ResourceStats"]
