# Shared resources of the compiled DES core, included by des.pyx: SimPy's ``simpy.resources`` event for event.
#
# A resource holds a put queue and a get queue of pending request events. Creating a Put (Get) appends it to
# its queue, adds the resource's ``_trigger_get`` (``_trigger_put``) as its callback and calls
# ``_trigger_put(None)`` (``_trigger_get(None)``), which grants queued requests in order via ``_do_put``
# (``_do_get``). Subclasses customise ``_do_put``/``_do_get`` exactly as on SimPy.
#
# Beyond SimPy: ``monitor=True`` attaches a :class:`ResourceStats` as ``resource.stats``.
from heapq import heappop, heappush


cdef class Put(Event):
    """Generic event for requesting to put something into the *resource*.

    It is a context manager: ``with res.put(item) as request: yield request`` cancels the request if an
    exception (e.g. an :class:`Interrupt`) leaves the block before it was granted.
    """
    cdef public BaseResource resource
    cdef public object proc
    cdef double _since

    def __init__(self, resource):
        self._enqueue(resource)

    cdef int _enqueue(self, BaseResource resource) except -1:
        self.env = resource._env
        self._value = _PENDING
        # The resource's bound method, made once; looked up afresh only if the instance overrides it.
        self._callbacks = [resource._trigger_get if _has_own(resource, _TRIGGER_GET)
                           else resource._trigger_get_callback]
        self.resource = resource
        self.proc = self.env._active_proc
        self._since = self.env._now
        resource.put_queue.append(self)
        if _overridable(resource, _TRIGGER_PUT):
            resource._trigger_put(None)
        else:
            BaseResource._trigger_put(resource, None)
        return 0

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        self.cancel()
        return None

    def cancel(self):
        """Cancel this put request (called automatically when created in a ``with`` statement)."""
        if self._value is _PENDING:
            self.resource.put_queue.remove(self)
            self.resource._observe()


cdef class Get(Event):
    """Generic event for requesting to get something from the *resource*.

    It is a context manager: ``with res.get() as request: item = yield request`` cancels the request if an
    exception leaves the block before it was granted.
    """
    cdef public BaseResource resource
    cdef public object proc
    cdef double _since

    def __init__(self, resource):
        self._enqueue(resource)

    cdef int _enqueue(self, BaseResource resource) except -1:
        self.env = resource._env
        self._value = _PENDING
        self._callbacks = [resource._trigger_put if _has_own(resource, _TRIGGER_PUT)
                           else resource._trigger_put_callback]
        self.resource = resource
        self.proc = self.env._active_proc
        self._since = self.env._now
        resource.get_queue.append(self)
        if _overridable(resource, _TRIGGER_GET):
            resource._trigger_get(None)
        else:
            BaseResource._trigger_get(resource, None)
        return 0

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        self.cancel()
        return None

    def cancel(self):
        """Cancel this get request (called automatically when created in a ``with`` statement)."""
        if self._value is _PENDING:
            self.resource.get_queue.remove(self)
            self.resource._observe()


