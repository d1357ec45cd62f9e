"""Scheduling: a production plan optimised with OR-Tools CP-SAT, then executed in the DES twin under uncertainty.

The scenario lists products with their recipes (ordered steps, each with the plant units that may do it as tags or
patterns such as ``TP-40*``, a time (per unit where one differs), an optional hold-time limit before the next step,
the operators it needs and from which crew), orders (product, batches or a quantity in batches of the product's
size, release and due dates, priority), the cleaning matrix between products (minor clean on the diagonal, major
clean off it), maintenance windows of units, operators on shift (a pool, or crews by skill, on a daily shift), the
QC lab (release tests on instruments, analysts and what each is qualified for) and the objective's weights.
:mod:`~scenarios.scheduling.horizon` makes the plan once (CP-SAT window by window, from the greedy schedule of
:mod:`~scenarios.scheduling.greedy`); each replication executes it (:mod:`~scenarios.scheduling.execute`) with random
times, breakdowns, retests and absences under a policy: ``shift_right`` (keep the plan), ``replan`` (plan again from
the shop floor after a long breakdown) or ``dispatch`` (earliest due date). See ``multipurpose_osd.yaml`` beside this
file; ``twin schedule jobshop FILE`` solves job-shop instances in the OR-Library format.

KPIs: ``makespan``, ``tardiness`` and ``tardiness.max`` (h, of release), ``on_time`` (fraction of batches),
``hold_violations``, ``wip`` (batches), ``utilisation.busy|cleaning|down|idle`` (fraction of unit time to the
makespan), ``lab_lead_time`` and ``.max`` (h from packaging to release), ``replans``, and ``plan.*`` for the plan as
made (the same in every replication: ``twin compare`` calls two such KPIs different exactly when they differ).
"""
from __future__ import annotations

import fnmatch
import functools
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from scenarios.registry import Run, Study
from scenarios.scenario import plant_tags
from scenarios.scheduling import horizon
from scenarios.scheduling.execute import POLICIES, Execution
from scenarios.scheduling.params import Planning, RunParams
from scenarios.scheduling.plan import Plan, PlanError, Problem, batch_count
from twin.config import FilePath, Integer, ListOf, MapOf, Number, Quantity, Record, Str, suggest

STEP = Record({"units": ListOf(Str(), min_items=1), "time": Quantity("s", "3 h"), "hold": Quantity("s", "24 h"),
               "operators": Integer(minimum=0), "times": MapOf(Quantity("s", "8 h")), "crew": Str()},
              required=("units", "time"), defaults={"operators": 0}, name="a recipe step")
PRODUCT = Record({"steps": MapOf(STEP), "batch_size": Number(minimum=0)}, required=("steps",), name="a product")
ORDER = Record({"product": Str(), "batches": Integer(minimum=1), "quantity": Number(minimum=0),
                "release": Quantity("s", "2 d"), "due": Quantity("s", "10 d"), "priority": Number(minimum=0)},
               required=("product", "due"), defaults={"release": 0.0, "priority": 1.0}, name="an order")
TEST = Record({"instruments": ListOf(Str()), "time": Quantity("s", "6 h"), "hands_on": Quantity("s", "2 h")},
              required=("time",), name="a lab test")
LAB = Record({"tests": MapOf(TEST), "analysts": MapOf(ListOf(Str(), min_items=1))}, required=("tests", "analysts"),
             name="the QC lab")
WINDOW = Record({"from": Quantity("s", "3 d"), "to": Quantity("s", "3.5 d")}, required=("from", "to"),
                name="a closed window")
MAINTENANCE_PLAN = Record({"scenario": FilePath(), "variant": Str(), "ages": MapOf(Quantity("s", "600 h"))},
                          required=("scenario",), defaults={"variant": "base"},
                          name="a maintenance plan (a maintenance scenario whose age policy plans the windows)")
SHIFT = Record({"start": Quantity("s", "6 h"), "end": Quantity("s", "22 h")}, required=("start", "end"),
               name="the operators' daily shift (times of day)")
