# cython: language_level=3, boundscheck=False, wraparound=False
"""The compiled discrete-event core behind ``twin.des``: SimPy 4.1's semantics, event for event.

The event calendar is a binary heap of C structs ``{time, key, event}`` ordered like SimPy's
``(time, priority, insertion id)`` tuples. ``Environment.run()`` loops in C; a waiting ``Process``
sits in its target's ``callbacks`` list itself (no bound method per event) and is resumed with
``PyIter_Send``. Everything else follows SimPy's source line by line, so Python subclasses of
events, processes and resources behave as they do on SimPy.

The resources (Resource, Store, Container and their variants) live in ``des_resources.pxi``,
included at the end so that they can reach the events' C fields.
"""
from cpython.exc cimport PyErr_NoMemory
from cpython.ref cimport Py_DECREF, Py_INCREF, Py_XDECREF, PyObject
from libc.math cimport isnan
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memcpy


cdef extern from "Python.h":
    int _send "PyIter_Send"(object iterator, object arg, PyObject** presult)  # -1: an exception is pending
    bint PyIndex_Check(object o)
    bint PyLong_Check(object o)
    bint PyFloat_Check(object o)
    bint PyNumber_Check(object o)
    bint PyGen_CheckExact(object o)
    PyObject* PyList_GET_ITEM(object list, Py_ssize_t i)
    void* Py_TYPE(object o)
    Py_ssize_t Py_REFCNT(object o)
    Py_ssize_t PyList_GET_SIZE(object list)
    PyObject** _PyObject_GetDictPtr(object o)
    Py_ssize_t _dict_size "PyDict_GET_SIZE"(PyObject* dict)
    PyObject* _dict_get "PyDict_GetItemWithError"(PyObject* dict, PyObject* key)


# -- constants and exceptions -------------------------------------------------------------------------------------

PENDING = object()
"""Unique object to identify pending values of events."""

URGENT = 0
"""Priority of interrupts and process initialization events."""
NORMAL = 1
"""Default priority used by events."""

Infinity = float('inf')
"""Convenience alias for infinity."""

cdef object _PENDING = PENDING
# An event's C field ``_callbacks`` holds None (processed), a list, _NO_CALLBACKS (none yet: the list is made when
# someone asks for it) or a single waiting Process: most events are awaited by one process and nothing else.
cdef object _NO_CALLBACKS = object()
cdef int _URGENT = 0
cdef int _NORMAL = 1
# Calendar key = (priority + _PRIO_OFFSET) << 45 | insertion id << 1 | the time is an int: one integer compare
# orders ties (priority, then insertion), and the low bit rides along without changing the order.
cdef long long _PRIO_OFFSET = 1 << 15
cdef int _EID_BITS = 44
cdef enum:
    _SPARES = 32         # processed Timeouts an environment keeps for reuse


class SimPyException(Exception):
    """Base class for all SimPy specific exceptions."""


class Interrupt(SimPyException):
    """Exception thrown into a process if it is interrupted (see :meth:`Process.interrupt`).

    :attr:`cause` provides the reason for the interrupt, if any. Concurrent interrupts are thrown
    into the process in the order they occurred.
    """

    def __init__(self, cause):
        super().__init__(cause)

    def __str__(self):
        return f'{self.__class__.__name__}({self.cause!r})'

    @property
    def cause(self):
        """The cause of the interrupt or ``None`` if no cause was provided."""
        return self.args[0]


class EmptySchedule(Exception):
    """Thrown by an :class:`Environment` if there are no further events to be processed."""


class StopSimulation(Exception):
    """Indicates that the simulation should stop now."""

    @classmethod
    def callback(cls, event):
        """Used as callback in :meth:`Environment.run()` to stop the simulation when the *until* event occurred."""
        if event.ok:
            raise cls(event.value)
        else:
            raise event._value


cdef object _stop_callback = StopSimulation.callback


# -- the calendar -------------------------------------------------------------------------------------------------

ctypedef unsigned long long u64

cdef extern from *:
    """
    /* (when, key) < (when, key) as one 128-bit compare: no branch for the heap's walk to mispredict. */
    static inline int twin_des_before(unsigned long long aw, unsigned long long ak,
                                      unsigned long long bw, unsigned long long bk) {
        return (((unsigned __int128)aw << 64) | ak) < (((unsigned __int128)bw << 64) | bk);
    }
    """
    bint _before_128 "twin_des_before"(u64 a_when, u64 a_key, u64 b_when, u64 b_key) noexcept nogil


cdef struct Entry:
    u64 when             # the time, as an unsigned integer that sorts like it (see _when)
    u64 key              # priority, insertion id, and in bit 0 whether the time is an int (SimPy keeps ``now``
    PyObject* event      # an int while all delays are ints)