cdef class ResourceStats:
    """Statistics of one resource, switched on with ``monitor=True`` (beyond SimPy).

    Time-weighted means run from the resource's creation (or :meth:`reset`) to ``env.now``:

    - ``mean_level``: users of a Resource, items in a Store, the level of a Container;
    - ``utilization``: ``mean_level / capacity`` (finite capacities only);
    - ``mean_put_queue`` / ``mean_get_queue``: pending put (request) and get requests;
    - ``put_waits`` / ``get_waits``: for each granted request, the time from creation to grant.

    For a Resource a request is a put: ``mean_queue`` and ``waits`` are aliases of the put side.
    """
    cdef Environment _env
    cdef readonly object capacity
    cdef double _start, _last, _level, _put_queue, _get_queue
    cdef double _area_level, _area_put_queue, _area_get_queue
    cdef readonly list put_waits
    cdef readonly list get_waits

    def __init__(self, BaseResource resource):
        self._env = resource._env
        self.capacity = resource._capacity
        self.reset()

    def reset(self):
        """Forget the past: start all means and wait lists afresh at ``env.now`` (e.g. after a warm-up)."""
        self._start = self._last = self._env._now
        self._area_level = self._area_put_queue = self._area_get_queue = 0.0
        self.put_waits = []
        self.get_waits = []

    cdef void _record(self, double level, double put_queue, double get_queue) noexcept:
        cdef double now = self._env._now, dt = now - self._last
        self._area_level += self._level * dt
        self._area_put_queue += self._put_queue * dt
        self._area_get_queue += self._get_queue * dt
        self._last = now
        self._level = level
        self._put_queue = put_queue
        self._get_queue = get_queue

    cdef double _mean(self, double area, double current):
        cdef double now = self._env._now, span = now - self._start
        if span <= 0:
            return current
        return (area + current * (now - self._last)) / span

    @property
    def mean_level(self):
        return self._mean(self._area_level, self._level)

    @property
    def utilization(self):
        return self.mean_level / self.capacity

    @property
    def mean_put_queue(self):
        return self._mean(self._area_put_queue, self._put_queue)

    @property
    def mean_get_queue(self):
        return self._mean(self._area_get_queue, self._get_queue)

    @property
    def mean_queue(self):
        return self.mean_put_queue

    @property
    def waits(self):
        return self.put_waits

    @property
    def mean_wait(self):
        return sum(self.put_waits) / len(self.put_waits) if self.put_waits else float('nan')

    def summary(self):
        """The statistics as a plain dict (for tables and reports)."""
        return {
            'mean_level': self.mean_level,
            'utilization': self.utilization,
            'mean_put_queue': self.mean_put_queue,
            'mean_get_queue': self.mean_get_queue,
            'granted_puts': len(self.put_waits),
            'granted_gets': len(self.get_waits),
            'mean_put_wait': self.mean_wait,
            'mean_get_wait': sum(self.get_waits) / len(self.get_waits) if self.get_waits else float('nan'),
        }


cdef class BaseResource:
    """Abstract base class for a shared resource.

    :meth:`put` and :meth:`get` return events triggered once the operation is completed; requests that
    cannot complete immediately wait in :attr:`put_queue` / :attr:`get_queue`. Subclasses customise the
    queue types (``PutQueue``, ``GetQueue``), the put/get events and ``_do_put()`` / ``_do_get()``.
    """
    cdef public Environment _env
    cdef object _capacity_obj
    cdef double _cap
    cdef public object put_queue
    cdef public object get_queue
    cdef public ResourceStats stats
    cdef object _trigger_put_callback
    cdef object _trigger_get_callback
    cdef dict __dict__

    PutQueue = list
    GetQueue = list

    def __init__(self, env, capacity, monitor=False):
        _drop_empty_dict(self)
        if not isinstance(env, Environment):
            raise TypeError(f'{type(self).__name__} needs an Environment as first argument, got {env!r}')
        self._env = env
        self._capacity = capacity
        self.put_queue = self.PutQueue()
        self.get_queue = self.GetQueue()
        self._trigger_put_callback = self._trigger_put
        self._trigger_get_callback = self._trigger_get
        if monitor:
            self.stats = ResourceStats(self)

    @property
    def _capacity(self):
        return self._capacity_obj

    @_capacity.setter
    def _capacity(self, value):
        self._capacity_obj = value
        self._cap = _as_time(value, 'capacity')

    @property
    def capacity(self):
        """Maximum capacity of the resource."""
        return self._capacity_obj

    def put(self, *args, **kwargs):
        """Request to put something into the resource; return a :class:`Put` event."""
        return Put(self, *args, **kwargs)

    def get(self, *args, **kwargs):
        """Request to get something from the resource; return a :class:`Get` event."""
        return Get(self, *args, **kwargs)

    cpdef _do_put(self, event):
        """Perform the *put* operation: trigger *event* if its conditions are met. A false return value
        stops the scan of the put queue."""
        raise NotImplementedError(self)

    cpdef _do_get(self, event):
        """Perform the *get* operation: trigger *event* if its conditions are met. A false return value
        stops the scan of the get queue."""
        raise NotImplementedError(self)

    cpdef _trigger_put(self, get_event):
        """Grant queued put events in order (called when a put is created or a get is processed)."""
        cdef Py_ssize_t idx = 0
        cdef Event put_event
        queue = self.put_queue
        while idx < len(queue):
            put_event = queue[idx]
            proceed = self._do_put(put_event)
            if put_event._value is _PENDING:
                idx += 1
            else:
                if queue.pop(idx) is not put_event:
                    raise RuntimeError('Put queue invariant violated')
                if self.stats is not None:
                    self.stats.put_waits.append(self._env._now - (<Put>put_event)._since)
            if not proceed:
                break
        if self.stats is not None:
            self._observe()

    cpdef _trigger_get(self, put_event):
        """Grant queued get events in order (called when a get is created or a put is processed)."""
        cdef Py_ssize_t idx = 0
        cdef Event get_event
        queue = self.get_queue
        while idx < len(queue):
            get_event = queue[idx]
            proceed = self._do_get(get_event)
            if get_event._value is _PENDING:
                idx += 1
            else:
                if queue.pop(idx) is not get_event:
                    raise RuntimeError('Get queue invariant violated')
                if self.stats is not None and not isinstance(get_event, Release):
                    self.stats.get_waits.append(self._env._now - (<Get>get_event)._since)
            if not proceed:
                break
        if self.stats is not None:
            self._observe()

    cdef double _current_level(self):
        return 0.0

    cpdef _observe(self):
        if self.stats is not None:
            self.stats._record(self._current_level(), len(self.put_queue), len(self.get_queue))


