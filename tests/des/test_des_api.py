"""twin.des against SimPy 4.1: public names, bad input (same exception class, a message naming the culprit),
subclassing, and the additions beyond SimPy (pause/resume, progress, real time)."""
import importlib
import re
import time
import types

import pytest
import simpy
import simpy.rt
import simpy.util

import twin.des

ENGINES = [simpy, twin.des]
SIMPY_MODULES = ["simpy", "simpy.core", "simpy.events", "simpy.exceptions", "simpy.rt", "simpy.util",
                 "simpy.resources", "simpy.resources.base", "simpy.resources.resource", "simpy.resources.store",
                 "simpy.resources.container"]
STDLIB = [importlib.import_module(m) for m in ("typing", "heapq", "itertools", "types", "time", "__future__")]


def public_names(module):
    """Names a SimPy user may import from *module*: not private, not submodules, not stdlib re-exports."""
    names = []
    for name in dir(module):
        obj = getattr(module, name)
        if name.startswith("_") or isinstance(obj, types.ModuleType):
            continue
        if any(getattr(lib, name, None) is obj for lib in STDLIB):
            continue
        names.append(name)
    return names


@pytest.mark.parametrize("module_name", SIMPY_MODULES)
def test_every_public_simpy_name_imports_from_twin(module_name):
    reference = importlib.import_module(module_name)
    ours = importlib.import_module(module_name.replace("simpy", "twin.des", 1))
    names = public_names(reference)
    missing = [name for name in names if not hasattr(ours, name)]
    assert not missing, f"{module_name} exports {missing} that twin.des lacks"
    top_missing = [name for name in names if not hasattr(twin.des, name) and name not in ("T",)]
    assert not top_missing


def test_the_issue_list_of_names_is_importable_from_twin_des():
    names = ("Environment Event Timeout Initialize Process Condition ConditionValue AllOf AnyOf Interrupt "
                 "Resource PriorityResource PreemptiveResource Preempted Request Release PriorityRequest Store "
                 "PriorityStore FilterStore PriorityItem Container RealtimeEnvironment Infinity PENDING URGENT "
                 "NORMAL start_delayed subscribe_at EmptySchedule StopSimulation SimPyException")
    for name in names.split():
        assert hasattr(twin.des, name), name


# -- bad input: same exception class as SimPy, and SimPy's message (naming the culprit) as the start of ours --

def forgot_to_call(env):
    yield env.timeout(1)


def yields_a_number(env):
    yield 42


def _negative_delay(sim):
    sim.Environment().timeout(-1)


def _negative_delay_class(sim):
    sim.Timeout(sim.Environment(), -0.5)


def _yield_non_event(sim):
    env = sim.Environment()
    env.process(yields_a_number(env))
    env.run()


def _not_a_generator(sim):
    env = sim.Environment()
    env.process(forgot_to_call)


def _until_in_the_past(sim):
    env = sim.Environment()
    env.run(until=5)
    env.run(until=3)


def _until_now(sim):
    sim.Environment(initial_time=2).run(until=2)


def _succeed_twice(sim):
    ev = sim.Environment().event()
    ev.succeed()
    ev.succeed()


def _fail_after_succeed(sim):
    ev = sim.Environment().event()
    ev.succeed(1)
    ev.fail(ValueError("late"))


def _fail_with_non_exception(sim):
    sim.Environment().event().fail("boom")


def _interrupt_dead_process(sim):
    env = sim.Environment()
    proc = env.process(forgot_to_call(env))
    env.run()
    proc.interrupt()


def _interrupt_itself(sim):
    env = sim.Environment()

    def selfish(env):
        env.active_process.interrupt()
        yield env.timeout(1)

    env.process(selfish(env))
    env.run()


def _zero_capacity(sim):
    sim.Resource(sim.Environment(), capacity=0)


def _store_zero_capacity(sim):
    sim.Store(sim.Environment(), capacity=0)