cdef u64 _SIGN = 1ULL << 63
cdef u64 _LAST = ~0ULL   # (when, key) of the sentinel that the heap's walk never picks


cdef inline u64 _when(double time) noexcept nogil:
    """The IEEE 754 bits of *time*, sign-folded so that unsigned order is time order (-0.0 counts as 0.0)."""
    cdef u64 bits
    time += 0.0
    memcpy(&bits, &time, 8)
    return bits ^ (<u64>(<long long>bits >> 63) | _SIGN)


cdef inline double _time(u64 when) noexcept nogil:
    """The time whose :func:`_when` is *when*."""
    cdef double time
    when ^= <u64>(<long long>~when >> 63) | _SIGN
    memcpy(&time, &when, 8)
    return time


cdef inline bint _before(Entry* a, Entry* b) noexcept nogil:
    return _before_128(a.when, a.key, b.when, b.key)


cdef inline Entry _heap_pop(Entry* heap, Py_ssize_t n) noexcept nogil:
    """Remove and return the earliest of the *n* + 1 entries of *heap*; the caller owns its event reference.

    Bottom-up: the hole left at the root walks down along the earlier child to a leaf (one branch-free
    comparison per level; the last slot holds a sentinel meanwhile, so a lone left child needs no test), then
    the last entry moves into the hole and sifts up, which is rarely more than a level or two.
    """
    cdef Entry top = heap[0]
    cdef Entry last
    cdef Py_ssize_t i = 0, child = 1, parent
    if n > 0:
        last = heap[n]
        heap[n].when = heap[n].key = _LAST
        while child < n:
            child += _before(&heap[child + 1], &heap[child])
            heap[i] = heap[child]
            i = child
            child = 2 * i + 1
        while i > 0:
            parent = (i - 1) >> 1
            if not _before(&last, &heap[parent]):
                break
            heap[i] = heap[parent]
            i = parent
        heap[i] = last
    return top