cdef PyObject* _TRIGGER_PUT = <PyObject*>'_trigger_put'
cdef PyObject* _TRIGGER_GET = <PyObject*>'_trigger_get'


cdef inline bint _overridable(BaseResource resource, PyObject* name) noexcept:
    """Whether *name* may be overridden on *resource* (a Python subclass, or set on the instance): then it is
    called as a Python method, as on SimPy; otherwise the compiled method is called directly."""
    return (<_TypeSlots*>Py_TYPE(resource)).tp_flags & _HEAPTYPE or _has_own(resource, name)


def _check_capacity(capacity):
    try:
        positive = capacity > 0
    except TypeError:
        raise TypeError(f'"capacity" must be a number, got {capacity!r}') from None
    if not positive:
        raise ValueError('"capacity" must be > 0.')


# -- Resource, PriorityResource, PreemptiveResource -----------------------------------------------------------------

class Preempted:
    """Cause of a preemption :class:`Interrupt`: the preempting process *by*, the time *usage_since* at which
    the preempted process started to use the resource, and the *resource* that was lost."""

    def __init__(self, by, usage_since, resource):
        self.by = by
        self.usage_since = usage_since
        self.resource = resource


cdef class Request(Put):
    """Request usage of the *resource*; triggered once access is granted. In a ``with`` statement the
    request is released automatically at the end of the block."""
    cdef public object usage_since

    def __exit__(self, exc_type, exc_value, traceback):
        if type(self) is Request:
            if self._value is _PENDING:
                self.resource.put_queue.remove(self)
                self.resource._observe()
        else:
            self.cancel()
        # Don't release the resource on generator cleanups: it creates uncollectable cycles otherwise.
        if exc_type is not GeneratorExit:
            resource = self.resource
            if type(resource) is Resource and not _has_own(resource, _RELEASE):
                (<Resource>resource)._release(self)
            else:
                resource.release(self)
        return None


cdef class Release(Get):
    """Releases the usage of *resource* granted by *request*. This event is triggered immediately."""
    cdef public object request

    def __init__(self, resource, request):
        self.request = request
        self._enqueue(resource)


cdef class PriorityRequest(Request):
    """Request the usage of *resource* with a *priority* (smaller is more important); with *preempt* a
    :class:`PreemptiveResource` may preempt a less important user."""
    cdef public object priority
    cdef public object preempt
    cdef public object time
    cdef public object key

    def __init__(self, resource, priority=0, preempt=True):
        self.priority = priority
        self.preempt = preempt
        self.time = resource._env.now
        # Sort key: priority, then request time, then preempting requests first.
        self.key = (self.priority, self.time, not self.preempt)
        self._enqueue(resource)