OBJECTIVE = Record({"makespan": Number(minimum=0), "tardiness": Number(minimum=0), "major_cleans": Number(minimum=0),
                    "lab": Number(minimum=0)},
                   defaults={"makespan": 1.0, "tardiness": 1.0, "major_cleans": 0.0, "lab": 0.0},
                   name="objective weights")
SOLVER = Record({"time_limit": Quantity("s", "10 s"), "workers": Integer(minimum=1), "window": Integer(minimum=1)},
                defaults={"time_limit": 10.0, "workers": 1, "window": 20}, name="solver settings")
UNCERTAINTY = Record({"duration_cv": Number(0, 10), "mtbf": Quantity("s", "200 h"), "mttr": Quantity("s", "4 h"),
                      "retest": Number(minimum=0), "absence": Number(minimum=0), "replan_after": Quantity("s", "8 h"),
                      "replan_limit": Quantity("s", "1 s")},
                     defaults={"duration_cv": 0.0, "retest": 0.0, "replan_after": 0.0, "replan_limit": 1.0},
                     name="the uncertainty of execution (and how the replan policy answers it)")


MAX_TIME = 2.0**53   # s: CP-SAT plans in whole seconds as 64-bit integers; sums of a few times must still fit
TOO_LONG = "a time below 2**53 s (285 million years)"
MAX_OBJECTIVE = 2.0**62   # CP-SAT refuses a model whose objective could leave its 64-bit integers (a margin of 2)
MAX_BATCHES = 10_000      # 50 times the benchmark's 200: a Python object per operation, a CP-SAT model per 20
SHIFT_DAYS = 366          # the shift calendar lists each night off to the horizon (3000 d: 20 batches in 25 s)
MAX_BREAKDOWNS = 100_000  # expected over the plan's work (a DES event each: ~2 s); replans cost a CP-SAT search each
MAX_REPLANS = 100         # (a replan of the small property-test plan: ~40 ms of CP-SAT; the sample: 0.6 a run)


def eligible(pattern: str, tags) -> list[str]:
    """The plant tags a step's unit entry names: the tag itself, or those matching a pattern like ``TP-40*``."""
    return sorted(fnmatch.filter(tags, pattern)) if any(c in pattern for c in "*?[") else (
        [pattern] if pattern in tags else [])


