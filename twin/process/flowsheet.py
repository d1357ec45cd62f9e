"""A flowsheet: unit models joined by streams into ONE CasADi DAE.

>>> fs = Flowsheet()
>>> fs.add(feeder, blender, press)                 # doctest: +SKIP
>>> fs.connect("LIW-101.out", "BL-101.in")          # doctest: +SKIP
>>> dae = fs.build()                                # doctest: +SKIP

:meth:`Flowsheet.build` checks the flowsheet before anything is integrated: every inlet is connected (or declared a
boundary whose variables become input tags), connected ports carry the same stream with the same units, and no
loop of ports feeds itself instantly (an algebraic loop) unless ``solve_loops=True``, which tears the loop into
algebraic variables for IDAS to solve.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass

import casadi as ca
import networkx as nx
import numpy as np

from twin.process.model import Port, ProcessModel, Var


class FlowsheetError(ValueError):
    """A flowsheet that cannot be built; the message names the tag and port."""


@dataclass
class Dae:
    """The assembled system ``x' = f(x, z, p)``, ``0 = g(x, z, p)`` with named vectors and its outputs.

    ``x_names``/``z_names``/``p_names`` are tag names; ``y_names`` the written tags (states, then outputs);
    ``guards`` the state-event names with directions; ``owner`` maps every tag to its asset.
    """

    x: ca.SX
    z: ca.SX
    p: ca.SX
    f: ca.SX
    g: ca.SX
    y: ca.SX
    e: ca.SX
    x_names: list[str]
    z_names: list[str]
    p_names: list[str]
    y_names: list[str]
    guards: list[tuple[str, int]]
    x0: np.ndarray
    z0: np.ndarray
    p0: np.ndarray
    units: dict[str, str]

    def hash(self) -> str:
        """A digest of the equations, used to cache compiled code."""
        import hashlib

        text = "|".join(str(v) for v in (self.f, self.g, self.y, self.e, self.x, self.z, self.p))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


class Flowsheet:
    """Process models and the streams between them."""

    def __init__(self, *models: ProcessModel, solve_loops: bool = False) -> None:
        self.models: dict[str, ProcessModel] = {}
        self.connections: list[tuple[Port, Port]] = []
        self.boundaries: set[str] = set()
        self.solve_loops = solve_loops
        self.add(*models)

    def add(self, *models: ProcessModel) -> Flowsheet:
        for m in models:
            if not isinstance(m, ProcessModel):
                raise TypeError(f"Flowsheet.add takes ProcessModel instances, not {type(m).__name__}")
            if m.tag in self.models:
                raise FlowsheetError(f"two models with the tag {m.tag}; each asset has one model")
            self.models[m.tag] = m
        return self

    def connect(self, source: str, target: str) -> Flowsheet:
        """Join outlet ``"TAG.port"`` to inlet ``"TAG.port"``."""
        self.connections.append((self._port(source, "outlets"), self._port(target, "inlets")))
        return self

    def boundary(self, inlet: str) -> Flowsheet:
        """Leave inlet ``"TAG.port"`` open: each of its stream variables becomes an input tag ``TAG.port.var``."""
        self._port(inlet, "inlets")
        self.boundaries.add(inlet)
        return self

    def _port(self, path: str, kind: str) -> Port:
        tag, _, name = str(path).rpartition(".")
        model = self.models.get(tag)
        if model is None:
            close = difflib.get_close_matches(tag, self.models, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else f"; the flowsheet holds {list(self.models)}"
            raise FlowsheetError(f"{path}: no model with the tag {tag!r}{hint}")
        ports = getattr(model, kind)
        if name not in ports:
            word = "outlet" if kind == "outlets" else "inlet"
            raise FlowsheetError(f"{path}: {tag} has no {word} {name!r}; its {word}s are {list(ports)}")
        return ports[name]

    # -- assembly ----------------------------------------------------------------------------------------------
    def build(self) -> Dae:
        """Check the flowsheet and assemble its DAE."""
        for m in self.models.values():
            m.check()
        feeds = self._feeds()
        inlet_syms, inlet_exprs, open_inlets = [], [], []
        for m in self.models.values():
            for port in m.inlets.values():
                for var, sym in port.values.items():
                    if port.path in self.boundaries:
                        unit = dict(port.stream.variables)[var]
                        var_ = Var(f"{port.name}.{var}", sym, unit, 0.0, f"open inlet {port.path}")
                        open_inlets.append((m.tag, var_))
                    else:
                        inlet_syms.append(sym)
                        inlet_exprs.append(sum((src.values[var] for src in feeds[port.path]), ca.SX(0)))
        z_tear, z_tear_names, tear_res = self._resolve(inlet_syms, inlet_exprs)

        models = list(self.models.values())
        x_vars = [(m.tag, v) for m in models for v in m.states.values()]
        z_vars = [(m.tag, v) for m in models for v in m.algebraics.values()]
        p_vars = [(m.tag, v) for m in models for v in m.inputs.values()]
        p_vars += open_inlets
        f = [m.odes[n] for m in models for n in m.states]
        g = [r for m in models for r in m.residuals]
        y_vars = [(m.tag, v) for m in models for v in (*m.states.values(), *m.outputs.values())]
        guards = [(f"{m.tag}.{n}", expr, d) for m in models for n, (expr, d) in m.guards.items()]

        def subst(exprs):
            if not exprs:
                return ca.SX(0, 1)
            out = ca.vertcat(*exprs)
            return ca.substitute(out, ca.vertcat(*inlet_syms), ca.vertcat(*inlet_exprs)) if inlet_syms else out

        units = {f"{tag}.{v.name}": v.unit for tag, v in (*x_vars, *p_vars, *y_vars)}
        return Dae(
            x=ca.vertcat(*(v.sym for _, v in x_vars)),
            z=ca.vertcat(*(v.sym for _, v in z_vars), *z_tear),
            p=ca.vertcat(*(v.sym for _, v in p_vars)),
            f=subst(f), g=subst(g + tear_res), y=subst([v.sym for _, v in y_vars]),
            e=subst([expr for _, expr, _ in guards]),
            x_names=[f"{t}.{v.name}" for t, v in x_vars],
            z_names=[f"{t}.{v.name}" for t, v in z_vars] + z_tear_names,
            p_names=[f"{t}.{v.name}" for t, v in p_vars],
            y_names=[f"{t}.{v.name}" for t, v in y_vars],
            guards=[(n, d) for n, _, d in guards],
            x0=np.array([v.value for _, v in x_vars], float),
            z0=np.array([v.value for _, v in z_vars] + [0.0] * len(z_tear), float),
            p0=np.array([v.value for _, v in p_vars], float),
            units=units,
        )

    def _feeds(self) -> dict[str, list[Port]]:
        """Check every connection and every inlet; map each inlet path to its source outlets."""
        feeds: dict[str, list[Port]] = {}
        for src, dst in self.connections:
            if src.stream.variables != dst.stream.variables:
                raise FlowsheetError(
                    f"{src.path} -> {dst.path}: stream mismatch: the outlet carries {_describe(src)}, the inlet "
                    f"expects {_describe(dst)}; connect ports of the same stream (same variables and units)")
            feeds.setdefault(dst.path, []).append(src)
            if len(feeds[dst.path]) > 1 and not dst.stream.additive:
                raise FlowsheetError(f"{dst.path}: inlet of stream {dst.stream.name} has several sources "
                                     f"({', '.join(p.path for p in feeds[dst.path])}); add a mixer unit")
        for m in self.models.values():
            for port in m.inlets.values():
                if port.path not in feeds and port.path not in self.boundaries:
                    raise FlowsheetError(f"{port.path}: inlet is not connected; connect an outlet to it with "
                                         f"fs.connect('<TAG>.<outlet>', '{port.path}') or open it with "
                                         f"fs.boundary('{port.path}')")
                if port.path in feeds and port.path in self.boundaries:
                    raise FlowsheetError(f"{port.path}: inlet is both connected and declared a boundary")
        return feeds

    def _resolve(self, syms: list, exprs: list) -> tuple[list, list[str], list]:
        """Substitute inlet symbols by their sources in dependency order; a cycle is an algebraic loop.

        Modifies ``exprs`` in place. Returns the tear variables, their names and residuals (empty without loops).
        """
        graph = nx.DiGraph()
        graph.add_nodes_from(range(len(syms)))
        for i, expr in enumerate(exprs):
            for j, sym in enumerate(syms):
                if ca.depends_on(expr, sym):
                    graph.add_edge(j, i)
        tears, names, residuals = [], [], []
        cycles = list(nx.simple_cycles(graph))
        if cycles:
            ports = sorted({syms[i].name().rsplit(".", 1)[0] for i in cycles[0]})
            if not self.solve_loops:
                raise FlowsheetError(
                    f"algebraic loop through inlets {', '.join(ports)}: each depends instantly on the others; "
                    "break it with a unit that has holdup (a state), or build Flowsheet(solve_loops=True) to solve "
                    "it as algebraic equations")
            # Tear every inlet on a cycle: it becomes an algebraic variable z with residual z - source(z).
            torn = sorted({i for c in cycles for i in c})
            for i in torn:
                z = ca.SX.sym(syms[i].name())
                tears.append(z)
                names.append(syms[i].name())
            torn_syms = ca.vertcat(*(syms[i] for i in torn))
            for k, i in enumerate(torn):
                residuals.append(tears[k] - ca.substitute(exprs[i], torn_syms, ca.vertcat(*tears)))
                exprs[i] = tears[k]
            graph.remove_edges_from([(j, i) for i in torn for j in list(graph.predecessors(i))])
        order = list(nx.topological_sort(graph))
        done_syms, done_exprs = [], []
        for i in order:
            if done_syms:
                exprs[i] = ca.substitute(exprs[i], ca.vertcat(*done_syms), ca.vertcat(*done_exprs))
            done_syms.append(syms[i])
            done_exprs.append(exprs[i])
        if tears:
            inl = ca.vertcat(*syms)
            residuals = [ca.substitute(r, inl, ca.vertcat(*exprs)) for r in residuals]
        return tears, names, residuals


def _describe(port: Port) -> str:
    return ", ".join(f"{v} [{u}]" for v, u in port.stream.variables)