class SortedQueue(list):
    """Queue for sorting events by their :attr:`~PriorityRequest.key` attribute."""

    def __init__(self, maxlen=None):
        super().__init__()
        self.maxlen = maxlen

    def append(self, item):
        """Sort *item* into the queue. Raise a :exc:`RuntimeError` if the queue is full."""
        if self.maxlen is not None and len(self) >= self.maxlen:
            raise RuntimeError('Cannot append event. Queue is full.')
        super().append(item)
        super().sort(key=_request_key)


def _request_key(request):
    return request.key


cdef class Resource(BaseResource):
    """Resource with *capacity* usage slots that processes request and release. Requests wait in
    :attr:`queue` while all slots are taken.

    Beyond SimPy: ``monitor=True`` records :class:`ResourceStats` in :attr:`stats`.
    """
    cdef public list users
    cdef public object queue

    def __init__(self, env, capacity=1, monitor=False):
        _check_capacity(capacity)
        BaseResource.__init__(self, env, capacity, monitor)
        self.users = []
        self.queue = self.put_queue

    @property
    def count(self):
        """Number of users currently using the resource."""
        return len(self.users)

    def request(self):
        """Request a usage slot."""
        cdef Request request
        if type(self) is Resource:
            request = Request.__new__(Request)
            request._enqueue(self)
            return request
        return Request(self)

    def release(self, request):
        """Release a usage slot."""
        if type(self) is Resource:
            return self._release(request)
        return Release(self, request)

    cdef Release _release(self, request):
        cdef Release release = Release.__new__(Release)
        release.request = request
        release._enqueue(self)
        return release

    put = request
    get = release

    cpdef _do_put(self, event):
        if len(self.users) < self._cap:
            self.users.append(event)
            event.usage_since = self._env.now
            (<Event>event)._succeed(None)

    cpdef _do_get(self, event):
        try:
            self.users.remove(event.request)
        except ValueError:
            pass
        (<Event>event)._succeed(None)

    cdef double _current_level(self):
        return len(self.users)


cdef class PriorityResource(Resource):
    """A :class:`Resource` whose pending requests are sorted by *priority* (lower values first)."""

    PutQueue = SortedQueue
    GetQueue = list

    def __init__(self, env, capacity=1, monitor=False):
        Resource.__init__(self, env, capacity, monitor)

    def request(self, priority=0, preempt=True):
        """Request a usage slot with the given *priority*."""
        return PriorityRequest(self, priority, preempt)

    def release(self, request):
        """Release a usage slot."""
        return Release(self, request)

    put = request
    get = release


cdef class PreemptiveResource(PriorityResource):
    """A :class:`PriorityResource` with preemption: a preempted user's process receives an :class:`Interrupt`
    whose cause is a :class:`Preempted`."""

    cpdef _do_put(self, event):
        if len(self.users) >= self._cap and event.preempt:
            # Check if we can preempt another process.
            preempt = max(self.users, key=_request_key)
            if preempt.key > event.key:
                self.users.remove(preempt)
                preempt.proc.interrupt(Preempted(by=event.proc, usage_since=preempt.usage_since, resource=self))
        return Resource._do_put(self, event)


# -- Store, PriorityStore, FilterStore ------------------------------------------------------------------------------

cdef class StorePut(Put):
    """Request to put *item* into the *store*; triggered once there is space for it."""
    cdef public object item

    def __init__(self, store, item):
        self.item = item
        self._enqueue(store)


cdef class StoreGet(Get):
    """Request to get an *item* from the *store*; triggered once an item is available."""


cdef class FilterStoreGet(StoreGet):
    """Request to get an *item* matching *filter* (a function of one item returning ``True`` for a match)."""
    cdef public object filter

    def __init__(self, resource, filter=lambda item: True):
        self.filter = filter
        self._enqueue(resource)


