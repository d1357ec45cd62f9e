"""Studies from Python: run a scenario, get its results in memory, then save, report or compare them.

::

    import scenarios

    scenario = scenarios.load("scenarios/line_capacity/multipurpose_osd.yaml")
    results = scenarios.run(scenario, variants=["base", "second_blender"], workers=2)
    results["base"].kpis["throughput"]["mean"]      # batches/s, with "low" and "high": the 95% interval
    results["base"].traces().to_pandas()             # every replication's traces
    results.compare()                                # each variant against the first, paired t-test
    results.report()                                 # results/line_capacity/multipurpose_osd/{base,...}/report.html

Running writes nothing: :meth:`Results.save` writes the data, :meth:`Results.report` the data, figures and pages,
each into a folder that replaces whatever result was there whole. ``twin run`` and ``twin sweep`` are this module
and a print. Ctrl-C raises :class:`scenarios.runs.Interrupted`, whose ``partial`` holds the replications finished
before it, marked incomplete (``complete`` is False, and a comparison refuses them).
"""
from __future__ import annotations

import html
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from scenarios import results as results_folder
from scenarios import scenario as scenarios_file
from scenarios.compare import Comparison
from scenarios.results import Result, ResultError, replacing
from scenarios.runs import Interrupted
from scenarios.scenario import Scenario
from scenarios.sweep import sweep, ticking
from twin.config import ConfigError, suggest

__all__ = ["run", "read", "Results"]


def run(scenario: Scenario | str | Path, variants: str | Sequence[str] | None = None, *,
        workers: int | None = None, cluster: str | None = None, progress: bool | None = False) -> Results:
    """Run ``variants`` of ``scenario`` (a :class:`Scenario` or its file; default: every variant, base first),
    every replication, on ``workers`` processes (default: one per core; 1: in this process) or a Dask ``cluster``
    (``tcp://HOST:PORT`` or ``local:N``); ``progress=True`` shows a bar (None: only on a terminal)."""
    if not isinstance(scenario, Scenario):
        scenario = scenarios_file.load(scenario)
    names = [variants] if isinstance(variants, str) else list(scenario.names if variants is None else variants)
    if not names:
        raise ValueError("variants=[]: no variant to run; give their names, or None for every variant")
    twice = next((name for i, name in enumerate(names) if name in names[:i]), None)
    if twice is not None:   # its replications would run twice with the same seeds: one sample counted as two
        raise ValueError(f"variants names '{twice}' twice; name each variant once")
    for name in names:
        if name not in scenario.names:
            raise ConfigError(f"no variant '{name}' in {scenario.file}", expected=f"one of {', '.join(scenario.names)}",
                              hint=suggest(name, scenario.names))
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise ValueError(f"workers={workers!r}: expected a whole number of processes, at least 1 (None: one per core)")
    try:
        by_variant = sweep(scenario, names, workers=workers, cluster=cluster, progress=progress)
    except Interrupted as stop:
        finished = {name: [o for o in stop.done if o.task.variant == name] for name in names}
        stop.partial = Results(scenario, {name: Result.of(scenario.settings(name), outcomes, scenario.provenance())
                                          for name, outcomes in finished.items()})
        raise
    return Results(scenario, {name: Result.of(scenario.settings(name), outcomes, scenario.provenance())
                              for name, outcomes in by_variant.items()})


def read(folder: str | Path) -> Result | Results:
    """What ``save`` or ``report`` left in ``folder``: one variant's folder gives its :class:`Result`, a sweep's
    folder (a folder per variant beside ``comparison.json``) its :class:`Results`, base first as the sweep ran them.
    :class:`ResultError` says why a folder is neither."""
    folder = Path(folder)
    if (folder / "kpis.json").is_file() or not (folder / "comparison.json").is_file():
        return results_folder.read(folder)
    names = [c.name for c in sorted(folder.iterdir()) if (c / "kpis.json").is_file()]
    try:
        listed = json.loads((folder / "comparison.json").read_text(encoding="utf-8"))["results"]
        order = [Path(r["path"]).name for r in listed if isinstance(r, dict) and r.get("path")]
    except (ValueError, KeyError, TypeError):
        order = []
    names = [n for n in order if n in names] + [n for n in names if n not in order]
    if not names:
        raise ResultError(f"{folder}: a sweep's folder without its variants' folders; run the sweep again")
    return Results(None, {name: results_folder.read(folder / name) for name in names}, path=folder)