cdef class Environment:
    """Execution environment for an event-based simulation. The passing of time is simulated by stepping
    from event to event.

    You can provide an *initial_time* for the environment. By default, it starts at ``0``.

    Beyond SimPy: ``run(progress=...)`` reports on long runs, and :meth:`pause` makes ``run()`` return
    after the current event so that a later ``run()`` continues where it left off.
    """
    cdef Entry* _heap
    cdef Py_ssize_t _size, _cap
    cdef long long _eid
    cdef double _now
    cdef bint _now_int
    cdef bint _paused
    cdef PyObject* _spares[_SPARES]    # processed Timeouts that nobody else holds, for timeout() to reuse
    cdef int _nspares
    cdef object _until
    cdef public object _active_proc
    cdef dict __dict__

    def __cinit__(self, *args, **kwargs):
        self._cap = 256
        self._heap = <Entry*>malloc(self._cap * sizeof(Entry))
        if self._heap == NULL:
            PyErr_NoMemory()

    def __dealloc__(self):
        cdef Py_ssize_t i
        if self._heap != NULL:
            for i in range(self._size):
                Py_DECREF(<object>self._heap[i].event)
            free(self._heap)
        while self._nspares:
            self._nspares -= 1
            Py_DECREF(<object>self._spares[self._nspares])

    def __init__(self, initial_time=0):
        self._now = _as_time(initial_time, 'initial_time')
        self._now_int = _is_integer(initial_time)
        self._active_proc = None

    @property
    def now(self):
        """The current simulation time."""
        return <long long>self._now if self._now_int else self._now

    @property
    def active_process(self):
        """The currently active process of the environment."""
        return self._active_proc

    @property
    def _queue(self):
        """The scheduled events as SimPy's sorted ``(time, priority, eid, event)`` tuples (read-only copy)."""
        cdef Py_ssize_t i
        cdef Entry* e
        cdef double time
        rows = []
        for i in range(self._size):
            e = &self._heap[i]
            time = _time(e.when)
            rows.append(((<long long>time if e.key & 1 else time),
                         <long long>(e.key >> (_EID_BITS + 1)) - _PRIO_OFFSET,
                         (e.key >> 1) & ((1ULL << _EID_BITS) - 1), <object>e.event))
        rows.sort(key=lambda row: row[:3])
        return rows

    # -- event factories (SimPy binds these classes as methods) --

    def process(self, generator):
        """Create a new :class:`Process` instance for *generator*."""
        cdef Process process = Process.__new__(Process)
        process._start(self, generator)
        return process

    def timeout(self, delay=0, value=None):
        """Return a new :class:`Timeout` event with a *delay* and, optionally, a *value*."""
        cdef Timeout t
        if self._nspares:
            # A spare is as good as new: nothing can tell them apart (see _step).
            self._nspares -= 1
            t = <Timeout>self._spares[self._nspares]
            Py_DECREF(t)  # the spares' reference; ``t`` holds its own
            t._is_defused = False
        else:
            t = Timeout.__new__(Timeout)
            _drop_dict(t)
            t.env = self
        t._callbacks = _NO_CALLBACKS
        t._value = value
        t._delay = delay
        t._is_ok = True
        self._schedule_after(t, _NORMAL, delay)
        return t

    def event(self):
        """Return a new :class:`Event` instance. Yielding it suspends a process until another one triggers it."""
        return Event(self)

    def all_of(self, events):
        """Return an :class:`AllOf` condition for *events*."""
        return AllOf(self, events)

    def any_of(self, events):
        """Return an :class:`AnyOf` condition for *events*."""
        return AnyOf(self, events)

    # -- the calendar --

    def schedule(self, event, priority=NORMAL, delay=0):
        """Schedule an *event* with a given *priority* and a *delay*."""
        if not isinstance(event, Event):
            raise TypeError(f'schedule() needs an Event, got {event!r}')
        self._schedule_after(<Event>event, priority, delay)

    cdef int _schedule_after(self, Event event, int priority, object delay) except -1:
        cdef double d
        cdef bint is_int
        if PyFloat_Check(delay):
            d = delay
            is_int = False
        elif PyLong_Check(delay):
            d = delay
            is_int = self._now_int
        else:
            d = _as_time(delay, 'delay')
            is_int = self._now_int and _is_integer(delay)
        if d < 0:
            raise ValueError(f'Negative delay {delay}')
        if isnan(d):
            raise ValueError(f'delay {delay!r} is not a number')
        self._push(event, priority, self._now + d, is_int)
        return 0

    cdef int _push(self, Event event, int priority, double time, bint is_int) except -1:
        cdef Py_ssize_t i, parent
        cdef Entry entry
        cdef Entry* grown
        if not -_PRIO_OFFSET <= priority < _PRIO_OFFSET:
            raise ValueError(f'priority {priority} is outside [{-_PRIO_OFFSET}, {_PRIO_OFFSET})')
        if self._size == self._cap:
            grown = <Entry*>realloc(self._heap, 2 * self._cap * sizeof(Entry))
            if grown == NULL:
                PyErr_NoMemory()
            self._heap = grown
            self._cap *= 2
        entry.when = _when(time)
        entry.key = (<u64>(priority + _PRIO_OFFSET) << (_EID_BITS + 1)) | (<u64>self._eid << 1) | is_int
        entry.event = <PyObject*>event
        self._eid += 1
        Py_INCREF(event)
        i = self._size
        self._size += 1
        while i > 0:
            parent = (i - 1) >> 1
            if not _before(&entry, &self._heap[parent]):
                break
            self._heap[i] = self._heap[parent]
            i = parent
        self._heap[i] = entry
        return 0

    def peek(self):
        """Get the time of the next scheduled event. Return :data:`Infinity` if there is no further event."""
        cdef double time
        if self._size == 0:
            return Infinity
        time = _time(self._heap[0].when)
        return <long long>time if self._heap[0].key & 1 else time

    # -- stepping --

    def step(self):
        """Process the next event. Raise an :exc:`EmptySchedule` if no further events are available."""
        self._step()

    cdef int _step(self) except -1:
        return _step(self)

    cdef int _call_all(self, Event event, list callbacks) except -1:
        """Call each callback with *event*; on StopSimulation keep the rest for when the simulation resumes."""
        cdef Py_ssize_t i = 0
        try:
            while i < PyList_GET_SIZE(callbacks):
                callback = <object>PyList_GET_ITEM(callbacks, i)
                if isinstance(callback, Process):
                    (<Process>callback)._resume_with(event)
                else:
                    callback(event)
                i += 1
        except StopSimulation:
            # Reattach the remaining callbacks and reschedule the event for when the simulation resumes.
            event._callbacks = callbacks[i + 1:]
            self._push(event, -1, self._now, self._now_int)
            raise
        return 0

    def pause(self):
        """Make the running :meth:`run` return after the current event; call ``run()`` again to continue.

        Beyond SimPy: this is how a real-time twin hands control back between steps. A ``run(until=...)``
        that was paused keeps its target: a later ``run()`` without arguments continues towards it.
        """
        self._paused = True

    def run(self, until=None, progress=None, progress_every=100_000):
        """Execute :meth:`step` until the given criterion *until* is met.

        - ``None`` (the default): return when there are no further events to be processed.
        - an :class:`Event`: step until this event has been triggered and return its value. Raise a
          :exc:`RuntimeError` if no events are left and *until* was not triggered.
        - a number: step until the environment's time reaches *until*.

        Beyond SimPy: *progress*, if given, is called as ``progress(env)`` every *progress_every* events
        (cheap enough for a tqdm bar), and :meth:`pause` returns early with ``None``.
        """
        cdef Event stop
        if until is not None:
            if not isinstance(until, Event):
                try:
                    at = until if isinstance(until, int) else float(until)
                except (TypeError, ValueError) as error:
                    raise type(error)(f'until must be a number or an Event, got {until!r}') from None
                if at <= self.now:
                    raise ValueError(f'until ({at}) must be greater than the current simulation time')
                # Schedule the event before all regular timeouts.
                stop = Event(self)
                stop._is_ok = True
                stop._value = None
                self._push(stop, _URGENT, at, self._now_int and _is_integer(at))
                until = stop
            elif until.callbacks is None:
                # Until event has already been processed.
                return until.value
            self._detach_until()
            until.callbacks.append(_stop_callback)
            self._until = until
        if progress is not None and progress_every < 1:
            raise ValueError(f'progress_every must be >= 1, got {progress_every!r}')
        return self._run(progress, progress_every)

    cdef void _detach_until(self):
        old = self._until
        self._until = None
        if old is not None and old.callbacks is not None:
            try:
                old.callbacks.remove(_stop_callback)
            except ValueError:
                pass

    cdef object _run(self, progress, long long progress_every):
        # As on SimPy, a ``step`` replaced on the class or on the instance (SimPy's tracing recipe) is called.
        cdef bint compiled_step = type(self) is Environment or type(self).step is Environment.step
        cdef long long countdown = progress_every if progress is not None else -1
        self._paused = False
        try:
            while True:
                if compiled_step and not _has_own(self, _STEP):
                    _step(self)
                else:
                    self.step()
                if countdown > 0:
                    countdown -= 1
                    if countdown == 0:
                        progress(self)
                        countdown = progress_every
                if self._paused:
                    self._paused = False
                    return None
        except StopSimulation as exc:
            self._until = None
            return exc.args[0]  # == until.value
        except EmptySchedule:
            until = self._until
            self._until = None
            if until is not None:
                raise RuntimeError(f'No scheduled events left but "until" event was not triggered: {until}') from None
        except BaseException:
            self._until = None
            raise
        return None


