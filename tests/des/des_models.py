"""Models written once against SimPy's API and run on both SimPy and ``twin.des``.

Each model takes the simulation module (``simpy`` or ``twin.des``), a seed and a ``log(*items)`` function
that records one trace line; ``log`` prefixes the line with ``env.now``. The traces of both engines must be
identical, time and order: that is the proof that ``twin.des`` is SimPy, event for event.
Values are logged as plain data (numbers, names, exception class names) so they compare across engines.
"""
import random


def bank_with_reneging(sim, seed, log):
    """Customers queue for 2 counters (Resource) and renege after a patience (AnyOf request | timeout)."""
    rng = random.Random(seed)
    env = sim.Environment()
    counters = sim.Resource(env, capacity=2)

    def customer(name):
        arrive = env.now
        with counters.request() as req:
            patience = env.timeout(rng.uniform(1, 3), value="patience")
            results = yield req | patience
            log(env, name, "got" if req in results else "reneged", round(env.now - arrive, 9),
                sorted(str(v) for v in results.values()), len(results.todict()), counters.count, len(counters.queue))
            if req in results:
                yield env.timeout(rng.expovariate(0.5))
                log(env, name, "served")

    def source():
        for i in range(25):
            env.process(customer(f"c{i}"))
            yield env.timeout(rng.expovariate(1.2))

    env.process(source())
    env.run()
    log(env, "end", counters.count, len(counters.queue))


def machine_shop_with_preemption(sim, seed, log):
    """Machines break down (interrupts); a repairman (PreemptiveResource) serves urgent repairs first and
    is preempted from low-priority chores; a PriorityResource orders the tool crib."""
    rng = random.Random(seed)
    env = sim.Environment()
    repairman = sim.PreemptiveResource(env, capacity=1)
    crib = sim.PriorityResource(env, capacity=1)

    working = {}

    def machine(name):
        made = 0
        while True:
            work = rng.uniform(2, 5)
            while work:
                start = env.now
                working[name] = True
                try:
                    yield env.timeout(work)
                    work = 0
                except sim.Interrupt as interrupt:
                    work -= env.now - start
                    working[name] = False
                    log(env, name, "broken", interrupt.cause, round(work, 9))
                    with repairman.request(priority=1) as req:
                        yield req
                        yield env.timeout(rng.uniform(0.5, 1.5))
                    log(env, name, "repaired")
            working[name] = False
            made += 1
            with crib.request(priority=rng.randint(0, 3)) as tool:
                yield tool
                log(env, name, "tool", tool.priority, made)
                yield env.timeout(0.2)

    def breaker(proc, name):
        while True:
            yield env.timeout(rng.expovariate(0.15))
            if working.get(name):
                proc.interrupt(f"{name}-fault")

    def chores():
        while True:
            with repairman.request(priority=2, preempt=False) as req:
                yield req
                try:
                    yield env.timeout(3)
                    log(env, "chores", "done")
                except sim.Interrupt as interrupt:
                    cause = interrupt.cause
                    log(env, "chores", "preempted", type(cause).__name__, cause.by.name, cause.usage_since,
                        cause.resource is repairman)

    for i in range(3):
        proc = env.process(machine(f"m{i}"))
        env.process(breaker(proc, f"m{i}"))
    env.process(chores())
    env.run(until=60)
    log(env, "end", repairman.count, len(repairman.queue), crib.count)


