"""The barrier graph (bow-tie): threats -> preventive barriers -> top event -> mitigative barriers -> consequences.

A :class:`BowTie` is a directed acyclic ``networkx`` graph. Threats carry a frequency (1/s), barriers a PFD,
consequences a tolerable frequency; any other node (a top event) passes what reaches it. A consequence's frequency
is the sum over every path from a threat of the threat's frequency times the PFDs of the barriers on the path (the
LOPA rule, one dynamic-programming sweep in topological order). A barrier node names the physical ``barrier`` it
is an instance of, so one IPL credited in several scenarios shares one state::

    bt = BowTie()
    bt.add_threat("cooling_loss", 0.1 / YEAR)
    bt.add_barrier("alarm", 0.1)
    bt.add_consequence("rupture", 1e-5 / YEAR)
    bt.link("cooling_loss", "alarm", "rupture")
    bt.frequencies()            # {'rupture': 0.01 / YEAR}
    bt.cut_sets("rupture")      # [('cooling_loss', frozenset({'alarm'}))]

:meth:`BowTie.cut_sets` lists the minimal cut sets (a threat and the barriers whose joint failure opens a path to
the consequence); :meth:`BowTie.weakest_cut` is the max-flow / min-cut view: the barriers that alone stand between
the threats and a consequence with the least credit (orders of magnitude, ``-log10 PFD``), found by max-flow.
"""
from __future__ import annotations

import math
from collections.abc import Iterable

import networkx as nx

THREAT, BARRIER, CONSEQUENCE, EVENT = "threat", "barrier", "consequence", "event"


class BarrierGraphError(ValueError):
    """A barrier graph that cannot be evaluated (a cycle, an unknown node, a PFD outside (0, 1])."""