def check(params: Mapping[str, Any], tags: frozenset[str]) -> None:
    """Every step has plant units, every order a known product and a due date after release, the matrix is whole."""
    products = params["products"]
    if not products:
        raise params.error("products", "no products", expected="at least one product with its recipe steps")
    for name, product in products.items():
        if not product["steps"]:
            raise products[name].error("steps", f"product '{name}' has no steps", expected="a mapping of steps")
        if product["batch_size"] is not None and not product["batch_size"] > 0:
            raise product.error("batch_size", f"product '{name}': a batch size of {product['batch_size']:g}",
                                expected="a positive number (the quantity one batch makes)")
        for step_name, step in product["steps"].items():
            for i, pattern in enumerate(step["units"]):
                if not eligible(pattern, tags):
                    raise step["units"].error(i, f"product '{name}', step '{step_name}': no plant unit is "
                                              f"'{pattern}'", expected="a plant tag, or a pattern such as TP-40*",
                                              hint=suggest(pattern, tags) or f"the plant's tags are "
                                              f"{', '.join(sorted(tags))}")
            units = {t for pattern in step["units"] for t in eligible(pattern, tags)}
            for pattern in step["times"]:
                if not set(eligible(pattern, tags)) & units:
                    raise step["times"].error(pattern, f"product '{name}', step '{step_name}': a time for "
                                              f"'{pattern}', which is not one of the step's units",
                                              expected=f"one of {', '.join(sorted(units))}",
                                              hint=suggest(pattern, units))
            if step["crew"] is not None and step["crew"] not in params["crews"]:
                raise step.error("crew", f"product '{name}', step '{step_name}': no crew '{step['crew']}'",
                                 expected=f"one of the scenario's crews: {', '.join(params['crews']) or 'none given'}",
                                 hint=suggest(step["crew"], params["crews"]) or "add it to 'crews: {NAME: PEOPLE}'")
            if step["crew"] is not None and step["operators"] > params["crews"][step["crew"]]:
                raise step.error("operators", f"product '{name}', step '{step_name}' needs {step['operators']} "
                                 f"operators, crew '{step['crew']}' has {params['crews'][step['crew']]}",
                                 hint="lower the step's operators or enlarge the crew")
            if step["crew"] is None and params["operators"] is not None and step["operators"] > params["operators"]:
                raise step.error("operators", f"product '{name}', step '{step_name}' needs {step['operators']} "
                                 f"operators, only {params['operators']} are on shift",
                                 hint="lower the step's operators or raise the scenario's 'operators'")
            if step["hold"] is not None and step["hold"] < 0:
                raise step.error("hold", "a hold time cannot be negative", expected="a time such as 24 h")
            for key, value in (("time", step["time"]), ("hold", step["hold"] or 0.0)):
                if value >= MAX_TIME:
                    raise step.error(key, f"{value:g} s is too long for the planner", expected=TOO_LONG)
            for where, key, value in ((step, "time", step["time"]), *((step["times"], u, t)
                                                                      for u, t in step["times"].items())):
                if value > params["horizon"]:
                    raise where.error(key, f"product '{name}', step '{step_name}' takes {value / 3600:g} h, longer "
                                      f"than the horizon ({params['horizon'] / 3600:g} h)", expected="a time within "
                                      "the horizon: no plan can use it, and dispatching would run it",
                                      hint="shorten it, lengthen the horizon, or leave the unit out of the step")
    if not params["orders"]:
        raise params.error("orders", "no orders", expected="a list of orders {product, batches, due}")
    for i, order in enumerate(params["orders"]):
        if order["product"] not in products:
            raise order.error("product", f"order {i}: unknown product '{order['product']}'",
                              expected=f"one of {', '.join(products)}", hint=suggest(order["product"], products))
        if order["due"] >= MAX_TIME:
            raise order.error("due", f"order {i} is due at {order['due']:g} s, too late for the planner",
                              expected=TOO_LONG)
        if order["due"] < order["release"]:
            raise order.error("due", f"order {i} ({order['product']}) is due ({order['due'] / 3600:g} h) before it "
                              f"is released ({order['release'] / 3600:g} h)", expected="due >= release")
        if order["batches"] is not None and order["quantity"] is not None:
            raise order.error("quantity", f"order {i} ({order['product']}) gives both batches and quantity",
                              hint="give one: the quantity is split into batches of the product's batch_size")
        if order["quantity"] is not None and products[order["product"]]["batch_size"] is None:
            raise order.error("quantity", f"order {i} gives a quantity but product '{order['product']}' has no "
                              "batch_size", hint=f"add 'batch_size: ...' to product '{order['product']}'")
        size = order["quantity"] / products[order["product"]]["batch_size"] if order["quantity"] is not None else (
            order["batches"] or 1)
        if size > MAX_BATCHES:
            raise order.error("batches" if order["quantity"] is None else "quantity", f"order {i} ({order['product']}) "
                              f"makes {size:.3g} batches", expected=f"at most {MAX_BATCHES} batches in a plan",
                              hint="plan a campaign at a time")
        route = sum(min([step["time"], *step["times"].values()])
                    for step in products[order["product"]]["steps"].values())
        if order["release"] + route > params["horizon"]:
            raise order.error("release", f"order {i} ({order['product']}) cannot finish within the horizon: released "
                              f"at {order['release'] / 3600:g} h, its fastest route takes {route / 3600:g} h, the "
                              f"horizon ends at {params['horizon'] / 3600:g} h", expected="release + route <= horizon",
                              hint="lengthen the horizon or release the order earlier")
    matrix = params["cleaning"]
    for a in products:
        if a not in matrix:
            raise params.error("cleaning", f"the cleaning matrix has no row for product '{a}'",
                               expected=f"a row '{a}: {{{', '.join(f'{b}: TIME' for b in products)}}}'")
        for b in products:
            if b not in matrix[a]:
                raise matrix.error(a, f"the cleaning matrix misses the clean from '{a}' to '{b}'",
                                   expected=f"'{b}: TIME' in the row of '{a}'")
            if matrix[a][b] >= MAX_TIME:
                raise matrix[a].error(b, f"a clean of {matrix[a][b]:g} s is too long for the planner",
                                      expected=TOO_LONG)
            if matrix[a][b] > params["horizon"]:
                raise matrix[a].error(b, f"a clean from '{a}' to '{b}' of {matrix[a][b] / 3600:g} h, longer than "
                                      f"the horizon ({params['horizon'] / 3600:g} h)", expected="a time within the "
                                      "horizon (dispatching would run it)")
    check_size(params)
    check_capacity(params, tags)
    check_lab(params, tags)
    check_shift(params)
    _check_maintenance_plan(params)
    for unit, windows in params["maintenance"].items():
        if unit not in tags:
            raise params["maintenance"].error(unit, f"no plant unit is '{unit}'", expected="a plant tag",
                                              hint=suggest(unit, tags))
        for window in windows:
            if window["to"] <= window["from"]:
                raise window.error("to", f"maintenance of {unit}: the window ends before it starts",
                                   expected="to > from")
            if window["to"] >= MAX_TIME:
                raise window.error("to", f"maintenance of {unit}: {window['to']:g} s is too long for the planner",
                                   expected=TOO_LONG)
    u = params["uncertainty"]
    if (u["mtbf"] is None) != (u["mttr"] is None):
        raise params.error("uncertainty", "breakdowns need both mtbf and mttr", hint="give both, or neither")
    check_breakdowns(params)
    if u["absence"] is not None and u["absence"] > 1:
        raise u.error("absence", f"an absence probability of {u['absence']:g}", expected="0 <= absence <= 1")
    staffed = any(step["operators"] for product in params["products"].values() for step in product["steps"].values())
    if u["absence"] == 1 and staffed:
        raise u.error("absence", "an absence probability of 1 leaves every shift empty: the steps that need "
                      "operators never run (the run never ends)", expected="0 <= absence < 1")
    if u["absence"]:
        check_teams(params)
    if u["retest"] >= 1:
        raise u.error("retest", f"a retest probability of {u['retest']:g} never ends", expected="0 <= retest < 1")