cdef PyObject* _STEP = <PyObject*>'step'
cdef PyObject* _RELEASE = <PyObject*>'release'


cdef inline bint _has_own(object obj, PyObject* name) noexcept:
    """Whether attribute *name* was set on *obj* itself, as SimPy's monitoring and tracing recipes do to wrap
    ``env.step`` or ``resource.release``: the compiled shortcuts then give way. Cheap when the dict is empty."""
    cdef PyObject** slot = _PyObject_GetDictPtr(obj)
    return slot != NULL and slot[0] != NULL and _dict_size(slot[0]) != 0 and _dict_get(slot[0], name) != NULL


cdef inline int _step(Environment env) except -1:
    """Process the next event of *env*: pop it, advance the clock, call its callbacks (resuming a waiting
    process directly), and crash the environment if it failed and nobody defused it."""
    cdef Entry entry
    cdef Event event
    if env._size == 0:
        raise EmptySchedule()
    env._size -= 1
    entry = _heap_pop(env._heap, env._size)
    env._now = _time(entry.when)
    env._now_int = entry.key & 1
    event = <Event>entry.event
    Py_DECREF(event)  # the calendar's reference; ``event`` holds its own

    # Set the callbacks to None first to prevent concurrent modifications.
    callbacks = event._callbacks
    event._callbacks = None
    if isinstance(callbacks, Process):
        (<Process>callbacks)._resume_with(event)
    elif callbacks is not _NO_CALLBACKS:
        env._call_all(event, callbacks if type(callbacks) is list else list(callbacks))

    if not event._is_ok and not event._is_defused:
        # The event has failed and nobody defused it: crash the environment with a fresh copy.
        exc = type(event._value)(*event._value.args)
        exc.__cause__ = event._value
        raise exc

    # A plain Timeout that only this function still holds can never be seen again: keep it as a spare for
    # timeout(), which saves allocating, tracking and freeing an object (and its dict) per event.
    if Py_REFCNT(event) == 1 and Py_TYPE(event) == _timeout_type and env._nspares < _SPARES and not _has_dict(event):
        event._value = None
        (<Timeout>event)._delay = None
        Py_INCREF(event)
        env._spares[env._nspares] = <PyObject*>event
        env._nspares += 1
    return 0


# The calendar's C array holds references to events, which hold the environment: a reference cycle the garbage
# collector must see, or every finished simulation would leak. So the environment's type visits (and, when the
# collector breaks a cycle, releases) the scheduled events on top of what Cython generates.
ctypedef int (*_visitproc)(PyObject*, void*) noexcept
ctypedef int (*_traverseproc)(PyObject*, _visitproc, void*) noexcept
ctypedef int (*_inquiry)(PyObject*) noexcept