def warehouse_stores(sim, seed, log):
    """Producers and consumers on a bounded Store, a PriorityStore of PriorityItems and a FilterStore."""
    rng = random.Random(seed)
    env = sim.Environment()
    belt = sim.Store(env, capacity=3)
    urgent = sim.PriorityStore(env)
    racks = sim.FilterStore(env, capacity=4)

    def producer(name):
        for i in range(8):
            yield env.timeout(rng.expovariate(1.0))
            yield belt.put(f"{name}-{i}")
            log(env, name, "put", f"{name}-{i}", len(belt.items))
            yield urgent.put(sim.PriorityItem(rng.randint(0, 5), {"lot": i}))
            yield racks.put(("red" if i % 2 else "blue", i))

    def consumer(name):
        for _ in range(8):
            item = yield belt.get()
            log(env, name, "got", item, len(belt.put_queue), len(belt.get_queue))
            yield env.timeout(rng.expovariate(0.9))

    def sorter(colour):
        for _ in range(4):
            item = yield racks.get(lambda it: it[0] == colour)
            log(env, "sorter", colour, item, len(racks.items))

    def expediter():
        for _ in range(8):
            entry = yield urgent.get()
            log(env, "expedite", entry.priority, entry.item["lot"])
            yield env.timeout(0.3)

    env.process(producer("p"))
    env.process(producer("q"))
    env.process(consumer("c"))
    env.process(consumer("d"))
    env.process(sorter("red"))
    env.process(sorter("blue"))
    env.process(expediter())
    env.run()
    log(env, "end", belt.items, len(urgent.items), racks.items)


def solvent_tank_container(sim, seed, log):
    """A solvent tank (Container) drained by reactors and refilled by a tanker; run(until=event)."""
    rng = random.Random(seed)
    env = sim.Environment()
    tank = sim.Container(env, capacity=100, init=40)
    done = env.event()

    def reactor(name):
        for _ in range(6):
            amount = rng.randint(5, 25)
            yield tank.get(amount)
            log(env, name, "charged", amount, tank.level)
            yield env.timeout(rng.uniform(1, 4))
        log(env, name, "finished")

    def tanker():
        while True:
            yield env.timeout(2)
            if tank.level < 50:
                yield tank.put(100 - tank.level)
                log(env, "tanker", "filled", tank.level)

    def watchdog(reactors):
        results = yield env.all_of(reactors)
        log(env, "all reactors done", [v for v in results.values()])
        done.succeed("campaign complete")

    reactors = [env.process(reactor(f"R-10{i}")) for i in range(3)]
    env.process(tanker())
    env.process(watchdog(reactors))
    value = env.run(until=done)
    log(env, "until returned", value, tank.level, len(tank.get_queue), len(tank.put_queue))


def conditions_and_failures(sim, seed, log):
    """Nested AllOf/AnyOf, ConditionValue contents, failed events thrown into processes, defused failures,
    a failing process caught by its waiter, and a failure that crashes run()."""
    rng = random.Random(seed)
    env = sim.Environment()

    def child(name, delay, fail):
        yield env.timeout(delay)
        if fail:
            raise KeyError(name)
        return f"{name}-ok"

    def parent():
        a = env.timeout(1, value="a")
        b = env.timeout(2, value="b")
        c = env.timeout(3, value="c")
        result = yield (a & b) | c
        log(env, "nested", sorted(result.todict().values()), list(result.values()), a in result, c in result)
        result = yield env.all_of([a, b, c])
        log(env, "all", list(result.values()), result == {a: "a", b: "b", c: "c"})
        empty = yield env.any_of([])
        log(env, "empty", empty.todict())
        procs = [env.process(child(f"k{i}", rng.uniform(0, 2), i == 2)) for i in range(4)]
        try:
            yield env.all_of(procs)
        except KeyError as err:
            log(env, "all_of failed", type(err).__name__, err.args)
        try:
            yield procs[2]
        except KeyError as err:
            log(env, "waited on failed", err.args, procs[2].ok, procs[2].is_alive)
        for p in procs:
            if p.triggered:
                log(env, "proc", p.processed, p.ok, p.value if p.ok else type(p.value).__name__)
            else:
                log(env, "proc pending", p.is_alive, p.target.value if p.target.triggered else None)
        ev = env.event()
        ev.fail(ValueError("handled by callback"))
        ev.callbacks.append(lambda e: setattr(e, "defused", True))
        yield env.timeout(1)
        log(env, "defused", ev.defused, ev.processed)
        chained = env.event()
        source = env.timeout(0.5, value="chain")
        source.callbacks.append(chained.trigger)
        value = yield chained
        log(env, "chained", value, chained.ok)
        return "parent-done"

    proc = env.process(parent())
    value = env.run(until=proc)
    log(env, "parent", value)

    bomb = env.event()
    bomb.fail(RuntimeError("undefused"))
    try:
        env.run()
    except RuntimeError as err:
        log(env, "crash", type(err).__name__, err.args, type(err.__cause__).__name__)