def _container_overfull(sim):
    sim.Container(sim.Environment(), capacity=5, init=6)


def _container_negative_put(sim):
    sim.Container(sim.Environment()).put(-1)


def _until_not_a_number(sim):
    sim.Environment().run(until="soon")


def _delay_not_a_number(sim):
    sim.Environment().timeout("1")


def _until_never_triggered(sim):
    env = sim.Environment()
    env.run(until=env.event())


BAD_INPUT = [_negative_delay, _negative_delay_class, _yield_non_event, _not_a_generator, _until_in_the_past,
             _until_now, _succeed_twice, _fail_after_succeed, _fail_with_non_exception, _interrupt_dead_process,
             _interrupt_itself, _zero_capacity, _store_zero_capacity, _container_overfull, _container_negative_put,
             _until_not_a_number, _delay_not_a_number, _until_never_triggered]


@pytest.mark.parametrize("case", BAD_INPUT, ids=lambda f: f.__name__.strip("_"))
def test_bad_input_raises_simpys_exception_naming_the_culprit(case):
    with pytest.raises(Exception) as reference:
        case(simpy)
    with pytest.raises(Exception) as ours:
        case(twin.des)
    assert type(ours.value).__name__ == type(reference.value).__name__
    expected, got = (re.sub(r"0x[0-9a-f]+", "0x?", str(err.value)) for err in (reference, ours))
    if case in (_until_not_a_number, _delay_not_a_number):  # SimPy's message names no culprit; ours does
        assert "'soon'" in got or "'1'" in got
    elif case is _until_never_triggered:  # both name the event, whose repr holds its address
        assert got.startswith('No scheduled events left but "until" event was not triggered: <Event() object')
    else:
        assert got.startswith(expected), (got, expected)


def test_bad_input_messages_suggest_the_fix():
    with pytest.raises(ValueError, match=r"forgot_to_call .* is not a generator\. Pass the generator"):
        _not_a_generator(twin.des)
    with pytest.raises(RuntimeError, match=r'yield 42\nInvalid yield value "42": a process must yield events'):
        _yield_non_event(twin.des)
    with pytest.raises(ValueError, match="Negative delay -1"):
        _negative_delay(twin.des)
    with pytest.raises(ValueError, match="not a number"):
        twin.des.Environment().timeout(float("nan"))
    with pytest.raises(TypeError, match="needs an Environment"):
        twin.des.Resource("env")


# -- subclassing, as SimPy users do -------------------------------------------------------------------------------

@pytest.mark.parametrize("sim", ENGINES, ids=lambda m: m.__name__)
def test_python_subclasses_of_events_processes_and_resources(sim):
    log = []

    class Alarm(sim.Event):
        def __init__(self, env, delay, label):
            super().__init__(env)
            self.label = label
            env.schedule(self, delay=delay)
            self._ok, self._value = True, label

    class LoggedProcess(sim.Process):
        def _desc(self):
            return f"Logged({self.name})"

    class CountingStore(sim.Store):
        def __init__(self, env):
            super().__init__(env)
            self.puts = 0

        def _do_put(self, event):
            self.puts += 1
            return super()._do_put(event)

    class LifoStore(sim.Store):
        def _do_get(self, event):
            if self.items:
                event.succeed(self.items.pop())

    env = sim.Environment()
    store, lifo = CountingStore(env), LifoStore(env)

    def proc(env):
        value = yield Alarm(env, 2, "ring")
        log.append((env.now, value))
        for i in range(3):
            yield store.put(i)
            yield lifo.put(i)
        log.append(((yield store.get()), (yield lifo.get()), store.puts))

    p = LoggedProcess(env, proc(env))
    env.run()
    log.append(repr(p).split(" object")[0])
    assert log == [(2, "ring"), (0, 2, 3), "<Logged(proc)"]