cdef extern from "Python.h":
    ctypedef struct _TypeSlots "PyTypeObject":
        _traverseproc tp_traverse
        _inquiry tp_clear
        Py_ssize_t tp_dictoffset
        unsigned long tp_flags
    unsigned long _HEAPTYPE "Py_TPFLAGS_HEAPTYPE"

cdef _TypeSlots* _environment_type = <_TypeSlots*><void*>Environment
cdef _traverseproc _generated_traverse = _environment_type.tp_traverse
cdef _inquiry _generated_clear = _environment_type.tp_clear


cdef int _traverse_environment(PyObject* o, _visitproc visit, void* arg) noexcept:
    cdef Py_ssize_t i
    cdef int result = _generated_traverse(o, visit, arg)
    cdef Entry* heap = (<Environment>o)._heap
    for i in range((<Environment>o)._size):
        if result:
            break
        result = visit(heap[i].event, arg)
    for i in range((<Environment>o)._nspares):
        if result:
            break
        result = visit((<Environment>o)._spares[i], arg)
    return result


cdef int _clear_environment(PyObject* o) noexcept:
    cdef Environment env = <Environment>o
    cdef PyObject* event
    while env._size > 0:
        env._size -= 1
        event = env._heap[env._size].event
        Py_DECREF(<object>event)
    while env._nspares > 0:
        env._nspares -= 1
        Py_DECREF(<object>env._spares[env._nspares])
    return _generated_clear(o)


_environment_type.tp_traverse = _traverse_environment
_environment_type.tp_clear = _clear_environment


cdef void* _timeout_type = <void*>Timeout


cdef inline bint _has_dict(Event event) noexcept:
    """Whether *event* has an instance ``__dict__`` (someone set an attribute on it)."""
    return (<PyObject**>(<char*><PyObject*>event + (<_TypeSlots*>Py_TYPE(event)).tp_dictoffset))[0] != NULL


cdef inline void _drop_empty_dict(object obj) noexcept:
    """Free *obj*'s instance dict if it is empty (CPython makes one again on the first attribute set). Objects
    without a dict share one version tag, which is what Cython's cache of "no Python override" checks against."""
    cdef PyObject** slot = _PyObject_GetDictPtr(obj)
    if slot != NULL and slot[0] != NULL and _dict_size(slot[0]) == 0:
        Py_XDECREF(slot[0])
        slot[0] = NULL


cdef inline void _drop_dict(Event event) noexcept:
    """Free the empty ``__dict__`` Cython gives every new event: CPython makes one again on the first attribute
    set. A fresh event's dict is a cache line the calendar would otherwise carry for the event's lifetime."""
    cdef PyObject** slot = <PyObject**>(<char*><PyObject*>event + (<_TypeSlots*>Py_TYPE(event)).tp_dictoffset)
    Py_XDECREF(slot[0])
    slot[0] = NULL


cdef double _as_time(object value, str what) except? -1:
    if not PyNumber_Check(value):
        raise TypeError(f'{what} must be a number, got {value!r}')
    return float(value)


cdef inline bint _is_integer(object value):
    return PyLong_Check(value) or (not PyFloat_Check(value) and PyIndex_Check(value))


# -- events -------------------------------------------------------------------------------------------------------