cdef class Store(BaseResource):
    """Resource with *capacity* slots (unlimited by default) storing arbitrary objects, retrieved first-in
    first-out.

    Beyond SimPy: ``monitor=True`` records :class:`ResourceStats` (level = number of items) in :attr:`stats`.
    """
    cdef public list items

    def __init__(self, env, capacity=float('inf'), monitor=False):
        _check_capacity(capacity)
        BaseResource.__init__(self, env, capacity, monitor)
        self.items = []

    def put(self, item):
        """Request to put *item* into the store."""
        cdef StorePut put
        if type(self) is Store:
            put = StorePut.__new__(StorePut)
            put.item = item
            put._enqueue(self)
            return put
        return StorePut(self, item)

    def get(self):
        """Request to get an *item* out of the store."""
        cdef StoreGet get
        if type(self) is Store:
            get = StoreGet.__new__(StoreGet)
            get._enqueue(self)
            return get
        return StoreGet(self)

    cpdef _do_put(self, event):
        if len(self.items) < self._cap:
            self.items.append(event.item)
            (<Event>event)._succeed(None)
        return None

    cpdef _do_get(self, event):
        if self.items:
            (<Event>event)._succeed(self.items.pop(0))
        return None

    cdef double _current_level(self):
        return len(self.items)


cdef class PriorityStore(Store):
    """A :class:`Store` that returns its smallest item first (items must be orderable: wrap others in a
    ``PriorityItem``)."""

    cpdef _do_put(self, event):
        if len(self.items) < self._cap:
            heappush(self.items, event.item)
            (<Event>event)._succeed(None)
        return None

    cpdef _do_get(self, event):
        if self.items:
            (<Event>event)._succeed(heappop(self.items))
        return None


cdef class FilterStore(Store):
    """A :class:`Store` whose get requests take a *filter*: the first item (FIFO) for which it returns
    ``True``. Get requests are therefore not necessarily granted in the order they were made."""

    def get(self, filter=lambda item: True):
        """Request to get an *item*, for which *filter* returns ``True``, out of the store."""
        return FilterStoreGet(self, filter)

    cpdef _do_get(self, event):
        for item in self.items:
            if event.filter(item):
                self.items.remove(item)
                (<Event>event)._succeed(item)
                break
        return True


# -- Container ------------------------------------------------------------------------------------------------------

def _check_amount(amount):
    try:
        positive = amount > 0
    except TypeError:
        raise TypeError(f'amount must be a number, got {amount!r}') from None
    if not positive:
        raise ValueError(f'amount(={amount}) must be > 0.')


cdef class ContainerPut(Put):
    """Request to put *amount* of matter into the *container*; triggered once there is enough space."""
    cdef public object amount

    def __init__(self, container, amount):
        _check_amount(amount)
        self.amount = amount
        self._enqueue(container)


cdef class ContainerGet(Get):
    """Request to get *amount* of matter from the *container*; triggered once enough matter is available."""
    cdef public object amount

    def __init__(self, container, amount):
        _check_amount(amount)
        self.amount = amount
        self._enqueue(container)


cdef class Container(BaseResource):
    """Resource containing up to *capacity* (unlimited by default) of continuous or discrete matter,
    starting at *init*.

    Beyond SimPy: ``monitor=True`` records :class:`ResourceStats` (level = amount held) in :attr:`stats`.
    """
    cdef public object _level_obj

    def __init__(self, env, capacity=float('inf'), init=0, monitor=False):
        _check_capacity(capacity)
        if init < 0:
            raise ValueError('"init" must be >= 0.')
        if init > capacity:
            raise ValueError('"init" must be <= "capacity".')
        self._level_obj = init
        BaseResource.__init__(self, env, capacity, monitor)
        self._observe()

    @property
    def level(self):
        """The current amount of the matter in the container."""
        return self._level_obj

    @property
    def _level(self):
        return self._level_obj

    @_level.setter
    def _level(self, value):
        self._level_obj = value

    def put(self, amount):
        """Request to put *amount* of matter into the container."""
        return ContainerPut(self, amount)

    def get(self, amount):
        """Request to get *amount* of matter out of the container."""
        return ContainerGet(self, amount)

    cpdef _do_put(self, event):
        if self._capacity_obj - self._level_obj >= event.amount:
            self._level_obj += event.amount
            (<Event>event)._succeed(None)
            return True
        return None

    cpdef _do_get(self, event):
        if self._level_obj >= event.amount:
            self._level_obj -= event.amount
            (<Event>event)._succeed(None)
            return True
        return None

    cdef double _current_level(self):
        return self._level_obj
