"""FMUs from other tools as units of the twin: FMI 2.0 and 3.0, Co-Simulation and Model Exchange, through fmpy.

>>> from twin.fmu import FMUUnit, CoSimulation, from_yaml, describe
>>> print(describe("models/jacket_tcu.fmu"))                               # doctest: +SKIP
>>> tw.add(FMUUnit("TCU-101", "models/jacket_tcu.fmu", step=10.0))         # one FMU, its own master # doctest: +SKIP
>>> tw.add(from_yaml("plant_fmus.yaml"))                                   # several, coupled        # doctest: +SKIP

- :mod:`twin.fmu.describe`: open an FMU, check it can run here, describe it (``twin inspect model.fmu``)
- :mod:`twin.fmu.binding`: FMU variables bound to tags by name, from code or YAML
- :mod:`twin.fmu.unit`: one FMU as a unit of the twin
- :mod:`twin.fmu.master`: the co-simulation master (communication grid, Jacobi or Gauss-Seidel, retry, loops)
- :mod:`twin.fmu.testing`: real test FMUs built from the project's C sources

What of FMI 2.0 and 3.0 runs, what is refused by name, the defaults (as ``fmpy.simulate_fmu``'s) and when results
equal FMPy's: ``docs/fmu.md``.
"""
from __future__ import annotations

from pathlib import Path

from twin.config import suggest
from twin.fmu.binding import Binding, load
from twin.fmu.describe import FMUError, describe, read
from twin.fmu.master import AlgebraicLoopError, CoSimulation
from twin.fmu.unit import FMUStepError, FMUTerminated, FMUUnit

__all__ = ["AlgebraicLoopError", "Binding", "CoSimulation", "FMUError", "FMUStepError", "FMUTerminated", "FMUUnit",
           "describe", "from_bindings", "from_yaml", "read"]


def from_yaml(path: str | Path, parameters: dict[str, dict] | None = None, **options) -> CoSimulation:
    """The FMUs of a binding file (see :mod:`twin.fmu.binding`) on one co-simulation master.

    ``parameters`` overrides start values and parameters per asset, as a scenario does
    (``{"TCU-101": {"Kp": 5.0}}``); ``options`` override the file's ``co_simulation`` entry (``step``,
    ``ordering``, ``loop_tolerance``).
    """
    bindings, settings = load(path)
    settings.update({k: v for k, v in options.items() if v is not None})
    return from_bindings(bindings, settings, parameters, source=str(path))


def from_bindings(bindings: list[Binding], settings: dict | None = None, parameters: dict[str, dict] | None = None,
                  source: str = "the bindings") -> CoSimulation:
    """Bound FMUs (of a binding file, or of a plant overlay's ``fmus:``) on one co-simulation master.

    ``settings``: the ``co_simulation`` entry (``step``, default: the smallest step of the FMUs; ``ordering``;
    ``loop_tolerance``); ``parameters`` overrides parameters per asset (the bindings are left as they are).
    """
    settings = settings or {}
    by_asset = {b.asset: b for b in bindings}
    for asset in parameters or {}:
        if asset not in by_asset:
            hint = suggest(asset, by_asset) or f"{source} binds {', '.join(by_asset)}"
            raise FMUError(f"{source}: no FMU is bound to asset '{asset}'\n  hint: {hint}")
    units = [FMUUnit(b.asset, b.fmu, inputs=b.inputs, outputs=b.outputs,
                     parameters={**b.parameters, **(parameters or {}).get(b.asset, {})}, interface=b.interface,
                     on_terminate=b.on_terminate or "continue")
             for b in bindings]
    step = settings.get("step") or min(u.step for u in units)
    return CoSimulation(units, step, ordering=settings.get("ordering") or "jacobi",
                        loop_tolerance=settings.get("loop_tolerance"))