def check_teams(params: Mapping[str, Any], least: float = 1e-4) -> None:
    """Each step's operators are all in on at least ``least`` of the days: with absence p, the chance that k of a
    crew of n are in is the binomial tail P(X >= k), X ~ B(n, 1 - p); below it the step waits for them over 1/least
    days (27 years) and the run does not end in reasonable time."""
    u = params["uncertainty"]
    for name, product in params["products"].items():
        for step_name, step in product["steps"].items():
            n = params["operators"] if step["crew"] is None else params["crews"][step["crew"]]
            k = step["operators"]
            if k and n is not None and (days := present(n, k, 1 - u["absence"])) < least:
                raise u.error("absence", f"an absence probability of {u['absence']:g}: the {k} operators of step "
                              f"'{step_name}' (product '{name}') are all in on {days:.2g} of the days (of {n} on "
                              f"shift): it would wait ~{1 / days if days else math.inf:.2g} days for them",
                              expected=f"0 <= absence, with each step's operators in on at least {least:g} of the "
                              "days (fewer operators for the step)")


def present(n: int, k: int, q: float) -> float:
    """P(X >= k) for X ~ B(n, q), summed in logs over the shorter side of the distribution."""
    def term(j: int) -> float:
        if q == 0 or q == 1:
            return float(j == (n if q == 1 else 0))
        return math.exp(math.lgamma(n + 1) - math.lgamma(j + 1) - math.lgamma(n - j + 1)
                        + j * math.log(q) + (n - j) * math.log1p(-q))
    if n - k + 1 <= k:
        return min(1.0, math.fsum(term(j) for j in range(k, n + 1)))
    return max(0.0, 1 - math.fsum(term(j) for j in range(k)))


