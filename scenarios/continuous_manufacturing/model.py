"""One replication of the continuous line on the Twin: feeders -> blender -> NIR -> diversion gate -> press.

The units are the CasADi models of :mod:`twin.process.units` in one flowsheet on the Twin's clock; DES processes
refill the feeders' hoppers (each lot a new feed factor), apply the scenario's disturbances (feed-factor steps and
drifts, stoppages) and control the feeders' set points: ``control: ratio`` keeps them in ratio to the measured flow
of the largest feeder, ``control: mpc`` lets the model-predictive controller of :mod:`.mpc` choose them. With
``interlock: true`` a feeder that stops stops the others at the same instant and they restart together when it
restarts (a material-flow interlock), so the blend ratio is kept. The Twin plays the plant (``truth:`` applied,
:mod:`.plant`); the twin's side keeps the scenario's values. As the run goes, every minute of its clock, the plant's
instruments report on the bus (:mod:`.gauges`: the feeders' short-term noise, the load cells, the NIR's raw samples
with their faults) and the twin's estimator (:mod:`.estimator`) assimilates them, publishing the NIR's bias and the
blender's residence time. At the horizon :mod:`.outcome` turns the records into the replication's KPIs, traces and
events: the RTD band predicted from the load cells' flows, the gate's diversions (:mod:`.monitor`,
:mod:`.release`), the press's tablets and sub-lots (:mod:`.tablets`), the lots' genealogy. The gate's arithmetic
runs over the whole record at the end, but every decision at t uses the instruments and estimates up to t only
(``tests/scenarios/test_cm_live.py`` changes the plant after t and finds every decision before t unchanged). The
plant's true content tells what escaped. Times in s (traces and events too, as the scenario framework and the viewer
read them); mass flows in the traces in kg/h.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from threadpoolctl import ThreadpoolController

from scenarios.continuous_manufacturing import estimator, gauges, mspc, plant, rtd
from scenarios.continuous_manufacturing.mpc import Mpc
from scenarios.continuous_manufacturing.observer import HoldupObserver, delivered
from scenarios.continuous_manufacturing.outcome import outcome
from scenarios.continuous_manufacturing.params import CmParams, Disturbance, typed
from scenarios.line_capacity.model import stream
from scenarios.registry import Run
from twin import Twin
from twin.process import Flowsheet
from twin.process.units import Blender, LossInWeightFeeder, TabletPress

REFILL_TIME = 60.0   # s to top a hopper up
DRIFT_STEPS = 20     # a drift is applied as this many small steps
FEEDER_UPSETS = ("step", "drift", "stoppage")   # the disturbances of a feeder (the rest are the NIR probe's faults)
LOT_WAIT = 60.0       # s: the longest wait before checking again whether a new lot reached the screw
DRIFT_PERIOD = 300.0  # s between the steps of the plant's own slow feed-factor drift (truth: drift)


class Line:
    """The Twin of the line and the DES processes that disturb and control it; :meth:`run` runs it and returns
    its outcome (:func:`.outcome.outcome`, which leaves the tablets, sub-lots and MSPC features on the line)."""

    def __init__(self, params: CmParams | Mapping[str, Any], seed: np.random.SeedSequence) -> None:
        self.p = p = typed(params)
        self.feeders = p.feeders
        self.components = p.components
        self.rates = {tag: f.rate for tag, f in self.feeders.items()}
        self.total = sum(self.rates.values())
        self.api = p.press.api
        self.target = sum(f.rate for f in self.feeders.values() if f.component == self.api) / self.total
        self.api_feeders = set(p.api_feeders())
        self.seed = seed
        self.plant = plant.apply(p)                         # the simulated plant: the model where no truth is given
        self.lot = {tag: f.feed_factor for tag, f in self.plant.feeders.items()}   # of the lot in the hopper
        self.drift = dict.fromkeys(self.feeders, 1.0)       # the feed factor's drift since t = 0 (truth: drift)
        self.upset = dict.fromkeys(self.feeders, 1.0)       # disturbance factor on it
        self.stopped: list[str] = []                        # feeders whose own screw stopped (once per stoppage)
        self.held: dict[str, float] = {}                    # feeders standing still -> set point to resume
        self.restarted = -np.inf                            # when the interlock last restarted the line
        self.refilled = {tag: [] for tag in self.feeders}   # times each new lot was poured in
        self.stops: list[tuple[float, str, str]] = []        # (time, feeder, "stop" / "restart")
        self.lead = max(self.rates, key=self.rates.get)     # the feeder the others follow under ratio control
        self.moved = None                                   # succeeds when a disturbance wakes the controller
        self.twin = tw = Twin(sample_interval=p.sample_interval)
        self.build(tw, self.plant)                          # the Twin plays the plant
        press = p.press
        for i, tag in enumerate(self.feeders):
            tw.env.process(self.refills(tag, stream(seed, 0, i)))
            if self.plant.feeders[tag].drift:
                tw.env.process(self.drifts(tag))
        for d in p.disturbances:
            if d.kind in FEEDER_UPSETS:
                tw.env.process(self.disturb(d))
        self.faults = mspc.faults(p)                        # the monitor's faults, injected into the plant
        for fault in self.faults:
            if fault.kind == "feeder_drift":
                tw.env.process(self.disturb(Disturbance("drift", fault.at, fault.feeder, fault.duration,
                                                        fault.feed_factor)))
            elif fault.kind == "blender_fouling":
                tw.env.process(self.foul(fault))
        self.gauges = self.instrument()                     # the plant's instruments, on the bus as the run goes
        self.ranges = p.uncertainty
        self.estimator = None     # the twin declared what it does not know: it estimates it (NIR bias, blender tau)
        if self.ranges:
            self.estimator = estimator.LineEstimator(p, self.ranges, tw.tags, p.sample_interval, self.grid.size - 1)
            tw.env.process(self.estimate())
        self.mpc = None
        if p.control != "none":
            self.moved = tw.env.event()
            tw.env.process(self.ratio_control() if p.control == "ratio" else self.predictive_control())
        if p.control == "mpc":
            m = p.mpc
            model = Flowsheet()
            self.build(model, p)                            # the MPC plans on the twin's model, not the plant
            dae = model.build()
            b = p.blender
            self.observer = HoldupObserver(dae.x_names, b.tag, press.tag,
                                           {tag: f.component for tag, f in self.feeders.items()},
                                           {c: sum(f.rate for f in self.feeders.values() if f.component == c)
                                            for c in dict.fromkeys(self.components)},
                                           b.tau, b.tanks, press.feed_frame_tau)
            self.mpc = Mpc(dae, self.rates, press.tag, p.shares(), interval=m.interval,
                           steps=max(1, round(m.horizon / m.interval)), moves=m.moves, rate_weight=m.rate_weight,
                           move_weight=m.move_weight, api=self.api,
                           band=(p.limits[0] + p.margin, p.limits[1] - p.margin))

    def instrument(self) -> gauges.Gauges:
        """The plant's load cells and NIR probe (:mod:`.gauges`) with the plant's noise, biases and faults; their
        random numbers from the run's streams (2 and 3 per feeder, 1 for the probe, then the release's)."""
        p, truth, dt = self.p, self.plant, self.p.sample_interval
        self.grid = grid = np.arange(round(p.horizon / dt) + 1) * dt
        stuck = {f.feeder: int(np.searchsorted(grid, f.at)) for f in self.faults if f.kind == "load_cell_stuck"}
        noises = gauges.noises(lambda *key: stream(self.seed, *key), self.feeders, truth.feeders, grid.size - 1,
                               dt, {tag: k for tag, k in stuck.items() if k < grid.size - 1})
        every = int(round(p.pat.interval / dt))
        self.rng = stream(self.seed, 1)
        z = self.rng.standard_normal(grid[::every].size)
        bias, dropped = self.nir_faults(grid, truth.pat.bias)
        b = truth.blender
        return gauges.Gauges(self.twin, grid, noises, self.rates, self.api_feeders, self.target,
                             f"{b.tag}.w_{self.api}", rtd.kernel(dt, b.tau, b.tanks, None), p.pat.tag,
                             every, truth.pat.noise, bias, dropped, z)

    def nir_faults(self, grid: np.ndarray, bias: float) -> tuple[np.ndarray, np.ndarray]:
        """The probe's bias at each grid point (its own plus the ``nir_bias`` steps) and where it dropped out
        (``nir_dropout``)."""
        biases, dropped = np.full(grid.size, bias), np.zeros(grid.size, bool)
        for d in self.p.disturbances:
            if d.kind == "nir_bias":
                biases[grid >= d.at] += d.bias
            elif d.kind == "nir_dropout":
                dropped[(grid >= d.at) & (grid < d.at + d.duration)] = True
        for fault in self.faults:
            if fault.kind == "nir_bias":
                biases[grid >= fault.at] += fault.bias
        return biases, dropped

    def estimate(self):
        """The twin's estimator, every :data:`.estimator.INTERVAL`: the instruments report up to now, the filter
        assimilates it (:class:`.estimator.LineEstimator`)."""
        tw = self.twin
        while True:
            yield tw.env.timeout(self.estimator.interval)
            self.gauges.read_to(tw.now)
            self.estimator.advance(tw.now)

    def build(self, target, params: CmParams) -> None:
        """Add the line's units with the values of ``params`` (the plant's or the model's) to ``target`` (the Twin
        or a flowsheet) and connect them."""
        blender, press = params.blender, params.press
        tau_b, tau_ff = blender.tau, press.feed_frame_tau
        steady = {f.component: f.rate for f in self.feeders.values()}
        for tag, f in self.feeders.items():
            target.add(LossInWeightFeeder(tag, f.component, self.components, F_sp=f.rate, F_max=3 * f.rate,
                                          m0=f.hopper, m_low=f.refill_at, tau_c=f.control_time))
        target.add(Blender(blender.tag, self.components, tau=tau_b, n=blender.tanks,
                           holdup={c: r * tau_b for c, r in steady.items()}))
        target.add(TabletPress(press.tag, self.components, self.api, api_target=self.target, tau_ff=tau_ff,
                               tablet_mass=press.tablet_mass, holdup={c: r * tau_ff for c, r in steady.items()}))
        for tag in self.feeders:
            target.connect(f"{tag}.out", f"{blender.tag}.in")
        target.connect(f"{blender.tag}.out", f"{press.tag}.in")

    def feed_factor(self, tag: str) -> None:
        self.twin.set(f"{tag}.ff", 0.0 if tag in self.held else self.lot[tag] * self.upset[tag] * self.drift[tag])
        wakes = self.p.control == "mpc" or tag == self.lead
        if wakes and self.moved is not None and not self.moved.triggered:
            self.moved.succeed()

    def refills(self, tag: str, rng: np.random.Generator):
        """Top the hopper up when it calls (``low``); the new lot brings a feed factor from ``feed_factor`` times
        N(1, ff_sd) (the plant's ``feed_factor``: 1 unless ``truth:`` says otherwise). The screw runs volumetrically
        meanwhile (the feeder model holds its speed). In a first-in first-out hopper (``hopper_mixing: fifo``) the
        new lot reaches the screw, and its feed factor with it, once the ``refill_at`` kg it was poured onto have been
        delivered, as the genealogy (:meth:`outflows`) has it; in a mixed hopper at the end of the refill."""
        f, tw, factor = self.feeders[tag], self.twin, self.plant.feeders[tag].feed_factor
        while True:
            yield tw.event(f"{tag}.low")
            self.refilled[tag].append(tw.now)
            before = tw.tags.read(f"{tag}.m_hopper")
            poured = f.hopper - f.refill_at
            tw.set(f"{tag}.refill", poured / REFILL_TIME)
            yield tw.env.timeout(REFILL_TIME)
            tw.set(f"{tag}.refill", 0.0)
            lot = factor * (1.0 + f.ff_sd * rng.standard_normal())
            while f.hopper_mixing == "fifo":         # the old material below the new lot leaves first
                left = f.refill_at - (before + poured - tw.tags.read(f"{tag}.m_hopper"))
                if left <= 1e-9 * f.hopper:
                    break
                yield tw.env.timeout(min(LOT_WAIT, max(left / max(tw.tags.read(f"{tag}.massflow"), 1e-12), 1e-3)))
            self.lot[tag] = lot
            self.feed_factor(tag)

    def drifts(self, tag: str):
        """The plant's feed factor drifting at ``drift`` (1/s) from t = 0, applied every :data:`DRIFT_PERIOD`."""
        rate = self.plant.feeders[tag].drift
        while True:
            yield self.twin.env.timeout(DRIFT_PERIOD)
            self.drift[tag] = max(0.0, 1 + rate * self.twin.now)
            self.feed_factor(tag)

    def disturb(self, d: Disturbance):
        """A feed-factor step, a linear drift over ``duration``, or a stoppage (no flow for ``duration``)."""
        tw, tag = self.twin, d.feeder
        yield tw.env.timeout(d.at)
        if d.kind == "step":
            self.upset[tag] *= d.feed_factor
            self.feed_factor(tag)
        elif d.kind == "drift":
            start = self.upset[tag]
            for k in range(1, DRIFT_STEPS + 1):
                yield tw.env.timeout(d.duration / DRIFT_STEPS)
                self.upset[tag] = start * (1 + (d.feed_factor - 1) * k / DRIFT_STEPS)
                self.feed_factor(tag)
        else:
            self.stopped.append(tag)
            for other in self.feeders if self.p.interlock else (tag,):
                self.hold(other)
            yield tw.env.timeout(d.duration)
            self.stopped.remove(tag)
            if not self.p.interlock:
                if tag not in self.stopped:         # no other stoppage of this screw still under way
                    self.resume(tag)
            elif not self.stopped:                  # the last stopped screw runs again: all restart together
                self.restarted = tw.now
                for other in self.feeders:
                    self.resume(other)

    def foul(self, fault: mspc.Fault):
        """The blender's residence time creeping from its plant value to ``factor`` times it over ``duration``."""
        tw, tag = self.twin, self.plant.blender.tag
        start = self.plant.blender.tau
        yield tw.env.timeout(fault.at)
        for k in range(1, DRIFT_STEPS + 1):
            yield tw.env.timeout(fault.duration / DRIFT_STEPS)
            tw.set(f"{tag}.tau", start * (1 + (fault.factor - 1) * k / DRIFT_STEPS))

    def hold(self, tag: str) -> None:
        """Stop feeder ``tag``'s screw now: no flow, and a zero set point so its controller holds the speed."""
        if tag in self.held:
            return
        tw = self.twin
        self.held[tag] = tw.tags.read(f"{tag}.F_sp")
        self.stops.append((tw.now, tag, "stop"))
        tw.set(f"{tag}.F_sp", 0.0)
        self.feed_factor(tag)

    def resume(self, tag: str) -> None:
        """Restart feeder ``tag``'s screw at the speed and set point it stopped with."""
        tw = self.twin
        self.stops.append((tw.now, tag, "restart"))
        tw.set(f"{tag}.F_sp", self.held.pop(tag))
        self.feed_factor(tag)

    def ratio_control(self):
        """Every ``control_interval``, set the other feeders to their share of the leading feeder's measured flow
        (a change under the 0.5 % dead band is not sent). Between its own changes the lead's flow is steady, so
        the controller sleeps until the lead moves and then works until its gravimetric loop has settled."""
        tw, c, lead = self.twin, self.p.control_interval, self.lead
        settle = 10 * self.feeders[lead].control_time
        while True:
            yield self.moved
            self.moved = tw.env.event()
            until = tw.now + settle
            while tw.now < until or self.lead in self.held:
                yield tw.env.timeout(c)
                if self.moved.triggered:            # moved again: settle from now
                    self.moved, until = tw.env.event(), tw.now + settle
                if tw.now == self.restarted:        # the set points it restored stand; weighed from the next tick
                    continue
                measured = tw.tags.read(f"{lead}.massflow")
                for tag, rate in self.rates.items():
                    if tag == lead or tag in self.held:
                        continue
                    new = rate * measured / self.rates[lead]
                    if abs(new - tw.tags.read(f"{tag}.F_sp")) > 0.005 * rate:
                        tw.set(f"{tag}.F_sp", new)

    def predictive_control(self):
        """From a disturbance on, every ``mpc.interval``: solve the MPC from the model's hold-ups as the load cells'
        records give them (:mod:`.observer`), the feeders' measured states and the feed factors they measure (flow
        over screw speed), on the model's parameters, and apply its first move. A new disturbance is answered one
        sample after it (when the load cells see it); once the plan holds the set points and forecasts the recipe
        within 0.1 %, rest until the next one (the line is steady, solving on would change nothing). A stopped
        feeder's set point is left alone."""
        tw, mpc, dae = self.twin, self.mpc, self.mpc.dae
        resting = True
        while True:
            yield self.moved if resting else tw.env.any_of([tw.env.timeout(mpc.interval), self.moved])
            if self.moved.triggered:
                yield tw.env.timeout(self.p.sample_interval)
                self.moved = tw.env.event()
            p = dae.p0.copy()                     # the model's parameters; the feeders' live signals read
            for tag in self.feeders:
                for name in ("F_sp", "refill"):
                    p[dae.p_names.index(f"{tag}.{name}")] = tw.tags.read(f"{tag}.{name}")
                speed = tw.tags.read(f"{tag}.speed") * tw.tags.read(f"{tag}.F_max")
                p[dae.p_names.index(f"{tag}.ff")] = tw.tags.read(f"{tag}.massflow") / max(speed, 1e-12)
            self.observer.advance(tw.now, {tag: (self.records(f"{tag}.m_hopper")[0],
                                                 delivered(*self.records(f"{tag}.m_hopper"),
                                                           *self.records(f"{tag}.refill")))
                                           for tag in self.feeders}, self.p.sample_interval)
            x = self.observer.fill(dae.x0.copy())
            for tag in self.feeders:              # the feeders' states are measured (load cells, screw drive)
                for name in ("m_hopper", "speed"):
                    x[dae.x_names.index(f"{tag}.{name}")] = tw.tags.read(f"{tag}.{name}")
            plan = mpc.plan(x, p)
            for j, tag in enumerate(self.feeders):
                if tag not in self.held:
                    tw.set(f"{tag}.F_sp", plan[0, j])
            resting = mpc.at_rest(tolerance=1e-3)

    def records(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Tag ``name``'s records up to now, its present value last (the bus records on its own sample grid)."""
        t, v, _ = self.twin.tags.history(name)
        return np.append(t, self.twin.now), np.append(v, self.twin.tags.read(name))

    def run(self) -> Run:
        """Run the line and compute its outcome, NumPy's and SciPy's BLAS held to one thread: the matrices here are
        small (a 6 x 6 exponential, the filter's 12 x 12), where the library's threads cost far more than they
        bring on a shared machine (scipy.linalg.expm of the RTD's tanks: 20 ms against 0.02 ms at load 8)."""
        with ThreadpoolController().limit(limits=1, user_api="blas"):
            self.twin.run(until=self.p.horizon)
            return outcome(self)

    def outflows(self, tag: str, grid: np.ndarray) -> np.ndarray:
        """Each lot's mean outflow from feeder ``tag`` over each grid step, its hopper first-in first-out or
        perfectly mixed (``hopper_mixing``), from the Twin's records (:mod:`.rtd`)."""
        f, tags = self.feeders[tag], self.twin.tags
        t, flow, _ = tags.history(f"{tag}.massflow")
        if f.hopper_mixing == "fifo":
            return rtd.fifo_outflow(t, flow, grid, self.refilled[tag], f.refill_at)
        t_mass, mass, _ = tags.history(f"{tag}.m_hopper")
        return rtd.mixed_outflow(t, flow, grid, self.refilled[tag], REFILL_TIME,
                                 (f.hopper - f.refill_at) / REFILL_TIME, t_mass, mass)


def simulate(params: Mapping[str, Any], seed: np.random.SeedSequence) -> Run:
    """One replication of the line described by ``params`` (resolved scenario parameters, SI units)."""
    return Line(CmParams.of(params), seed).run()
