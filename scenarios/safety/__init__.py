"""Safety barriers: the LOPA risk register of a plant, its SIFs' PFDavg by IEC 61508-6, barriers followed live.

The scenario names a LOPA file (YAML or a CSV worksheet, see :mod:`scenarios.safety.lopa`); every IPL must stand
on a tag of the plant (``R-101.TT-02``, ``XV-101``). ``states`` is a timeline of barrier health written to the
TagBus (``{at: 30 d, tag: R-101.TT-02.bypassed, value: true}``, see :mod:`scenarios.safety.live`): the frequencies
follow it over the horizon. See ``api_bay.yaml`` beside this file.

KPIs per LOPA scenario ``s``: ``frequency.s`` (mitigated with every barrier healthy, 1/yr), ``gap.s`` (that over
the tolerable frequency: above 1 the risk is not tolerable), ``rrf_needed.s`` (what the SIFs must bring),
``sil_required.s``, ``mean_frequency.s`` (time-average over the horizon with the states, 1/yr) and ``time_above.s``
(s above the tolerable frequency); ``pfd.<ipl>`` per SIF and ``pfd_now_max.<ipl>``, its worst PFD at a moment
(an overdue proof test). Traces: each scenario's frequency over time (``t`` in s,
as every result folder; events too). With a ``thermal`` section, the reactor's thermal risk
(:mod:`scenarios.safety.thermal`): ``thermal.Tp``, ``.dT_ad``, ``.MTSR``, ``.MTT``, ``.TD24`` (K), ``.TMRad_at_MTSR``
(s) and Stoessel's ``thermal.class``. With a
``monte_carlo`` section, each scenario's accident paths sampled (:mod:`scenarios.safety.montecarlo`):
``mc_frequency.s`` (1/yr) and ``mc_agrees.s`` (1 when the static LOPA value lies in its 95% interval). With an
``accident_paths`` section, LOPA scenarios run demand by demand through the twin's reactor
(:mod:`scenarios.safety.path`, :mod:`~scenarios.safety.paths`): ``dyn_frequency.s`` with ``dyn_low.s``/``dyn_high.s``
(95%), ``dyn_agrees.s``,
``dyn_reach.s`` against ``dyn_assumed_reach.s`` and ``dyn_late.s.<ipl>``: why the dynamic value differs;
``dyn_trip_limit.s`` (K) the highest SIS trip point that still stops the path in time (NaN: none does;
``trip_limit: false`` skips its bisection). An
``interlock`` (the agitation interlock's IPL) stops the dosing at the exact time an ``agitator_stop`` happens; such
a scenario's ``restart`` is how long the agitator stands still. ``full_cooling: {flow, temperature}`` makes the SIS
trip also switch the jacket to its emergency coolant, ``quench: {flow, volume, temperature}`` drown the batch in
cold inert solvent. ``relief: {ipl, set}`` simulates the relief device (set pressure gauge, below the plant's
``design_pressure``) in the scenarios crediting it: the head pressure is on the path and the top event is the
design pressure (the chemistry's ``p_inert`` is the padding gas, the solvent ethanol unless ``antoine_*`` say);
``dyn_peak_pressure.s`` (Pa, absolute) is the highest head pressure over its paths. The headspace gas: a
``nitrogen_loss`` scenario (``ingress``: the air the headspace breathes once the pad is gone) reaches its top event
when the oxygen rises through ``oxygen: {loc}``, the solvent's limiting oxygen concentration; ``oxygen: {ipl,
purge, operator}`` is the IPL acting on the plant's O2 alarm (``AT-01``'s ``alarm``): at the exact crossing (an
interlock) or after the operator's response time, it stops the dosing and purges nitrogen in (``dyn_peak_oxygen.s``,
the highest oxygen fraction). A ``regulator_open`` scenario (``supply: {pressure, cda}``: the nitrogen before the
pad regulator, gauge, and its orifice) reaches the design pressure unless the ``pressure_trip`` IPL (on the plant's
``PT-02`` ``trip``) closes the nitrogen at the exact crossing (and switches to ``full_cooling`` when given).
Events: each path's top event at its time in the batch, and every sampled path (source ``<scenario>.path``, at
its initiating event, with its ``peak`` in SI and its importance ``weight``) for the report's scatter.
``barrier_view: true`` adds the plant in 3D coloured by barrier state to the report.

The package: :mod:`~scenarios.safety.schema` (the keys above, their units and defaults),
:mod:`~scenarios.safety.params` (the same, typed and frozen, as the model reads them), :mod:`~scenarios.safety.checks`
(what the schema cannot say), :mod:`~scenarios.safety.model` (one replication), and the methods:

- :mod:`scenarios.safety.sif`     PFDavg of 1oo1, 1oo2, 2oo3 groups; SIL bands
- :mod:`scenarios.safety.lopa`    LOPA files in, the risk register out
- :mod:`scenarios.safety.bowtie`  the barrier graph: frequencies, minimal cut sets, min-cut, restore suggestions
- :mod:`scenarios.safety.live`    barrier health from the TagBus, frequencies and alarms recomputed on each change
- :mod:`scenarios.safety.thermal` Stoessel's criticality of a semi-batch reaction: MTSR, TMRad, TD24
- :mod:`scenarios.safety.montecarlo` accident paths sampled, importance sampling over barrier failures
- :mod:`scenarios.safety.path`    one accident path on the twin's reactor: the initiating event, the barriers
- :mod:`scenarios.safety.paths`   accident paths sampled (operator response times, importance sampling), trip limits
- :mod:`scenarios.safety.figures` the report's bow-tie and Swiss-cheese pictures
"""
from __future__ import annotations

from scenarios.registry import Deferred, Study
from scenarios.safety.checks import check
from scenarios.safety.schema import FIELDS

STUDY = Study(
    name="safety",
    description=__doc__.splitlines()[0],
    fields=FIELDS,
    required=("lopa",),
    run=Deferred("scenarios.safety.model:assess"),
    check=check,
    figures=Deferred("scenarios.safety.figures:write"),
    views=True,   # its figures ask for 3D views
)