def check_size(params: Mapping[str, Any]) -> None:
    """The plan fits CP-SAT's 64-bit integers and memory: at most :data:`MAX_BATCHES` batches, a horizon in whole
    seconds below 2**53 (a year with a shift), an objective below 2**62 at its worst (every weighted term at the
    horizon, a major clean at every operation; :meth:`scenarios.scheduling.plan.Model.objective`)."""
    products, horizon, w = params["products"], params["horizon"], params["objective"]
    counts = [batch_count(o, products) for o in params["orders"]]
    if sum(counts) > MAX_BATCHES:
        raise params.error("orders", f"the orders make {sum(counts)} batches", expected=f"at most {MAX_BATCHES}",
                           hint="plan a campaign at a time")
    if horizon >= MAX_TIME:
        raise params.error("horizon", f"{horizon:g} s is too long for the planner", expected=TOO_LONG)
    if params["shift"] is not None and horizon > SHIFT_DAYS * 86400:
        raise params.error("horizon", f"a horizon of {horizon / 86400:g} days with a daily shift",
                           expected=f"at most {SHIFT_DAYS} days (the shift calendar lists every night)",
                           hint="plan a year at a time")
    operations = sum(n * len(products[o["product"]]["steps"]) for n, o in zip(counts, params["orders"]))
    worst = (horizon * 100 * (w["makespan"] + w["lab"] * sum(counts)
                              + 2 * w["tardiness"] * sum(n * o["priority"] for n, o in zip(counts, params["orders"])))
             + 100 * 3600 * w["major_cleans"] * operations)
    if not worst < MAX_OBJECTIVE:
        raise params.error("objective", f"the objective can reach {worst:.3g} over the {horizon / 3600:g} h horizon",
                           expected="below 2**62 (CP-SAT's integers)",
                           hint="lower the weights or the orders' priorities, or shorten the horizon")


def check_capacity(params: Mapping[str, Any], tags: frozenset[str]) -> None:
    """No plan exists if a step's units have more work than fits between its first release and the horizon, shared
    out evenly (each batch on the step's fastest unit): refused here, in microseconds, rather than by the planner."""
    products, work, first = params["products"], {}, {}
    for order in params["orders"]:
        n = batch_count(order, products)
        for step in products[order["product"]]["steps"].values():
            units = tuple(sorted({t for pattern in step["units"] for t in eligible(pattern, tags)}))
            work[units] = work.get(units, 0.0) + n * min([step["time"], *step["times"].values()])
            first[units] = min(first.get(units, math.inf), order["release"])
    for units, total in work.items():
        if first[units] + total / len(units) > params["horizon"]:
            raise params.error("orders", f"the orders do not fit in the horizon of {params['horizon'] / 3600:g} h: "
                               f"units {', '.join(units)} have {total / 3600:g} h of work from "
                               f"{first[units] / 3600:g} h", hint="lengthen the horizon, add units or drop orders")


def check_breakdowns(params: Mapping[str, Any]) -> None:
    """Breakdowns a run can simulate: at most :data:`MAX_BREAKDOWNS` expected over the plan's work (each step on
    its fastest unit), and under the ``replan`` policy at most :data:`MAX_REPLANS` repairs longer than
    ``replan_after`` (exponential repairs: a share ``exp(-replan_after / mttr)`` of the breakdowns)."""
    u, products = params["uncertainty"], params["products"]
    if not u["mtbf"]:
        return
    work = sum(batch_count(o, products) * sum(min([s["time"], *s["times"].values()])
                                               for s in products[o["product"]]["steps"].values())
               for o in params["orders"])
    breakdowns = work / u["mtbf"]
    if breakdowns > MAX_BREAKDOWNS:
        raise u.error("mtbf", f"a mean time between failures of {u['mtbf']:g} s breaks the plan's "
                      f"{work / 3600:g} h of work about {breakdowns:.3g} times",
                      expected=f"at most {MAX_BREAKDOWNS} breakdowns: an mtbf of {work / MAX_BREAKDOWNS:.3g} s or more")
    replans = breakdowns * math.exp(-u["replan_after"] / u["mttr"]) if u["mttr"] else 0.0   # (no repair: none)
    if params["policy"] == "replan" and replans > MAX_REPLANS:
        raise u.error("replan_after", f"about {replans:.3g} of the {breakdowns:.3g} breakdowns expected take longer "
                      f"than replan_after ({u['replan_after'] / 3600:g} h) and re-plan",
                      expected=f"at most {MAX_REPLANS} re-plans (a CP-SAT search each)",
                      hint="raise replan_after or mtbf")


