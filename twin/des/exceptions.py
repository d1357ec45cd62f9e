"""SimPy's exceptions: :class:`SimPyException` and :class:`Interrupt` (with its ``cause``)."""
from twin._des import Interrupt, SimPyException

__all__ = ["Interrupt", "SimPyException"]