class BowTie:
    """Threats, barriers and consequences on a DAG; PFDs can change (:meth:`set_pfd`) and the graph re-evaluates."""

    def __init__(self) -> None:
        self.graph = nx.DiGraph()
        self.nominal: dict[str, float] = {}   # physical barrier -> PFD when healthy
        self.pfd: dict[str, float] = {}       # physical barrier -> PFD now
        self._order: list[str] | None = None

    # -- building ----------------------------------------------------------------------------------------------
    def add_threat(self, name: str, frequency: float) -> None:
        if not frequency >= 0:
            raise BarrierGraphError(f"threat '{name}': frequency {frequency} must be >= 0")
        self._add(name, kind=THREAT, frequency=float(frequency))

    def add_barrier(self, name: str, pfd: float, barrier: str | None = None) -> None:
        """A barrier node; ``barrier`` names the physical barrier it stands for (default: itself)."""
        barrier = barrier or name
        _check_pfd(barrier, pfd)
        if barrier in self.nominal and self.nominal[barrier] != pfd:
            raise BarrierGraphError(f"barrier '{barrier}' given two PFDs: {self.nominal[barrier]} and {pfd}")
        self.nominal[barrier] = self.pfd.setdefault(barrier, float(pfd))
        self._add(name, kind=BARRIER, barrier=barrier)

    def add_consequence(self, name: str, tolerable: float) -> None:
        self._add(name, kind=CONSEQUENCE, tolerable=float(tolerable))

    def add_event(self, name: str) -> None:
        """A node that passes what reaches it (the top event)."""
        self._add(name, kind=EVENT)

    def link(self, *nodes: str) -> None:
        """Edges along ``nodes`` (a chain ``a -> b -> c``); a link that closes a cycle is refused."""
        for a, b in zip(nodes, nodes[1:]):
            for n in (a, b):
                if n not in self.graph:
                    raise BarrierGraphError(f"unknown node '{n}'" + _did_you_mean(n, self.graph))
            self.graph.add_edge(a, b)
            if a == b or nx.has_path(self.graph, b, a):
                cycle = nx.shortest_path(self.graph, b, a)
                self.graph.remove_edge(a, b)
                raise BarrierGraphError(f"link {a} -> {b} closes a cycle: {' -> '.join([a, *cycle])}; a barrier "
                                        "graph runs one way, from threats to consequences")
        self._order = None

    def _add(self, name: str, **attrs) -> None:
        if name in self.graph and self.graph.nodes[name]["kind"] != attrs["kind"]:
            raise BarrierGraphError(f"node '{name}' is already a {self.graph.nodes[name]['kind']}")
        self.graph.add_node(name, **attrs)
        self._order = None

    # -- state ---------------------------------------------------------------------------------------------------
    def set_pfd(self, barrier: str, pfd: float) -> None:
        """The barrier's PFD now (1 when bypassed or failed); its nodes all take it."""
        if barrier not in self.pfd:
            raise BarrierGraphError(f"unknown barrier '{barrier}'" + _did_you_mean(barrier, self.pfd))
        _check_pfd(barrier, pfd)
        self.pfd[barrier] = float(pfd)

    def restore(self, barrier: str) -> None:
        self.set_pfd(barrier, self.nominal[barrier])

    # -- evaluation ------------------------------------------------------------------------------------------------
    @property
    def consequences(self) -> list[str]:
        return [n for n, kind in self.graph.nodes(data="kind") if kind == CONSEQUENCE]

    def frequencies(self, pfd: dict[str, float] | None = None) -> dict[str, float]:
        """The frequency (1/s) reaching each consequence, with the current PFDs (or ``pfd`` in their place)."""
        pfd = self.pfd if pfd is None else pfd
        if self._order is None:
            self._order = list(nx.topological_sort(self.graph))
        nodes, pred = self.graph.nodes, self.graph.pred
        flow: dict[str, float] = {}
        for n in self._order:
            data = nodes[n]
            kind = data["kind"]
            inflow = data["frequency"] if kind == THREAT else sum(flow[p] for p in pred[n])
            flow[n] = inflow * pfd[data["barrier"]] if kind == BARRIER else inflow
        return {n: flow[n] for n in self.consequences}

    def risk(self, pfd: dict[str, float] | None = None) -> float:
        """Sum over consequences of frequency / tolerable: 1 means every consequence sits at its limit."""
        tolerable = self.graph.nodes
        return sum(f / tolerable[c]["tolerable"] for c, f in self.frequencies(pfd).items())

    def suggestions(self) -> list[tuple[str, float]]:
        """Degraded barriers ranked by what restoring each buys: (barrier, drop in :meth:`risk`), largest first."""
        now = self.risk()
        gains = [(b, now - self.risk({**self.pfd, b: self.nominal[b]}))
                 for b in self.pfd if self.pfd[b] > self.nominal[b]]
        return sorted(gains, key=lambda g: -g[1])

    def cut_sets(self, consequence: str) -> list[tuple[str, frozenset[str]]]:
        """Minimal cut sets of ``consequence``: (threat, barriers) such that the threat with those barriers failed
        reaches it, and no smaller set does. Sorted by size, then by name."""
        self._require(consequence, CONSEQUENCE)
        sets = set()
        for threat in self._of(THREAT):
            for path in nx.all_simple_paths(self.graph, threat, consequence):
                sets.add((threat, frozenset(self.graph.nodes[n]["barrier"] for n in path
                                            if self.graph.nodes[n]["kind"] == BARRIER)))
        minimal = [(t, s) for t, s in sets if not any(t2 == t and s2 < s for t2, s2 in sets)]
        return sorted(minimal, key=lambda c: (len(c[1]), c[0], sorted(c[1])))

    def weakest_cut(self, consequence: str) -> tuple[float, frozenset[str]]:
        """The least credit (sum of ``-log10 PFD`` over barrier nodes) that, working, stops every threat reaching
        ``consequence``, and those barrier nodes: a minimum vertex cut by max-flow on the split graph.
        ``inf`` if some path has no barrier at all."""
        self._require(consequence, CONSEQUENCE)
        flow = nx.DiGraph()
        for n, data in self.graph.nodes(data=True):
            if data["kind"] == BARRIER:
                flow.add_edge((n, "in"), (n, "out"), capacity=-math.log10(self.pfd[data["barrier"]]))
            else:
                flow.add_edge((n, "in"), (n, "out"))  # no capacity: infinite
        for a, b in self.graph.edges:
            flow.add_edge((a, "out"), (b, "in"))
        for t in self._of(THREAT):
            flow.add_edge("source", (t, "in"))
        try:
            value, (reach, _) = nx.minimum_cut(flow, "source", (consequence, "out"))
        except nx.NetworkXUnbounded:
            return math.inf, frozenset()
        cut = frozenset(n for n in self._of(BARRIER) if (n, "in") in reach and (n, "out") not in reach)
        return value, cut

    def _of(self, kind: str) -> list[str]:
        return [n for n, k in self.graph.nodes(data="kind") if k == kind]

    def _require(self, name: str, kind: str) -> None:
        if self.graph.nodes.get(name, {}).get("kind") != kind:
            raise BarrierGraphError(f"'{name}' is not a {kind} of this graph" + _did_you_mean(name, self._of(kind)))


def from_lopa(lopa) -> BowTie:
    """The bow-tie of a :class:`scenarios.safety.lopa.Lopa`: per scenario a chain from its initiating event (with
    its modifiers) through its IPLs to its consequence; an IPL credited in several scenarios is one barrier."""
    bt = BowTie()
    for h in lopa.hazards:
        threat = f"{h.name}:{h.initiating_event}"
        bt.add_threat(threat, h.unmitigated)
        bt.add_consequence(h.name, h.tolerable)
        chain = [threat]
        for ipl, pfd in h.pfds.items():
            node = f"{h.name}/{ipl}"
            bt.add_barrier(node, pfd, barrier=ipl)
            chain.append(node)
        bt.link(*chain, h.name)
    return bt


def _check_pfd(barrier: str, pfd: float) -> None:
    if isinstance(pfd, bool) or not isinstance(pfd, int | float) or not 0 < pfd <= 1:
        raise BarrierGraphError(f"barrier '{barrier}': PFD {pfd!r} outside (0, 1]")


def _did_you_mean(name: str, choices: Iterable[str]) -> str:
    from twin.config import suggest

    hint = suggest(name, choices)
    return f"; {hint}" if hint else ""