def _check_maintenance_plan(params: Mapping[str, Any]) -> None:
    """The maintenance plan's scenario plans windows (an age policy) for assets it has."""
    from scenarios.maintenance.windows import NotPlanned

    plan = params["maintenance_plan"]
    if plan is None:
        return
    try:
        closed_windows(params)
    except NotPlanned as exc:
        raise plan.error(exc.key, str(exc)) from None
    except KeyError as exc:
        raise plan["ages"].error(exc.args[0], f"the maintenance scenario has no asset '{exc.args[0]}'",
                                 expected="a tag of its assets") from None


def closed_windows(params: Mapping[str, Any]) -> dict[str, list[dict[str, float]]]:
    """The units' closed windows: those given by hand (``maintenance:``) and those the maintenance plan's age policy
    plans over the horizon (``maintenance_plan:``, :mod:`scenarios.maintenance.windows`), merged where they meet."""
    plan = params.get("maintenance_plan")
    by_hand = {u: [(w["from"], w["to"]) for w in windows] for u, windows in (params.get("maintenance") or {}).items()}
    if plan:
        from scenarios.maintenance.windows import from_scenario, merged

        by_hand = merged(by_hand, from_scenario(plan["scenario"], plan["variant"], params["horizon"],
                                                plan.get("ages") or {}))
    return {u: [{"from": lo, "to": hi} for lo, hi in windows] for u, windows in by_hand.items()}


def check_shift(params: Mapping[str, Any]) -> None:
    """A shift needs operators, times of day, and room for the longest step that needs them."""
    shift = params["shift"]
    if shift is None:
        return
    if params["operators"] is None and not params["crews"]:
        raise params.error("shift", "a shift without operators", hint="give 'operators: N' (or crews) on shift")
    for key in ("start", "end"):
        if not 0 <= shift[key] <= 86400:
            raise shift.error(key, f"the shift's {key} is not a time of day", expected="between 0 h and 24 h")
    length = (shift["end"] - shift["start"]) % 86400 or 86400
    for name, product in params["products"].items():
        for step_name, step in product["steps"].items():
            if step["operators"] and min([step["time"], *step["times"].values()]) > length:
                raise step.error("time", f"product '{name}', step '{step_name}' needs operators for longer than the "
                                 f"{length / 3600:g} h shift", hint="lengthen the shift, or split the step")


def check_lab(params: Mapping[str, Any], tags: frozenset[str]) -> None:
    """Every lab test has instruments of the plant and a qualified analyst; every qualification is a test."""
    lab = params["lab"]
    if lab is None:
        return
    for name, test in lab["tests"].items():
        for i, pattern in enumerate(test["instruments"]):
            if not eligible(pattern, tags):
                raise test["instruments"].error(i, f"lab test '{name}': no plant instrument is '{pattern}'",
                                                expected="a plant tag, or a pattern such as HPLC-0*",
                                                hint=suggest(pattern, tags))
        if test["time"] > params["horizon"]:
            raise test.error("time", f"lab test '{name}' takes {test['time'] / 3600:g} h, longer than the horizon "
                             f"({params['horizon'] / 3600:g} h)", expected="a time within the horizon")
        if test["hands_on"] is not None and test["hands_on"] > test["time"]:
            raise test.error("hands_on", f"lab test '{name}': hands-on time longer than the test",
                             expected="hands_on <= time")
        if not any(name in skills for skills in lab["analysts"].values()):
            raise lab.error("analysts", f"no analyst is qualified for the lab test '{name}'",
                            hint=f"add '{name}' to an analyst's qualifications")
    for analyst, skills in lab["analysts"].items():
        for i, skill in enumerate(skills):
            if skill not in lab["tests"]:
                raise skills.error(i, f"analyst '{analyst}': no lab test '{skill}'",
                                   expected=f"one of {', '.join(lab['tests'])}", hint=suggest(skill, lab["tests"]))