@dataclass(eq=False)
class Results(Mapping[str, Result]):
    """The results of one run of a scenario, by variant (a mapping: ``results["base"]``), in run order.

    ``scenario`` is None for results read back from a sweep's folder (:func:`read`): their settings say the rest.
    """

    scenario: Scenario | None
    by_variant: dict[str, Result]
    path: Path | None = None

    @property
    def study(self) -> str:
        return self.scenario.study.name if self.scenario else str(next(iter(self.values())).study)

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self.scenario.name if self.scenario else str(next(iter(self.values())).provenance.get("scenario"))

    def __getitem__(self, name: str) -> Result:
        return self.by_variant[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.by_variant)

    def __len__(self) -> int:
        return len(self.by_variant)

    @property
    def complete(self) -> bool:
        return all(r.complete for r in self.values())

    @property
    def failures(self) -> list[dict]:
        return [f for r in self.values() for f in r.failures]

    def default_folder(self) -> Path:
        """One variant: ``results/<study>/<scenario>/<variant>``; several: ``results/<study>/<scenario>``, which
        holds a folder per variant and the comparison."""
        one = next(iter(self.values())).default_folder()
        return one if len(self) == 1 else one.parent

    def save(self, folder: str | Path | None = None) -> Path:
        """Write every variant's data (see :meth:`Result.save`) into ``folder`` (default :meth:`default_folder`),
        replacing whatever result was there whole; returns the folder."""
        return self._write(folder, lambda result, into: result.write_data(into), report=False)

    def report(self, folder: str | Path | None = None, progress: bool | None = False) -> Path:
        """Write the data, figures and page of every variant and, for several, their comparison
        (``report.html`` at the top) into ``folder``; returns the top page. ``progress`` as for :func:`run`."""
        steps = 4 * len(self) + (len(self) > 1)
        with tqdm(total=steps, desc="writing reports", unit="step", disable=not progress if progress is not None
                  else None) as bar, ticking(bar):
            def advance(step: str) -> None:
                bar.set_postfix_str(step, refresh=False)
                bar.update()

            folder = self._write(folder, lambda result, into: result.write_report(into, advance), report=True)
            if len(self) > 1:
                advance("comparison")
        return folder / "report.html"

    def _write(self, folder, write, report: bool) -> Path:
        folder = Path(folder) if folder is not None else self.default_folder()
        single = len(self) == 1
        with replacing(folder) as tmp:
            for name, result in self.items():
                into = tmp if single else tmp / name
                into.mkdir(exist_ok=True)
                write(result, into)
            for name, result in self.items():
                result.path = folder if single else folder / name  # where the comparison links to (data in memory)
            if report and not single:
                self.compare().write_report(tmp)
        self.path = folder
        return folder

    def compare(self, other: Results | Result | None = None) -> Comparison:
        """Each variant against the first; with ``other``, this run's results followed by the other's."""
        others = [] if other is None else [other] if isinstance(other, Result) else list(other.values())
        return Comparison([*self.values(), *others])

    def _repr_html_(self) -> str:
        parts = [f"<h3>{html.escape(self.study)} — {html.escape(self.name)}"
                 f"{'' if self.complete else ' (partial: interrupted)'}</h3>"]
        parts += [r._repr_html_() for r in self.values()]
        if len(self) > 1:
            try:
                parts.append(self.compare()._repr_html_())
            except ResultError as exc:
                parts.append(f"<p>{html.escape(str(exc))}</p>")
        return "".join(parts)

    def __repr__(self) -> str:
        return f"<Results {self.study} '{self.name}': {', '.join(self)}" \
               f"{'' if self.complete else ' (partial)'}>"
