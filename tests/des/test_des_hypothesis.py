"""Random operation sequences driven on SimPy and on twin.des in lockstep: every operation must give the same
outcome (value or exception class) and the processes the same trace. No segfault, no hang: every process is a
finite script and every run has a finite horizon."""
import pytest
import simpy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import twin.des

index = st.integers(0, 30)
delay = st.sampled_from([0, 0.5, 1, 1.5, 2, 3])
value = st.integers(0, 3)
user = st.tuples(st.just("user"), st.sampled_from(["res", "pres", "store_put", "store_get", "fstore_get",
                                                   "pstore_put", "pstore_get", "tank_put", "tank_get"]),
                 st.integers(0, 2), delay, st.booleans())
operation = st.one_of(
    user, user, user,  # weighted: processes using resources are where engines differ most
    st.tuples(st.just("waiter"), index),
    st.tuples(st.just("timeout"), delay, value),
    st.tuples(st.just("event")),
    st.tuples(st.just("timeout"), delay, value),
    st.tuples(st.just("succeed"), index, value),
    st.tuples(st.just("fail"), index),
    st.tuples(st.just("trigger"), index, index),
    st.tuples(st.just("defuse"), index),
    st.tuples(st.just("all_of"), st.lists(index, max_size=3)),
    st.tuples(st.just("any_of"), st.lists(index, max_size=3)),
    st.tuples(st.just("and"), index, index),
    st.tuples(st.just("or"), index, index),
    st.tuples(st.just("waiter"), index),
    st.tuples(st.just("interrupt"), index),
    st.tuples(st.just("run"), delay),
    st.tuples(st.just("run"), delay),  # twice: runs between the operations make the processes act
    st.tuples(st.just("run_until_event"), index),
    st.tuples(st.just("step")),
    st.tuples(st.just("peek")),
)