def problem_of(params: Mapping[str, Any]) -> Problem:
    """The planning problem of validated scenario parameters (patterns resolved against the plant's tags)."""
    tags = plant_tags(params["plant"])
    units = {(p, s): sorted({t for pattern in step["units"] for t in eligible(pattern, tags)})
             for p, spec in params["products"].items() for s, step in spec["steps"].items()}
    params = dict(params, products={p: dict(spec, steps={s: dict(step, times={
        t: time for pattern, time in step["times"].items() for t in eligible(pattern, tags) if t in units[p, s]})
        for s, step in spec["steps"].items()}) for p, spec in params["products"].items()})
    tests = (params.get("lab") or {}).get("tests", {})
    instruments = {name: sorted({t for pattern in test["instruments"] for t in eligible(pattern, tags)})
                   for name, test in tests.items()}
    return Problem.from_params(dict(params, maintenance=closed_windows(params)), units, instruments)


CERTAIN = {"duration_cv": 0.0, "mtbf": None, "mttr": None, "retest": 0.0, "absence": None, "replan_after": 0.0,
           "replan_limit": 1.0}   # planned times, no breakdowns, no absences


def plan_of(params: Mapping[str, Any]) -> Plan:
    """The plan of a scenario, made once per process and reused by every replication (as is a failure to plan)."""
    return planned(Planning.of(params))


def planned(planning: Planning) -> Plan:
    """The plan :class:`~scenarios.scheduling.params.Planning` describes, from the cache if it was made before."""
    plan = _plan(planning)
    if isinstance(plan, PlanError):
        raise plan
    return plan


@functools.lru_cache(maxsize=8)
def _plan(planning: Planning) -> Plan | PlanError:
    problem, solver = problem_of(json.loads(planning.problem)), planning.solver
    try:
        return horizon.plan(problem, solver.time_limit, solver.workers, solver.window)
    except PlanError as exc:
        return exc


def gantt_figure(result) -> list[Path]:
    """The report's picture: the plan's Gantt chart as ``figures/gantt.png`` of the result folder."""
    from scenarios.scheduling.gantt import gantt  # matplotlib: only when a report is drawn

    path = Path(result.path) / "figures" / "gantt.png"
    gantt(plan_of(result.settings), f"Plan of {result.settings.get('variant', 'base')}").savefig(path, dpi=110)
    return [path]


def simulate(params: Mapping[str, Any], seed: np.random.SeedSequence) -> Run:
    """One replication: the scenario's plan executed under its uncertainty and policy."""
    run = RunParams.of(params)
    return Execution(planned(run.planning), run.uncertainty, run.policy, seed).run()


STUDY = Study(
    name="scheduling",
    description=__doc__.splitlines()[0],
    fields={"products": MapOf(PRODUCT), "orders": ListOf(ORDER), "cleaning": MapOf(MapOf(Quantity("s", "4 h"))),
            "objective": OBJECTIVE, "solver": SOLVER, "uncertainty": UNCERTAINTY, "policy": Str(POLICIES),
            "operators": Integer(minimum=1), "lab": LAB, "maintenance": MapOf(ListOf(WINDOW)),
            "maintenance_plan": MAINTENANCE_PLAN, "shift": SHIFT,
            "crews": MapOf(Integer(minimum=1))},
    defaults={"objective": {"makespan": 1.0, "tardiness": 1.0, "major_cleans": 0.0, "lab": 0.0},
              "solver": {"time_limit": 10.0, "workers": 1, "window": 20}, "uncertainty": CERTAIN,
              "policy": "shift_right"},
    required=("products", "orders", "cleaning"),
    run=simulate,
    prepare=plan_of,
    check=check,
    figures=gantt_figure,
    ranges={"on_time": (0.0, 1.0), "utilisation.*": (0.0, 1.0), "plan.utilisation.*": (0.0, 1.0),
            "plan.on_time": (0.0, 1.0), "*": (0.0, math.inf)},   # times, counts and WIP are never negative
)