cdef class Event:
    """An event that may happen at some point in time.

    An event may happen (:attr:`triggered` is ``False``), is going to happen (:attr:`triggered` is ``True``)
    or has happened (:attr:`processed` is ``True``). It is triggered by :meth:`succeed`, :meth:`fail` or
    :meth:`trigger`, which also set its *ok* flag and *value*; the environment then calls its
    :attr:`callbacks` with the event as the single argument.

    Failed events are never silently ignored: a callback that handles the failure must set
    :attr:`defused`. ``a & b`` and ``a | b`` build :class:`Condition` events.
    """
    cdef public Environment env
    cdef object _callbacks
    cdef public object _value
    cdef bint _is_ok
    cdef bint _is_defused
    cdef dict __dict__

    def __init__(self, env):
        self.env = env
        self._callbacks = []
        self._value = _PENDING

    @property
    def callbacks(self):
        """List of functions called with this event when it is processed; ``None`` once it is processed."""
        callbacks = self._callbacks
        if callbacks is _NO_CALLBACKS:
            callbacks = self._callbacks = []
        elif isinstance(callbacks, Process):
            callbacks = self._callbacks = [callbacks]
        return callbacks

    @callbacks.setter
    def callbacks(self, value):
        self._callbacks = value

    def __repr__(self):
        return f'<{self._desc()} object at {id(self):#x}>'

    def _desc(self):
        """Return a string *Event()*."""
        return f'{self.__class__.__name__}()'

    @property
    def triggered(self):
        """Becomes ``True`` if the event has been triggered and its callbacks are about to be invoked."""
        return self._value is not _PENDING

    @property
    def processed(self):
        """Becomes ``True`` if the event has been processed (e.g., its callbacks have been invoked)."""
        return self._callbacks is None

    @property
    def ok(self):
        """``True`` when the event has been triggered successfully. Raise AttributeError before it is triggered."""
        return self._ok_or_raise()

    @property
    def _ok(self):
        return self._ok_or_raise()

    @_ok.setter
    def _ok(self, value):
        self._is_ok = value

    cdef bint _ok_or_raise(self) except -1:
        if self._value is _PENDING and not self._is_ok:
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '_ok' (it is not triggered yet)")
        return self._is_ok

    @property
    def defused(self):
        """``True`` when the failed event's exception is "defused" and will not crash the environment."""
        return self._is_defused

    @defused.setter
    def defused(self, value):
        self._is_defused = True

    @property
    def _defused(self):
        if not self._is_defused:
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '_defused'")
        return True

    @_defused.setter
    def _defused(self, value):
        self._is_defused = True

    @property
    def value(self):
        """The value of the event if it is available. Raise AttributeError if it is not yet available."""
        if self._value is _PENDING:
            raise AttributeError(f'Value of {self} is not yet available')
        return self._value

    def trigger(self, event):
        """Trigger the event with the state and value of the provided *event*. Usable as a callback."""
        self._is_ok = event._ok
        self._value = event._value
        self.env._push(self, _NORMAL, self.env._now, self.env._now_int)

    def succeed(self, value=None):
        """Set the event's value, mark it as successful and schedule it for processing. Return the event.

        Raise :exc:`RuntimeError` if this event has already been triggered.
        """
        self._succeed(value)
        return self

    cdef int _succeed(self, value) except -1:
        if self._value is not _PENDING:
            raise RuntimeError(f'{self} has already been triggered')
        self._is_ok = True
        self._value = value
        self.env._push(self, _NORMAL, self.env._now, self.env._now_int)
        return 0

    def fail(self, exception):
        """Set *exception* as the event's value, mark it as failed and schedule it. Return the event.

        Raise :exc:`TypeError` if *exception* is not an exception, :exc:`RuntimeError` if the event has
        already been triggered.
        """
        if self._value is not _PENDING:
            raise RuntimeError(f'{self} has already been triggered')
        if not isinstance(exception, BaseException):
            raise TypeError(f'{exception} is not an exception.')
        self._is_ok = False
        self._value = exception
        self.env._push(self, _NORMAL, self.env._now, self.env._now_int)
        return self

    def __and__(self, other):
        """A :class:`Condition` triggered once both this event and *other* have been processed."""
        return Condition(self.env, Condition.all_events, [self, other])

    def __or__(self, other):
        """A :class:`Condition` triggered once this event or *other* has been processed."""
        return Condition(self.env, Condition.any_events, [self, other])


cdef class Timeout(Event):
    """An :class:`Event` that gets processed after a *delay* has passed. It is triggered when created."""
    cdef public object _delay

    def __init__(self, env, delay, value=None):
        self.env = env
        self._callbacks = _NO_CALLBACKS
        self._value = value
        self._delay = delay
        self._is_ok = True
        self.env._schedule_after(self, _NORMAL, delay)

    def _desc(self):
        """Return a string *Timeout(delay[, value=value])*."""
        value_str = '' if self._value is None else f', value={self.value}'
        return f'{self.__class__.__name__}({self._delay}{value_str})'


cdef class Initialize(Event):
    """Initializes a process. Only used internally by :class:`Process`. It is triggered when created."""

    def __init__(self, env, process):
        self.env = env
        self._callbacks = process
        self._value = None
        # Urgent, so that it is handled before interrupts: a process not yet started cannot be interrupted.
        self._is_ok = True
        self.env._push(self, _URGENT, self.env._now, self.env._now_int)


cdef class Interruption(Event):
    """Immediately schedules an :class:`Interrupt` with the given *cause* to be thrown into *process*."""
    cdef public Process process

    def __init__(self, process, cause):
        self.env = process.env
        self.callbacks = [self._interrupt]
        self._value = Interrupt(cause)
        self._is_ok = False
        self._is_defused = True

        if process._value is not _PENDING:
            raise RuntimeError(f'{process} has terminated and cannot be interrupted.')
        if process is self.env._active_proc:
            raise RuntimeError('A process is not allowed to interrupt itself.')

        self.process = process
        self.env._push(self, _URGENT, self.env._now, self.env._now_int)

    def _interrupt(self, event):
        # Ignore dead processes: if the process died handling an earlier concurrent interrupt, drop this one.
        if self.process._value is not _PENDING:
            return
        # A process always waits for a target event: stop waiting for it.
        self.process._target.callbacks.remove(self.process)
        self.process._resume_with(self)