class Driver:
    """Applies operations to one engine and describes the outcomes in engine-neutral terms."""

    def __init__(self, sim):
        self.sim = sim
        self.env = env = sim.Environment()
        self.events, self.procs, self.trace, self.labels = [], [], [], {}
        self.res = sim.Resource(env, capacity=1)
        self.pres = sim.PreemptiveResource(env, capacity=1)
        self.store = sim.Store(env, capacity=2)
        self.fstore = sim.FilterStore(env)
        self.pstore = sim.PriorityStore(env)
        self.tank = sim.Container(env, capacity=5, init=2)

    def add(self, event):
        self.labels[id(event)] = f"E{len(self.events)}"
        self.events.append(event)
        return event

    def pick(self, i):
        return self.events[i % len(self.events)] if self.events else None

    def describe(self, x):
        if isinstance(x, BaseException):
            return type(x).__name__
        if isinstance(x, self.sim.Event):
            return self.labels.get(id(x), type(x).__name__)
        if hasattr(x, "todict"):
            return sorted((self.describe(k), self.describe(v)) for k, v in x.items())
        if isinstance(x, self.sim.resources.resource.Preempted):
            return ("Preempted", self.describe(x.by), x.usage_since)
        if isinstance(x, tuple | list):
            return [self.describe(v) for v in x]
        return x

    def log(self, *items):
        self.trace.append((self.env.now, *[self.describe(i) for i in items]))

    def waiter(self, label, target):
        try:
            got = yield target
            self.log(label, "got", got)
        except self.sim.Interrupt as interrupt:
            self.log(label, "interrupted", interrupt.cause)
        except Exception as err:  # the failure of the awaited event, thrown into the process
            self.log(label, "failed", err)
        return label

    def user(self, label, kind, prio, hold, cancel):
        env, sim = self.env, self.sim
        try:
            if kind in ("res", "pres"):
                res = self.res if kind == "res" else self.pres
                req = res.request() if kind == "res" else res.request(priority=prio, preempt=cancel)
                with req:
                    yield req
                    self.log(label, "holds", res.count, len(res.queue))
                    yield env.timeout(hold)
                self.log(label, "released", res.count)
            elif kind.endswith("_put"):
                store = {"store": self.store, "pstore": self.pstore, "tank": self.tank}[kind[:-4]]
                item = prio + 1 if kind == "tank_put" else sim.PriorityItem(prio, label) if kind == "pstore_put" \
                    else label
                put = store.put(item)
                if cancel:
                    result = yield put | env.timeout(hold)
                    if put not in result:
                        put.cancel()
                        self.log(label, "gave up")
                        return
                else:
                    yield put
                self.log(label, "put", getattr(store, "level", None))
            else:
                store = {"store": self.store, "fstore": self.fstore, "pstore": self.pstore, "tank": self.tank}[
                    kind[:-4]]
                get = store.get(prio + 1) if kind == "tank_get" else \
                    store.get(lambda it: str(it).endswith(str(prio))) if kind == "fstore_get" else store.get()
                with get:
                    result = yield get | env.timeout(hold + 1)
                    self.log(label, "got", result.todict().get(get, "nothing"))
        except sim.Interrupt as interrupt:
            self.log(label, "interrupted", interrupt.cause)
        return label

    def apply(self, op):
        env, kind = self.env, op[0]
        if kind == "event":
            return self.add(env.event())
        if kind == "timeout":
            return self.add(env.timeout(op[1], op[2]))
        if kind in ("succeed", "fail", "defuse", "interrupt", "run_until_event") and not self.events:
            return None
        if kind == "succeed":
            return self.pick(op[1]).succeed(op[2])
        if kind == "fail":
            return self.pick(op[1]).fail(KeyError("boom"))
        if kind == "trigger":
            src, dst = self.pick(op[1]), self.pick(op[2])
            if src is None or src.callbacks is None:
                return None
            src.callbacks.append(dst.trigger)
            return None
        if kind == "defuse":
            ev = self.pick(op[1])
            if ev.callbacks is not None:
                ev.callbacks.append(lambda e: setattr(e, "defused", True))
            return ev.callbacks is not None
        if kind in ("all_of", "any_of"):
            chosen = [self.pick(i) for i in op[1]] if self.events else []
            return self.add(getattr(env, kind)(chosen))
        if kind in ("and", "or"):
            if not self.events:
                return None
            a, b = self.pick(op[1]), self.pick(op[2])
            return self.add(a & b if kind == "and" else a | b)
        if kind == "waiter":
            target = self.pick(op[1]) or env.timeout(1)
            proc = self.add(env.process(self.waiter(f"W{len(self.events)}", target)))
            self.procs.append(proc)
            return proc
        if kind == "user":
            proc = self.add(env.process(self.user(f"U{len(self.events)}", *op[1:])))
            self.procs.append(proc)
            return proc
        if kind == "interrupt":
            if not self.procs:
                return None
            self.procs[op[1] % len(self.procs)].interrupt(f"cause{op[1]}")
            return None
        if kind == "run":
            return env.run(until=env.now + op[1] + 0.25)
        if kind == "run_until_event":
            target = self.pick(op[1])
            if target.callbacks is not None and not target.triggered:
                return None  # may never be triggered: run(until=...) of a pending event is covered by 'run'
            return env.run(until=target)
        if kind == "step":
            return env.step()
        if kind == "peek":
            return env.peek()
        raise AssertionError(kind)

    def outcome(self, op):
        try:
            return ("ok", self.describe(self.apply(op)))
        except Exception as err:
            return ("raised", type(err).__name__)

    def state(self):
        env = self.env
        return (env.now, env.peek(), len(env._queue), self.res.count, len(self.res.queue), self.pres.count,
                [self.describe(i) for i in self.store.items], len(self.fstore.items), len(self.pstore.items),
                self.tank.level, [(e.triggered, e.processed) for e in self.events])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(operation, min_size=5, max_size=40))
def test_random_operations_agree_with_simpy(ops):
    reference, ours = Driver(simpy), Driver(twin.des)
    for op in ops + [("run", 3)] * 3:
        assert ours.outcome(op) == reference.outcome(op), op
        assert ours.trace == reference.trace
        assert ours.state() == reference.state()


@pytest.mark.slow
@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(operation, min_size=1, max_size=80))
def test_random_operations_agree_with_simpy_long(ops):
    test_random_operations_agree_with_simpy.hypothesis.inner_test(ops)