def stepping_and_utilities(sim, seed, log):
    """step()/peek(), active_process, start_delayed, subscribe_at, interrupts of a process waiting on a
    condition, concurrent interrupts, schedule() with priorities and run() continued several times."""
    rng = random.Random(seed)
    env = sim.Environment(initial_time=10)

    def worker(name, n):
        for i in range(n):
            assert env.active_process.name == "worker"
            yield env.timeout(rng.choice([0, 1, 1.5]))
            log(env, name, "tick", i)
        return name

    def waiter():
        try:
            yield env.timeout(5) & env.event()
        except sim.Interrupt as interrupt:
            log(env, "waiter", "interrupted", str(interrupt), interrupt.cause)
        for _ in range(2):
            try:
                yield env.timeout(5)
            except sim.Interrupt as interrupt:
                log(env, "waiter", "again", interrupt.cause)
                try:
                    yield env.timeout(1)
                except sim.Interrupt as late:
                    log(env, "waiter", "interrupted while handling", late.cause, env.active_process.name)
        log(env, "waiter", "done")

    def watcher(target):
        sim.util.subscribe_at(target)
        try:
            yield env.timeout(100)
        except sim.Interrupt as interrupt:
            event, value = interrupt.cause
            log(env, "watcher", "saw", event is target, value)

    def interrupter(proc):
        yield env.timeout(2)
        proc.interrupt("first")
        yield env.timeout(1)
        proc.interrupt("second")
        proc.interrupt("third")  # concurrent: thrown after the process handled the second

    w = env.process(worker("worker-a", 4))
    delayed = sim.util.start_delayed(env, worker("worker-b", 2), 3)
    p = env.process(waiter())
    env.process(watcher(w))
    env.process(interrupter(p))
    order = []
    for prio, name in [(1, "normal"), (0, "urgent"), (1, "normal-2")]:
        ev = env.event()
        ev._ok, ev._value = True, name
        ev.callbacks.append(lambda e: order.append(e.value))
        env.schedule(ev, priority=prio, delay=1)
    log(env, "peek", env.peek(), env.active_process)
    for _ in range(5):
        env.step()
        log(env, "stepped", env.peek(), order)
    env.run(until=13)
    log(env, "paused at 13", env.peek())
    env.run(until=14.5)
    env.run()
    log(env, "end", delayed.value.value, w.value, env.peek(), p.is_alive)
    try:
        env.step()
    except sim.core.EmptySchedule:
        log(env, "empty schedule")


def process_return_and_timeouts(sim, seed, log):
    """Processes waiting on processes, timeouts with values, already-processed events yielded again, and
    interrupting a process that has not started yet."""
    rng = random.Random(seed)
    env = sim.Environment()

    def sub(n):
        total = 0
        for _ in range(n):
            total += yield env.timeout(rng.randint(0, 3), value=rng.randint(1, 9))
            log(env, "sub", n, total)
        return total

    def main():
        done = env.timeout(1, value="early")
        results = []
        for n in range(1, 5):
            results.append((yield env.process(sub(n))))
        log(env, "sums", results)
        again = yield done
        log(env, "reyield", again, done.processed)

    def sleeper():
        try:
            yield env.timeout(1)
        except sim.Interrupt as interrupt:
            log(env, "sleeper interrupted before start", interrupt.cause)

    env.process(main())
    s = env.process(sleeper())
    s.interrupt("wake")
    env.run()
    log(env, "end", s.is_alive, s.value)


MODELS = [
    bank_with_reneging,
    machine_shop_with_preemption,
    warehouse_stores,
    solvent_tank_container,
    conditions_and_failures,
    stepping_and_utilities,
    process_return_and_timeouts,
]


def trace(sim, model, seed):
    """Run *model* on the simulation module *sim* and return its trace: a list of tuples ``(now, ...)``."""
    lines = []

    def log(env, *items):
        lines.append((env.now, *items))

    model(sim, seed, log)
    return lines