cdef class Process(Event):
    """Process an event yielding generator.

    The generator suspends by yielding an event; the process resumes it with the event's value once the
    event has happened (the exception of a failed event is thrown into it). A process is an event too: it is
    triggered when the generator returns (value = return value) or raises (value = the exception).
    Processes can be interrupted with :meth:`interrupt`.
    """
    cdef public object _generator
    cdef public object _target

    def __init__(self, env, generator):
        self._start(env, generator)

    cdef int _start(self, Environment env, generator) except -1:
        cdef Initialize init
        if not PyGen_CheckExact(generator) and not hasattr(generator, 'throw'):
            raise ValueError(
                f'{generator} is not a generator. Pass the generator, e.g. env.process(worker(env)), '
                'and make sure the function contains a yield.')
        self.env = env
        self._callbacks = _NO_CALLBACKS
        self._value = _PENDING
        self._generator = generator
        # Schedule the start of the execution of the process (urgent: before any interrupt).
        init = Initialize.__new__(Initialize)
        init.env = env
        init._callbacks = self
        init._value = None
        init._is_ok = True
        env._push(init, _URGENT, env._now, env._now_int)
        self._target = init
        return 0

    def _desc(self):
        """Return a string *Process(process_func_name)*."""
        return f'{self.__class__.__name__}({self.name})'

    @property
    def target(self):
        """The event that the process is currently waiting for (``None`` when dead or being interrupted)."""
        return self._target

    @property
    def name(self):
        """Name of the function used to start the process."""
        return self._generator.__name__

    @property
    def is_alive(self):
        """``True`` until the process generator exits."""
        return self._value is _PENDING

    def interrupt(self, cause=None):
        """Interrupt this process optionally providing a *cause*.

        A process cannot be interrupted if it already terminated, nor interrupt itself: both raise
        :exc:`RuntimeError`.
        """
        Interruption(self, cause)

    def __call__(self, event):
        """A process waits on an event by being one of its callbacks (SimPy appends ``process._resume``)."""
        self._resume_with(event)

    def _resume(self, event):
        """Resume the generator with the value of *event* (SimPy's name for it)."""
        self._resume_with(event)

    cdef int _resume_with(self, Event event) except -1:
        """Resume the generator with the value of *event*; trigger the process when the generator exits."""
        cdef Environment env = self.env
        cdef PyObject* result
        cdef int status
        cdef Event next_event
        env._active_proc = self
        while True:
            if event._is_ok:
                status = _send(self._generator, event._value, &result)
                if status == -1:
                    return self._exit_on_error()
                yielded = <object>result
                Py_DECREF(yielded)
            else:
                # The process has no choice but to handle the failed event (or fail itself). It gets an
                # exclusive copy of the exception, so that tracebacks of other processes stay apart.
                event._is_defused = True
                exc = type(event._value)(*event._value.args)
                exc.__cause__ = event._value
                try:
                    yielded = self._generator.throw(exc)
                    status = 1
                except BaseException as error:
                    return self._exit_with(error)
            if status == 0:
                return self._exit(True, yielded)  # the generator returned
            if not isinstance(yielded, Event):
                env._active_proc = None
                raise RuntimeError(
                    f'\n{_describe_frame(self._generator)}Invalid yield value "{yielded}": '
                    'a process must yield events, e.g. env.timeout(1), a request or another process.') from None
            next_event = <Event>yielded
            callbacks = next_event._callbacks
            if callbacks is not None:
                # Not yet processed: wait for it.
                if callbacks is _NO_CALLBACKS:
                    next_event._callbacks = self
                elif isinstance(callbacks, Process):
                    next_event._callbacks = [callbacks, self]
                else:
                    callbacks.append(self)
                self._target = next_event
                env._active_proc = None
                return 0
            event = next_event

    cdef int _exit_on_error(self) except -1:
        """The generator raised: the exception C code left pending ends the process."""
        try:
            _raise_pending()
        except BaseException as error:
            return self._exit_with(error)

    cdef int _exit_with(self, error) except -1:
        """The generator raised *error*: StopIteration is a return, anything else a failure of the process."""
        if isinstance(error, StopIteration):
            return self._exit(True, error.args[0] if len(error.args) else None)
        # Strip this function's frame from the traceback: it adds nothing.
        if error.__traceback__ is not None:
            error.__traceback__ = error.__traceback__.tb_next
        return self._exit(False, error)

    cdef int _exit(self, bint ok, value) except -1:
        """The generator has exited: trigger this process with its return value or exception."""
        cdef Environment env = self.env
        self._is_ok = ok
        self._value = value
        env._push(self, _NORMAL, env._now, env._now_int)
        self._target = None
        env._active_proc = None
        return 0


cdef int _raise_pending() except -1:
    """Hand the exception that C code left pending to Cython's ``try``/``except``."""
    return -1


