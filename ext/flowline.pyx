# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""The flow-line kernel: a whole replication of a flow line in C, no Python per event.

A flow line is sources feeding jobs of several products through stations along per-product routes. A station has
``capacity`` identical machines, an input buffer of limited size and optional breakdowns. A machine that finishes a
job it cannot pass on (the next buffer is full) keeps it and is *blocked* until room opens (blocking after service);
a source is blocked the same way. A breakdown preempts the job in process; the job resumes after the repair.

Everything here is plain C behind Cython: a binary heap of event structs is the calendar (ties in time broken by
insertion order), xoshiro256** gives one random stream per role (a source's arrivals, a station's process times,
a station's breakdowns), and statistics are integrated over the window ``[warmup, horizon]``. ``run`` releases the
GIL, so replications run in parallel threads. ``twin.des.flowline`` is the Python face that builds the arrays.
"""
from libc.math cimport exp, log, log1p, pow, sqrt
from libc.stdint cimport int64_t, uint64_t
from libc.stdlib cimport calloc, free, malloc, realloc

import numpy as np

# ---------------------------------------------------------------------------------------------------------------------
# Random numbers: xoshiro256** (Blackman & Vigna, https://prng.di.unimi.it/xoshiro256starstar.c)
# ---------------------------------------------------------------------------------------------------------------------

cdef struct Rng:
    uint64_t s[4]
    double spare          # the second normal variate of the polar method
    bint has_spare


cdef inline uint64_t rotl(uint64_t x, int k) noexcept nogil:
    return (x << k) | (x >> (64 - k))


cdef inline uint64_t next_u64(Rng* r) noexcept nogil:
    cdef uint64_t result = rotl(r.s[1] * 5, 7) * 9
    cdef uint64_t t = r.s[1] << 17
    r.s[2] ^= r.s[0]
    r.s[3] ^= r.s[1]
    r.s[1] ^= r.s[2]
    r.s[0] ^= r.s[3]
    r.s[2] ^= t
    r.s[3] = rotl(r.s[3], 45)
    return result


cdef inline double uniform01(Rng* r) noexcept nogil:
    """A double in [0, 1) from the top 53 bits."""
    return <double>(next_u64(r) >> 11) * (1.0 / 9007199254740992.0)


cdef double std_normal(Rng* r) noexcept nogil:
    """Marsaglia's polar method; every second call returns the spare variate."""
    cdef double u, v, s, f
    if r.has_spare:
        r.has_spare = False
        return r.spare
    while True:
        u = 2.0 * uniform01(r) - 1.0
        v = 2.0 * uniform01(r) - 1.0
        s = u * u + v * v
        if 0.0 < s < 1.0:
            break
    f = sqrt(-2.0 * log(s) / s)
    r.spare = v * f
    r.has_spare = True
    return u * f


cdef double std_gamma(Rng* r, double shape) noexcept nogil:
    """Marsaglia & Tsang (2000), 'A simple method for generating gamma variables'; shape < 1 by boosting."""
    cdef double d, c, x, v, u
    if shape < 1.0:
        return std_gamma(r, shape + 1.0) * pow(1.0 - uniform01(r), 1.0 / shape)
    d = shape - 1.0 / 3.0
    c = 1.0 / sqrt(9.0 * d)
    while True:
        x = std_normal(r)
        v = 1.0 + c * x
        if v <= 0.0:
            continue
        v = v * v * v
        u = 1.0 - uniform01(r)
        if u < 1.0 - 0.0331 * x * x * x * x or log(u) < 0.5 * x * x + d * (1.0 - v + log(v)):
            return d * v


# ---------------------------------------------------------------------------------------------------------------------
# Distributions: a kind and up to three parameters, already in the kernel's form (see DISTRIBUTIONS)
# ---------------------------------------------------------------------------------------------------------------------

cdef enum:
    EXPONENTIAL = 1
    DETERMINISTIC = 2
    UNIFORM = 3
    TRIANGULAR = 4
    NORMAL = 5
    LOGNORMAL = 6
    GAMMA = 7

#: Kind codes and the parameters the kernel expects for each (the Python face converts user parameters to these).
DISTRIBUTIONS = {
    "exponential": (EXPONENTIAL, ("mean",)),
    "deterministic": (DETERMINISTIC, ("value",)),
    "uniform": (UNIFORM, ("low", "high")),
    "triangular": (TRIANGULAR, ("low", "mode", "high")),
    "normal": (NORMAL, ("mean", "sd")),           # truncated at zero by rejection
    "lognormal": (LOGNORMAL, ("mu", "sigma")),    # of the underlying normal
    "gamma": (GAMMA, ("shape", "scale")),
}

cdef struct Dist:
    int kind
    double p0, p1, p2


cdef double draw(const Dist* d, Rng* r) noexcept nogil:
    cdef double u, x, f
    if d.kind == EXPONENTIAL:
        return -d.p0 * log1p(-uniform01(r))
    if d.kind == DETERMINISTIC:
        return d.p0
    if d.kind == UNIFORM:
        return d.p0 + (d.p1 - d.p0) * uniform01(r)
    if d.kind == TRIANGULAR:      # inverse CDF, p0 = low, p1 = mode, p2 = high
        u = uniform01(r)
        f = (d.p1 - d.p0) / (d.p2 - d.p0)
        if u < f:
            return d.p0 + sqrt(u * (d.p2 - d.p0) * (d.p1 - d.p0))
        return d.p2 - sqrt((1.0 - u) * (d.p2 - d.p0) * (d.p2 - d.p1))
    if d.kind == NORMAL:
        while True:
            x = d.p0 + d.p1 * std_normal(r)
            if x >= 0.0:
                return x
    if d.kind == LOGNORMAL:
        return exp(d.p0 + d.p1 * std_normal(r))
    if d.kind == GAMMA:
        return d.p1 * std_gamma(r, d.p0)
    return 0.0


cdef void seed_rng(Rng* r, const uint64_t[:] words) noexcept nogil:
    cdef int i
    for i in range(4):
        r.s[i] = words[i]
    if r.s[0] == 0 and r.s[1] == 0 and r.s[2] == 0 and r.s[3] == 0:
        r.s[0] = 0x9E3779B97F4A7C15ULL   # xoshiro's one forbidden state
    r.has_spare = False


def sample(int kind, double[:] params, const uint64_t[:] state, Py_ssize_t n):
    """``n`` draws of one distribution from a stream seeded with four 64-bit words (used to test the generators)."""
    cdef Rng rng
    cdef Dist d
    cdef Py_ssize_t i
    out = np.empty(n, dtype=np.float64)
    cdef double[:] o = out
    seed_rng(&rng, state)
    d.kind = kind
    d.p0 = params[0]
    d.p1 = params[1]
    d.p2 = params[2]
    with nogil:
        for i in range(n):
            o[i] = draw(&d, &rng)
    return out


# ---------------------------------------------------------------------------------------------------------------------
# The event calendar: a binary min-heap of structs, ordered by (time, insertion number)
# ---------------------------------------------------------------------------------------------------------------------

cdef enum:
    ARRIVAL = 0     # who = source
    FINISH = 1      # who = machine; stale if the machine's epoch moved on (a breakdown preempted the job)
    FAIL = 2        # who = machine
    REPAIR = 3      # who = machine

cdef struct Event:
    double time
    uint64_t seq
    int kind
    int who
    int epoch


cdef inline bint earlier(const Event* a, const Event* b) noexcept nogil:
    return a.time < b.time or (a.time == b.time and a.seq < b.seq)


# A FIFO of ints (job ids, or holders waiting for room) in a growable ring.
cdef struct Fifo:
    int* data
    int cap
    int head
    int size


cdef bint fifo_push(Fifo* q, int x) noexcept nogil:
    cdef int* grown
    cdef int i, n
    if q.size == q.cap:
        n = q.cap * 2 if q.cap else 8
        grown = <int*> malloc(n * sizeof(int))
        if grown == NULL:
            return False
        for i in range(q.size):
            grown[i] = q.data[(q.head + i) % q.cap]
        free(q.data)
        q.data = grown
        q.cap = n
        q.head = 0
    q.data[(q.head + q.size) % q.cap] = x
    q.size += 1
    return True


cdef inline int fifo_peek(Fifo* q) noexcept nogil:
    return q.data[q.head]


cdef inline int fifo_pop(Fifo* q) noexcept nogil:
    cdef int x = q.data[q.head]
    q.head = (q.head + 1) % q.cap
    q.size -= 1
    return x


# Machine states, in the order of the ``machine_time`` columns.
cdef enum:
    IDLE = 0        # up, no job: starved
    BUSY = 1
    BLOCKED = 2     # holding a finished job, waiting for room downstream
    DOWN = 3

# Breakdown clocks: failures fall on calendar time, or on processing time only.
cdef enum:
    CALENDAR = 1
    OPERATING = 2

#: Codes of the breakdown clocks, by name.
BASIS = {"calendar": CALENDAR, "operating": OPERATING}

#: Events allowed at one instant before the run is declared stuck in a zero-time loop (jobs created at time t
#: flowing through zero process times into an unlimited buffer, without end).
STUCK_AFTER = 1_000_000


cdef class Replication:
    """One replication of a flow line: the arrays of the model, its state, and its statistics.

    Build it with the model's arrays (see ``twin.des.flowline._Compiled``), call ``run()`` once, read the results.
    """
    # model
    cdef int n_products, n_stations, n_sources, n_machines
    cdef Dist* dists
    cdef int* service          # [station * n_products + product] -> dist index, -1 if the product never comes
    cdef int* ttf              # [station] -> dist index of the time to failure, -1 without breakdowns
    cdef int* ttr
    cdef int* basis            # [station] CALENDAR or OPERATING
    cdef int* buffer_cap
    cdef int* first_machine    # [station + 1]: machines of station s are first[s] .. first[s+1]-1
    cdef int* arrival          # [source] -> dist index
    cdef double* mix           # [source * n_products + product]: cumulative product shares
    cdef int* route            # stations of product p: route[route_start[p] .. route_start[p+1]-1]
    cdef int* route_start
    cdef Rng* rng              # sources, then station process times, then station breakdowns
    cdef double warmup, horizon
    # state
    cdef double now
    cdef Event* heap
    cdef int heap_size, heap_cap
    cdef uint64_t seq
    cdef int* m_station
    cdef int* m_job
    cdef int* m_done
    cdef int* m_down
    cdef int* m_state
    cdef int* m_epoch
    cdef double* m_since
    cdef double* m_started     # start of the current processing segment
    cdef double* m_up_left     # operating breakdowns: processing time left before the next failure
    cdef int* s_job            # [source] job waiting for room, -1 if none
    cdef Fifo* buffer
    cdef Fifo* waiting         # [station] holders blocked on the station: machine m >= 0 or source q as -q-1
    cdef double* buffer_since
    cdef int* job_product
    cdef int* job_step
    cdef double* job_arrival
    cdef double* job_work
    cdef int* free_jobs
    cdef int n_free, job_cap
    cdef int wip
    cdef double wip_since
    cdef bint out_of_memory
    cdef public bint stuck
    # statistics
    cdef public object machine_time, buffer_area, completed, arrived, flow_time_sum
    cdef double[:, :] mt
    cdef double[:] ba
    cdef int64_t[:] done_count, arrived_count
    cdef double[:] flow_sum
    cdef public double wip_area
    cdef public int64_t events

    def __cinit__(self, dict m, const uint64_t[:, :] seeds, double horizon, double warmup):
        cdef int s, i, k
        cdef double[:, :] dp = m["dist_params"]
        cdef int[:] dk = m["dist_kind"]
        self.n_products = m["n_products"]
        self.n_stations = m["n_stations"]
        self.n_sources = m["n_sources"]
        self.horizon = horizon
        self.warmup = warmup
        self.dists = <Dist*> malloc(dk.shape[0] * sizeof(Dist))
        for i in range(dk.shape[0]):
            self.dists[i].kind = dk[i]
            self.dists[i].p0 = dp[i, 0]
            self.dists[i].p1 = dp[i, 1]
            self.dists[i].p2 = dp[i, 2]
        self.service = _ints(m["service"])
        self.ttf = _ints(m["ttf"])
        self.ttr = _ints(m["ttr"])
        self.basis = _ints(m["basis"])
        self.buffer_cap = _ints(m["buffer_cap"])
        self.first_machine = _ints(m["first_machine"])
        self.arrival = _ints(m["arrival"])
        self.mix = _doubles(m["mix"])
        self.route = _ints(m["route"])
        self.route_start = _ints(m["route_start"])
        self.n_machines = self.first_machine[self.n_stations]
        n_streams = self.n_sources + 2 * self.n_stations
        if seeds.shape[0] != n_streams or seeds.shape[1] != 4:
            raise ValueError(f"seeds must have shape ({n_streams}, 4), got ({seeds.shape[0]}, {seeds.shape[1]})")
        self.rng = <Rng*> malloc(n_streams * sizeof(Rng))
        for i in range(n_streams):
            seed_rng(&self.rng[i], seeds[i])

        M = self.n_machines
        self.m_station = _ints(np.repeat(np.arange(self.n_stations), np.diff(m["first_machine"])))
        self.m_job = _ints(np.full(M, -1))
        self.m_done = _ints(np.zeros(M))
        self.m_down = _ints(np.zeros(M))
        self.m_state = _ints(np.zeros(M))
        self.m_epoch = _ints(np.zeros(M))
        self.m_since = _doubles(np.zeros(M))
        self.m_started = _doubles(np.zeros(M))
        self.m_up_left = _doubles(np.zeros(M))
        self.s_job = _ints(np.full(self.n_sources, -1))
        self.buffer = <Fifo*> calloc(self.n_stations, sizeof(Fifo))     # empty queues
        self.waiting = <Fifo*> calloc(self.n_stations, sizeof(Fifo))
        self.buffer_since = _doubles(np.zeros(self.n_stations))
        self.heap_cap = 64 + 2 * (M + self.n_sources)
        self.heap = <Event*> malloc(self.heap_cap * sizeof(Event))
        self.job_cap = 0
        if (self.dists == NULL or self.rng == NULL or self.buffer == NULL or self.waiting == NULL
                or self.heap == NULL or not self.grow_jobs()):
            raise MemoryError("flow line: cannot allocate the replication's state")

        self.machine_time = np.zeros((self.n_stations, 4))
        self.buffer_area = np.zeros(self.n_stations)
        self.completed = np.zeros(self.n_products, dtype=np.int64)
        self.arrived = np.zeros(self.n_products, dtype=np.int64)
        self.flow_time_sum = np.zeros(self.n_products)
        self.mt = self.machine_time
        self.ba = self.buffer_area
        self.done_count = self.completed
        self.arrived_count = self.arrived
        self.flow_sum = self.flow_time_sum

        # the first arrival of every source, the first failure of every machine
        for k in range(self.n_sources):
            self.schedule(draw(&self.dists[self.arrival[k]], &self.rng[k]), ARRIVAL, k, 0)
        for i in range(M):
            s = self.m_station[i]
            if self.ttf[s] >= 0:
                self.m_up_left[i] = draw(&self.dists[self.ttf[s]], self.fail_rng(s))
                if self.basis[s] == CALENDAR:
                    self.schedule(self.m_up_left[i], FAIL, i, 0)

    def __dealloc__(self):
        cdef int s
        if self.buffer != NULL:
            for s in range(self.n_stations):
                free(self.buffer[s].data)
        if self.waiting != NULL:
            for s in range(self.n_stations):
                free(self.waiting[s].data)
        free(self.dists)
        free(self.service)
        free(self.ttf)
        free(self.ttr)
        free(self.basis)
        free(self.buffer_cap)
        free(self.first_machine)
        free(self.arrival)
        free(self.mix)
        free(self.route)
        free(self.route_start)
        free(self.rng)
        free(self.heap)
        free(self.m_station)
        free(self.m_job)
        free(self.m_done)
        free(self.m_down)
        free(self.m_state)
        free(self.m_epoch)
        free(self.m_since)
        free(self.m_started)
        free(self.m_up_left)
        free(self.s_job)
        free(self.buffer)
        free(self.waiting)
        free(self.buffer_since)
        free(self.job_product)
        free(self.job_step)
        free(self.job_arrival)
        free(self.job_work)
        free(self.free_jobs)

    def run(self, int64_t stuck_after=STUCK_AFTER):
        """Run to the horizon with the GIL released; return the number of events processed.

        The run stops early with ``stuck`` set if more than ``stuck_after`` events fall on one instant.
        """
        with nogil:
            self.loop(stuck_after)
        if self.out_of_memory:
            raise MemoryError(f"flow line: out of memory at t={self.now:g} with {self.wip} jobs in the system")
        return self.events

    # -- the event loop ------------------------------------------------------------------------------------------

    cdef void loop(self, int64_t stuck_after) noexcept nogil:
        cdef Event ev
        cdef int i, s
        cdef int64_t same_time = 0
        while self.heap_size > 0 and self.heap[0].time <= self.horizon and not self.out_of_memory:
            ev = self.pop()
            if ev.time == self.now:
                same_time += 1
                if same_time > stuck_after:
                    self.stuck = True
                    break
            else:
                same_time = 0
            self.now = ev.time
            if ev.kind == FINISH:
                if ev.epoch != self.m_epoch[ev.who]:
                    continue
                self.finish(ev.who)
            elif ev.kind == ARRIVAL:
                self.arrive(ev.who)
            elif ev.kind == FAIL:
                self.fail(ev.who)
            else:
                self.repair(ev.who)
            self.events += 1
        # close the books at the horizon
        self.now = self.horizon
        for i in range(self.n_machines):
            self.mt[self.m_station[i], self.m_state[i]] += self.window(self.m_since[i])
        for s in range(self.n_stations):
            self.ba[s] += self.buffer[s].size * self.window(self.buffer_since[s])
        self.wip_area += self.wip * self.window(self.wip_since)

    cdef void arrive(self, int q) noexcept nogil:
        """Source ``q`` creates a job; if the first station has no room the source holds it and waits."""
        cdef int p = 0, job
        cdef double u = uniform01(&self.rng[q])
        while p < self.n_products - 1 and u >= self.mix[q * self.n_products + p]:
            p += 1
        job = self.new_job(p)
        if job < 0:
            return
        if self.now >= self.warmup:
            self.arrived_count[p] += 1
        if self.place(job, self.route[self.route_start[p]]):
            self.schedule_arrival(q)
        else:
            self.s_job[q] = job
            self.out_of_memory |= not fifo_push(&self.waiting[self.route[self.route_start[p]]], -q - 1)

    cdef void schedule_arrival(self, int q) noexcept nogil:
        self.schedule(self.now + draw(&self.dists[self.arrival[q]], &self.rng[q]), ARRIVAL, q, 0)

    cdef bint place(self, int job, int s) noexcept nogil:
        """Hand ``job`` to station ``s``: to an idle machine, else into the buffer; False if there is no room."""
        cdef int m
        if self.buffer[s].size == 0:
            for m in range(self.first_machine[s], self.first_machine[s + 1]):
                if self.m_job[m] < 0 and not self.m_down[m]:
                    self.start(m, job)
                    return True
        if self.buffer[s].size < self.buffer_cap[s]:
            self.touch_buffer(s)
            self.out_of_memory |= not fifo_push(&self.buffer[s], job)
            return True
        return False

    cdef void start(self, int m, int job) noexcept nogil:
        cdef int s = self.m_station[m]
        cdef int d = self.service[s * self.n_products + self.job_product[job]]
        self.m_job[m] = job
        self.m_done[m] = False
        self.job_work[job] = draw(&self.dists[d], &self.rng[self.n_sources + s])
        self.set_state(m)
        self.process(m)

    cdef void process(self, int m) noexcept nogil:
        """Start (or resume) processing: the job finishes, or an operating breakdown comes first."""
        cdef int s = self.m_station[m]
        cdef double work = self.job_work[self.m_job[m]]
        self.m_started[m] = self.now
        if self.basis[s] == OPERATING and self.m_up_left[m] < work:
            self.schedule(self.now + self.m_up_left[m], FAIL, m, 0)
        else:
            self.schedule(self.now + work, FINISH, m, self.m_epoch[m])

    cdef void finish(self, int m) noexcept nogil:
        cdef int job = self.m_job[m]
        cdef int p, step
        if self.basis[self.m_station[m]] == OPERATING:
            self.m_up_left[m] -= self.now - self.m_started[m]
        self.job_work[job] = 0.0
        self.m_done[m] = True
        self.job_step[job] += 1
        p = self.job_product[job]
        step = self.route_start[p] + self.job_step[job]
        if step == self.route_start[p + 1]:
            self.leave(job)
            self.release(m)
        elif self.place(job, self.route[step]):
            self.release(m)
        else:
            self.set_state(m)
            self.out_of_memory |= not fifo_push(&self.waiting[self.route[step]], m)

    cdef void release(self, int m) noexcept nogil:
        """Machine ``m`` has handed its job on: it is idle, and takes the next job if it is up."""
        self.m_job[m] = -1
        self.m_done[m] = False
        self.set_state(m)
        if not self.m_down[m]:
            self.pull(m)

    cdef void pull(self, int m) noexcept nogil:
        """Idle machine ``m`` takes the next job from its buffer; room opens for those waiting on the station."""
        cdef int s = self.m_station[m]
        if self.buffer[s].size > 0:
            self.touch_buffer(s)
            self.start(m, fifo_pop(&self.buffer[s]))
        self.admit(s)

    cdef void admit(self, int s) noexcept nogil:
        """Let holders blocked on station ``s`` hand over their jobs, first come first served, while there is room."""
        cdef int holder, job
        while self.waiting[s].size > 0:
            holder = fifo_peek(&self.waiting[s])
            job = self.m_job[holder] if holder >= 0 else self.s_job[-holder - 1]
            if not self.place(job, s):
                return
            fifo_pop(&self.waiting[s])
            if holder >= 0:
                self.release(holder)
            else:
                self.s_job[-holder - 1] = -1
                self.schedule_arrival(-holder - 1)

    cdef void fail(self, int m) noexcept nogil:
        """A breakdown: a job in process is preempted with its remaining work kept; the repair is scheduled."""
        cdef int s = self.m_station[m]
        if self.m_job[m] >= 0 and not self.m_done[m]:
            self.job_work[self.m_job[m]] -= self.now - self.m_started[m]
            self.m_epoch[m] += 1
        self.m_down[m] = True
        self.set_state(m)
        self.schedule(self.now + draw(&self.dists[self.ttr[s]], self.fail_rng(s)), REPAIR, m, 0)

    cdef void repair(self, int m) noexcept nogil:
        cdef int s = self.m_station[m]
        cdef double ttf = draw(&self.dists[self.ttf[s]], self.fail_rng(s))
        self.m_down[m] = False
        if self.basis[s] == CALENDAR:
            self.schedule(self.now + ttf, FAIL, m, 0)
        else:
            self.m_up_left[m] = ttf
        self.set_state(m)
        if self.m_job[m] < 0:
            self.pull(m)
        elif not self.m_done[m]:
            self.process(m)

    cdef void leave(self, int job) noexcept nogil:
        cdef int p = self.job_product[job]
        if self.now >= self.warmup:
            self.done_count[p] += 1
            self.flow_sum[p] += self.now - self.job_arrival[job]
        self.wip_area += self.wip * self.window(self.wip_since)
        self.wip_since = self.now
        self.wip -= 1
        self.free_jobs[self.n_free] = job
        self.n_free += 1

    # -- bookkeeping -------------------------------------------------------------------------------------------

    cdef inline Rng* fail_rng(self, int s) noexcept nogil:
        return &self.rng[self.n_sources + self.n_stations + s]

    cdef inline double window(self, double since) noexcept nogil:
        """The part of [since, now] inside the observation window [warmup, horizon]."""
        cdef double a = since if since > self.warmup else self.warmup
        return self.now - a if self.now > a else 0.0

    cdef void set_state(self, int m) noexcept nogil:
        cdef int state
        if self.m_down[m]:
            state = DOWN
        elif self.m_job[m] < 0:
            state = IDLE
        elif self.m_done[m]:
            state = BLOCKED
        else:
            state = BUSY
        if state != self.m_state[m]:
            self.mt[self.m_station[m], self.m_state[m]] += self.window(self.m_since[m])
            self.m_state[m] = state
            self.m_since[m] = self.now

    cdef inline void touch_buffer(self, int s) noexcept nogil:
        self.ba[s] += self.buffer[s].size * self.window(self.buffer_since[s])
        self.buffer_since[s] = self.now

    cdef int new_job(self, int p) noexcept nogil:
        cdef int job
        if self.n_free == 0 and not self.grow_jobs():
            self.out_of_memory = True
            return -1
        self.n_free -= 1
        job = self.free_jobs[self.n_free]
        self.job_product[job] = p
        self.job_step[job] = 0
        self.job_arrival[job] = self.now
        self.wip_area += self.wip * self.window(self.wip_since)
        self.wip_since = self.now
        self.wip += 1
        return job

    cdef bint grow_jobs(self) noexcept nogil:
        """Double the job pool (all its ids are in use) and put the new ids on the free list."""
        cdef int n = self.job_cap * 2 if self.job_cap else 256
        cdef int i
        cdef void* a = realloc(self.job_product, n * sizeof(int))
        if a == NULL:
            return False
        self.job_product = <int*> a
        a = realloc(self.job_step, n * sizeof(int))
        if a == NULL:
            return False
        self.job_step = <int*> a
        a = realloc(self.job_arrival, n * sizeof(double))
        if a == NULL:
            return False
        self.job_arrival = <double*> a
        a = realloc(self.job_work, n * sizeof(double))
        if a == NULL:
            return False
        self.job_work = <double*> a
        a = realloc(self.free_jobs, n * sizeof(int))
        if a == NULL:
            return False
        self.free_jobs = <int*> a
        for i in range(n - 1, self.job_cap - 1, -1):
            self.free_jobs[self.n_free] = i
            self.n_free += 1
        self.job_cap = n
        return True

    cdef void schedule(self, double time, int kind, int who, int epoch) noexcept nogil:
        cdef int i, parent
        cdef Event ev
        cdef Event* grown
        if self.heap_size == self.heap_cap:
            grown = <Event*> realloc(self.heap, 2 * self.heap_cap * sizeof(Event))
            if grown == NULL:
                self.out_of_memory = True
                return
            self.heap = grown
            self.heap_cap *= 2
        ev.time = time
        ev.seq = self.seq
        ev.kind = kind
        ev.who = who
        ev.epoch = epoch
        self.seq += 1
        i = self.heap_size
        self.heap_size += 1
        while i > 0:
            parent = (i - 1) >> 1
            if not earlier(&ev, &self.heap[parent]):
                break
            self.heap[i] = self.heap[parent]
            i = parent
        self.heap[i] = ev

    cdef Event pop(self) noexcept nogil:
        cdef Event top = self.heap[0]
        cdef Event last
        cdef int i = 0, child
        self.heap_size -= 1
        last = self.heap[self.heap_size]
        while True:
            child = 2 * i + 1
            if child >= self.heap_size:
                break
            if child + 1 < self.heap_size and earlier(&self.heap[child + 1], &self.heap[child]):
                child += 1
            if not earlier(&self.heap[child], &last):
                break
            self.heap[i] = self.heap[child]
            i = child
        self.heap[i] = last
        return top


cdef int* _ints(a) except NULL:
    """A malloc'ed copy of an integer array (freed by the owner)."""
    cdef int[:] v = np.ascontiguousarray(a, dtype=np.intc)
    cdef int* out = <int*> malloc(max(v.shape[0], 1) * sizeof(int))
    cdef Py_ssize_t i
    if out == NULL:
        raise MemoryError
    for i in range(v.shape[0]):
        out[i] = v[i]
    return out


cdef double* _doubles(a) except NULL:
    cdef double[:] v = np.ascontiguousarray(a, dtype=np.float64).ravel()
    cdef double* out = <double*> malloc(max(v.shape[0], 1) * sizeof(double))
    cdef Py_ssize_t i
    if out == NULL:
        raise MemoryError
    for i in range(v.shape[0]):
        out[i] = v[i]
    return out