@pytest.mark.parametrize("sim", ENGINES, ids=lambda m: m.__name__)
def test_methods_patched_on_instances_are_called(sim):
    """SimPy's monitoring guide wraps ``res.release`` and ``env.step`` on the instance; both stay in use (a
    ``with`` block's release and ``run()``'s steps), as SimPy's own doctests of that guide expect."""
    env = sim.Environment()
    res = sim.Resource(env)
    calls = []

    def wrap(obj, name):
        method = getattr(obj, name)
        setattr(obj, name, lambda *args: calls.append((name, env.now)) or method(*args))

    wrap(res, "release")
    wrap(env, "step")

    def user(env):
        with res.request() as request:
            yield request
            yield env.timeout(1)

    env.run(env.process(user(env)))
    assert ("release", 1) in calls
    assert [call for call in calls if call[0] == "step"] == [("step", 0)] * 3 + [("step", 1)] * 2


# -- beyond SimPy: pause/resume and progress ------------------------------------------------------------------------

def clocks(env, log):
    def clock(name, tick):
        while True:
            yield env.timeout(tick)
            log.append((env.now, name))

    env.process(clock("a", 1))
    env.process(clock("b", 1.5))


def test_pause_returns_from_run_and_run_continues_to_the_same_until():
    # Reference: one uninterrupted run on SimPy.
    ref_log, log = [], []
    ref = simpy.Environment()
    clocks(ref, ref_log)
    ref.run(until=10)

    env = twin.des.Environment()
    clocks(env, log)
    pauses = []

    def pauser(env):
        for _ in range(3):
            yield env.timeout(2.2)
            env.pause()

    env.process(pauser(env))
    assert env.run(until=10) is None
    while env.now < 10:
        pauses.append(env.now)
        env.run()  # continues towards until=10
    assert pauses == [2.2, 4.4, 6.6000000000000005]
    assert log == ref_log and env.now == 10


def test_a_new_until_replaces_a_paused_one():
    env = twin.des.Environment()
    log = []
    clocks(env, log)
    stopper = env.event()
    stopper.callbacks.append(lambda e: e.env.pause())
    env.schedule(stopper, delay=3)
    stopper._ok, stopper._value = True, None
    env.run(until=8)
    assert env.now == 3
    env.run(until=5)  # the paused target 8 is forgotten
    assert env.now == 5
    env.run(until=9)
    assert env.now == 9 and log[-1] == (8, "a")  # the ticks at 9 come after the (urgent) stop


def test_progress_is_called_every_n_events():
    env = twin.des.Environment()
    clocks(env, [])
    seen = []
    env.run(until=30, progress=lambda e: seen.append(e.now), progress_every=10)
    # 30 ticks of a (1..30) + 19 of b (1.5..28.5) plus the initialisations = 2 + 49 + 1 (until) events.
    assert len(seen) == 5 and seen == sorted(seen)
    with pytest.raises(ValueError, match="progress_every"):
        env.run(until=40, progress=print, progress_every=0)


def test_realtime_environment_follows_the_wall_clock():
    logs, elapsed = [], []
    for sim in ENGINES:
        logs.append([])
        env = sim.rt.RealtimeEnvironment(factor=0.02, strict=False)  # not strict: the test machine may be busy
        clocks(env, logs[-1])
        start = time.monotonic()
        env.run(until=5)
        elapsed.append(time.monotonic() - start)
    assert logs[1] == logs[0] and len(logs[0]) == 7
    assert elapsed[1] >= 5 * 0.02 * 0.95  # 5 time units at 0.02 s each, as SimPy
    env.sync()
    assert env.factor == 0.02 and not env.strict


def test_realtime_strict_mode_raises_when_too_slow():
    for sim in ENGINES:
        env = sim.rt.RealtimeEnvironment(factor=0.001, strict=True)

        def slow(env):
            yield env.timeout(1)
            time.sleep(0.01)
            yield env.timeout(1)

        env.process(slow(env))
        with pytest.raises(RuntimeError, match="Simulation too slow for real time"):
            env.run()