def _describe_frame(generator):
    """Filename, line number and source line where *generator* is suspended."""
    frame = getattr(generator, 'gi_frame', None)
    if frame is None:
        return ''
    filename, name, lineno = frame.f_code.co_filename, frame.f_code.co_name, frame.f_lineno
    try:
        with open(filename) as f:
            for no, line in enumerate(f):
                if no + 1 == lineno:
                    return f'  File "{filename}", line {lineno}, in {name}\n    {line.strip()}\n'
    except OSError:
        pass
    return f'  File "{filename}", line {lineno}, in {name}\n'


# -- conditions ---------------------------------------------------------------------------------------------------

class ConditionValue:
    """Result of a :class:`Condition`: dict-like access to the triggered events and their values, in the
    order the events appear in the condition."""

    def __init__(self):
        self.events = []

    def __getitem__(self, key):
        if key not in self.events:
            raise KeyError(str(key))
        return key._value

    def __contains__(self, key):
        return key in self.events

    def __eq__(self, other):
        if isinstance(other, ConditionValue):
            return self.events == other.events
        elif isinstance(other, dict):
            return self.todict() == other
        return NotImplemented

    __hash__ = None

    def __repr__(self):
        return f'<ConditionValue {self.todict()}>'

    def __iter__(self):
        return self.keys()

    def keys(self):
        return (event for event in self.events)

    def values(self):
        return (event._value for event in self.events)

    def items(self):
        return ((event, event._value) for event in self.events)

    def todict(self):
        return {event: event._value for event in self.events}


cdef class Condition(Event):
    """An event triggered once ``evaluate(events, processed_count)`` returns ``True``.

    Its value is a :class:`ConditionValue` of the events that occurred before the condition is processed.
    If one of the events fails, the condition fails with that event's exception. Conditions nest.
    """
    cdef public object _evaluate
    cdef public tuple _events
    cdef public int _count
    cdef object _check_callback

    def __init__(self, env, evaluate, events):
        Event.__init__(self, env)
        self._evaluate = evaluate
        self._events = tuple(events)
        self._count = 0

        if not self._events:
            # Immediately succeed if no events are provided.
            self.succeed(ConditionValue())
            return

        for event in self._events:
            if not isinstance(event, Event):
                raise TypeError(f'a condition needs events, got {event!r}')
            if self.env != (<Event>event).env:
                raise ValueError('It is not allowed to mix events from different environments')

        # Check the processed events now; wait for the others.
        self._check_callback = self._check
        for event in self._events:
            if (<Event>event)._callbacks is None:
                self._check(event)
            else:
                (<Event>event).callbacks.append(self._check_callback)

        # Build the value of this condition once it has been triggered.
        self.callbacks.append(self._build_value)

    def _desc(self):
        """Return a string *Condition(evaluate, [events])*."""
        return f'{self.__class__.__name__}({self._evaluate.__name__}, {self._events})'

    def _populate_value(self, value):
        """Populate the *value* by recursively visiting all nested conditions."""
        for event in self._events:
            if isinstance(event, Condition):
                event._populate_value(value)
            elif (<Event>event)._callbacks is None:
                value.events.append(event)

    def _build_value(self, event):
        """Build the value of this condition."""
        self._remove_check_callbacks()
        if (<Event>event)._is_ok:
            self._value = ConditionValue()
            self._populate_value(self._value)

    def _remove_check_callbacks(self):
        """Remove the ``_check()`` callbacks from the events, recursively, to break reference cycles."""
        for event in self._events:
            callbacks = (<Event>event).callbacks
            if callbacks and self._check_callback in callbacks:
                callbacks.remove(self._check_callback)
            if isinstance(event, Condition):
                event._remove_check_callbacks()

    def _check(self, Event event):
        """Check if the condition was already met and schedule the *event* if so."""
        if self._value is not _PENDING:
            return
        self._count += 1
        if not event._is_ok:
            # Abort if the event has failed.
            event._is_defused = True
            self.fail(event._value)
        elif self._evaluate(self._events, self._count):
            # The condition has been met: _build_value() fills in the value once it is processed.
            self._succeed(None)

    @staticmethod
    def all_events(events, count):
        """An evaluation function that returns ``True`` if all *events* have been triggered."""
        return len(events) == count

    @staticmethod
    def any_events(events, count):
        """An evaluation function that returns ``True`` if at least one of *events* has been triggered."""
        return count > 0 or len(events) == 0


cdef class AllOf(Condition):
    """A :class:`Condition` triggered once all *events* succeeded. Fails as soon as one of them fails."""

    def __init__(self, env, events):
        Condition.__init__(self, env, Condition.all_events, events)


cdef class AnyOf(Condition):
    """A :class:`Condition` triggered once any of *events* succeeded. Fails as soon as one of them fails."""

    def __init__(self, env, events):
        Condition.__init__(self, env, Condition.any_events, events)


include "des_resources.pxi"