def test_finished_simulations_are_garbage_collected():
    # The calendar holds events in a C array; the collector must still see (and break) the cycles
    # environment -> scheduled event -> waiting process -> generator -> environment.
    import gc

    def forever(env, store):
        while True:
            yield env.timeout(1)
            yield store.put(env.now)

    for env_class in (twin.des.Environment, twin.des.RealtimeEnvironment):
        env = env_class() if env_class is twin.des.Environment else env_class(factor=1e-6, strict=False)
        store = twin.des.Store(env, capacity=2)
        for _ in range(5):
            env.process(forever(env, store))
        env.run(until=10)
    del env, store
    gc.collect()
    alive = [o for o in gc.get_objects() if isinstance(o, twin.des.Event | twin.des.Environment | twin.des.Store)]
    assert alive == []


@pytest.mark.parametrize("sim", ENGINES, ids=lambda m: m.__name__)
def test_overrides_of_the_trigger_methods_are_called(sim):
    """The compiled core calls a resource's ``_trigger_put``/``_trigger_get`` directly unless a Python subclass or
    the instance overrides them; then, as on SimPy, the override runs: when a request is made and when the
    opposite request is processed (the release here)."""
    calls = []

    class CountingStore(sim.Store):
        def _trigger_get(self, put_event):
            calls.append(("class", put_event is None))
            return super()._trigger_get(put_event)

    env = sim.Environment()
    store, res = CountingStore(env), sim.Resource(env)
    original = res._trigger_put
    res._trigger_put = lambda get_event: calls.append(("instance", get_event is None)) or original(get_event)

    def user(env):
        yield store.put(1)
        yield store.get()
        with res.request() as req:
            yield req

    env.process(user(env))
    env.run()
    assert calls == [("class", False), ("class", True), ("instance", True), ("instance", False)]


def test_spare_timeouts_are_reused_only_when_nobody_can_tell():
    """``env.timeout()`` reuses processed Timeouts that nothing else references: one still held, or carrying an
    attribute, must never come back as a new timeout (its value, state and attributes stay as they were)."""
    env = twin.des.Environment()
    kept, noted = [], []

    def proc(env):
        for i in range(30):
            t = env.timeout(1, value=i)
            noted.append(hasattr(t, "note"))
            if i % 3 == 0:
                t.note = i
            if i % 5 == 0:
                kept.append(t)
            yield t
            t = None

    env.process(proc(env))
    env.run()
    assert not any(noted)
    assert [(t.value, t.processed, t.ok) for t in kept] == [(i, True, True) for i in range(0, 30, 5)]
    assert [getattr(t, "note", None) for t in kept] == [i if i % 3 == 0 else None for i in range(0, 30, 5)]


# -- the calendar's order of times, against SimPy's heap of tuples ---------------------------------------------------

@pytest.mark.parametrize("start", [-7.25, -0.0, 0, 3])
def test_calendar_orders_negative_zero_and_mixed_times_as_simpy(start):
    """The compiled calendar keys a time by its sign-folded IEEE bits: negative times, -0.0 (equal to 0.0, so
    ties go by priority and insertion), ints and floats must come out in SimPy's order with SimPy's ``now``."""
    def run(sim):
        env, log = sim.Environment(initial_time=start), []

        def proc(env, name, delays):
            for delay in delays:
                yield env.timeout(delay)
                log.append((env.now, type(env.now), name, env.peek()))

        for name, delays in [("a", [0, 1.5, 0.0, 7]), ("b", [-start if start < 0 else 0, 0, 2]),
                             ("c", [0.0, 5.75, 1]), ("d", [-0.0, 0, 0])]:
            env.process(proc(env, name, delays))
        env.event().succeed()
        env.run()
        return log

    assert run(twin.des) == run(simpy)
