"""Settings: the default scheduler, worker count, chunk-size target and memory budget.

``set(...)`` called as a plain statement changes the process-wide default, for every thread.
Used as a ``with`` block it changes the settings of the running thread (more exactly, of the
current :mod:`contextvars` context) until the block ends: a block in one thread is not seen by
another, and blocks in several threads may overlap in any order without leaving anything behind.
The executors run a computation's tasks with the settings of the caller that started it.

>>> import chunkarray
>>> with chunkarray.core.config.set(scheduler="sync"):
...     chunkarray.core.config.get("scheduler")
'sync'
>>> chunkarray.core.config.get("scheduler")
'threads'

The default ``memory_limit`` (what one task may hold) is derived from the machine once, at its
first use: half of the memory this process may use (physical memory, or the cgroup limit of a
container when lower) divided by the number of cores, so that a task on every core fits in
half the memory together; at least 256 MiB, and 2 GiB where the memory cannot be read. An
explicit setting always wins; ``set(memory_limit=None)`` returns to the derived default.
"""

from __future__ import annotations

import contextvars
import dis
import functools
import os
import sys
import threading
from collections.abc import Callable, Mapping
from types import CodeType, FrameType, MappingProxyType
from typing import Any

from chunkarray.core.bytesize import parse_bytes

__all__ = ["SCHEDULERS", "current", "default_memory_limit", "get", "local", "machine_memory",
           "memory_limit_bytes", "num_workers", "set"]

#: Scheduler names and their aliases, mapped to the executor that runs them.
SCHEDULERS = {
    "threads": "threads",
    "threading": "threads",
    "sync": "sync",
    "synchronous": "sync",
    "single-threaded": "sync",
    "processes": "processes",
    "multiprocessing": "processes",
    "dask": "dask",
}


def _check_scheduler(value: Any) -> Any:
    if isinstance(value, str):
        if value not in SCHEDULERS:
            raise ValueError(
                f"scheduler={value!r} is not a known scheduler; choose one of "
                f"{sorted(SCHEDULERS)}"
            )
        return SCHEDULERS[value]
    if is_client(value):  # a distributed.Client, known by duck typing: distributed stays optional
        return value
    raise TypeError(
        f"scheduler must be a string naming a scheduler or a distributed.Client, got {value!r}"
    )


def is_client(value: Any) -> bool:
    """Whether ``value`` looks like a ``distributed.Client``: it has ``get`` and ``submit``.

    >>> is_client("threads"), is_client(object())
    (False, False)
    """
    return (not isinstance(value, type) and callable(getattr(value, "get", None))
            and callable(getattr(value, "submit", None)))


def _check_workers(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"num_workers must be a positive int or None, got {value!r}")
    return value


def _check_bytes(name: str, none_ok: bool = False) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if value is None and none_ok:  # back to the default derived from the machine
            return None
        try:
            parse_bytes(value)
        except (TypeError, ValueError) as exc:  # say which setting was given the bad value
            raise type(exc)(f"{name}={value!r}: {exc}") from None
        return value

    check.__name__ = f"check_{name}"
    return check


def _check_split_every(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 2:
        raise ValueError(f"split_every must be an int >= 2, got {value!r}")
    return value


def _check_bool(name: str) -> Callable[[Any], bool]:
    def check(value: Any) -> bool:
        if not isinstance(value, bool):
            raise TypeError(f"{name} must be True or False, got {value!r}")
        return value

    return check


def _check_directory(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"temporary_directory must be a path or None, got {value!r}")
    path = os.fspath(value)
    if not path.strip():
        # "" is a relative path that means the working directory: staging would litter it.
        raise ValueError(f"temporary_directory={value!r}: give a directory path, or None for the "
                         "system's temporary directory")
    return path


_VALIDATORS: dict[str, Callable[[Any], Any]] = {
    "scheduler": _check_scheduler,
    "num_workers": _check_workers,
    "chunk_size": _check_bytes("chunk_size"),
    "memory_limit": _check_bytes("memory_limit", none_ok=True),
    "split_every": _check_split_every,
    "warn_small_chunks": _check_bool("warn_small_chunks"),
    "fuse": _check_bool("fuse"),
    "temporary_directory": _check_directory,
}

_defaults: dict[str, Any] = {
    "scheduler": "threads",
    "num_workers": None,  # None: one per core
    "chunk_size": "128 MiB",  # target block size for chunks="auto"
    "memory_limit": None,  # what one task may hold; None: default_memory_limit()
    "split_every": 16,  # fan-in of reduction trees
    "warn_small_chunks": True,
    "fuse": True,  # fuse chains of blockwise steps into one task per block (off: for comparison)
    "temporary_directory": None,  # where rechunks stage data on disk; None: tempfile.gettempdir()
}

# --- the machine's default memory limit -----------------------------------------------------------

_MEMORY_FRACTION = 0.5  # of the machine's memory, shared by one task per core
_MEMORY_FLOOR = 256 * 2**20  # two blocks of the default chunk_size
_MEMORY_UNKNOWN = 2 * 2**30
_CGROUP_LIMITS = ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes")


def machine_memory() -> int | None:
    """Bytes of memory this process may use: physical memory, or a container's lower limit.

    ``None`` where neither can be read.

    >>> machine_memory() is None or machine_memory() > 0
    True
    """
    total: int | None = None
    try:
        total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):  # not a POSIX system
        pass
    for path in _CGROUP_LIMITS:  # cgroup v2, then v1; "max" or a huge number: no limit
        try:
            with open(path) as f:
                text = f.read().strip()
        except OSError:
            continue
        if text.isdigit() and int(text) > 0:
            total = int(text) if total is None else min(total, int(text))
    return total if total and total > 0 else None


def default_memory_limit(memory: int | None, workers: int) -> str:
    """The default ``memory_limit`` for ``memory`` bytes shared by ``workers`` tasks at once.

    Half the memory split between the workers, rounded down to whole MiB, at least 256 MiB;
    2 GiB when the memory is unknown.

    >>> default_memory_limit(16 * 2**30, 8), default_memory_limit(2**30, 64)
    ('1024 MiB', '256 MiB')
    >>> default_memory_limit(None, 4)
    '2048 MiB'
    """
    if memory is None:
        return f"{_MEMORY_UNKNOWN // 2**20} MiB"
    share = int(memory * _MEMORY_FRACTION) // max(workers, 1)
    return f"{max(share, _MEMORY_FLOOR) // 2**20} MiB"


@functools.cache
def _machine_memory_limit() -> str:
    # Once per process: the memory of a machine does not change under a running program, and a
    # plan must not depend on how much happened to be free when it was made.
    return default_memory_limit(machine_memory(), os.cpu_count() or 1)


# --- process-wide values and context-local blocks -------------------------------------------------


class _Layer:
    """The process-wide change of one ``set(...)`` call not (yet) known to be a plain call."""

    __slots__ = ("changes", "final")

    def __init__(self, changes: dict[str, Any]) -> None:
        self.changes = changes
        self.final = False


_lock = threading.Lock()
# Newest last. A tuple, replaced whole under the lock, so readers need no lock. A layer is
# folded into _defaults once it is final and every older one is too: until then a ``with``
# that was not recognised as one (see set.__init__) can still withdraw its own change exactly.
_layers: tuple[_Layer, ...] = ()
# The settings of the running ``with`` blocks of this context: a dict never changed in place.
_overrides: contextvars.ContextVar[Mapping[str, Any]] = contextvars.ContextVar(
    "chunkarray_config", default=MappingProxyType({}))


def _fold() -> None:
    # Called with _lock held.
    global _layers
    while _layers and _layers[0].final:
        _defaults.update(_layers[0].changes)  # before the layer goes: readers see one or other
        _layers = _layers[1:]


def _settle(layer: _Layer) -> None:
    with _lock:
        layer.final = True
        _fold()


def _withdraw(layer: _Layer) -> None:
    global _layers
    with _lock:
        _layers = tuple(la for la in _layers if la is not layer)
        _fold()


def _process_value(key: str) -> Any:
    for layer in reversed(_layers):
        if key in layer.changes:
            return layer.changes[key]
    return _defaults[key]


def get(key: str) -> Any:
    """The current value of a setting: this context's ``with`` block's, else the process's.

    >>> get("chunk_size")
    '128 MiB'
    """
    block = _overrides.get()
    if key in block:
        value = block[key]
    elif key in _defaults:
        value = _process_value(key)
    else:
        raise KeyError(f"unknown setting {key!r}; settings are {sorted(_defaults)}")
    if value is None and key == "memory_limit":
        return _machine_memory_limit()
    return value


def current() -> dict[str, Any]:
    """Every setting as :func:`get` sees it here: what a task run elsewhere needs to see.

    >>> current()["split_every"]
    16
    """
    return {key: get(key) for key in _defaults}


def local() -> dict[str, Any]:
    """The settings of the ``with`` blocks running in this context (empty outside of any).

    >>> with set(split_every=4):
    ...     local()
    {'split_every': 4}
    >>> local()
    {}
    """
    return dict(_overrides.get())


def num_workers() -> int:
    """Worker threads to use: the setting, or one per core.

    >>> with set(num_workers=3):
    ...     num_workers()
    3
    """
    return get("num_workers") or os.cpu_count() or 1


def memory_limit_bytes() -> int:
    """The ``memory_limit`` setting in bytes: what one task may hold.

    >>> with set(memory_limit="2 KiB"):
    ...     memory_limit_bytes()
    2048
    """
    return parse_bytes(get("memory_limit"))


@functools.lru_cache(maxsize=4096)
def _opens_a_with(code: CodeType, offset: int) -> bool:
    """Whether the call at ``offset`` of ``code`` is the head of a ``with`` statement."""
    following = []
    for ins in dis.get_instructions(code):
        if ins.offset > offset:
            following.append(ins.opname)
            if len(following) == 3:
                break
    if not following:
        return False
    # BEFORE_WITH: Python 3.11 to 3.13; 3.14 opens a with by COPY, LOAD_SPECIAL (__exit__).
    return following[0] == "BEFORE_WITH" or following[:2] == ["COPY", "LOAD_SPECIAL"]


def _called_as_with(frame: FrameType | None) -> bool:
    return frame is not None and _opens_a_with(frame.f_code, frame.f_lasti)


class set:  # noqa: N801 - lower-case like dask.config.set, which users know
    """Change settings: for the whole process, or for this thread within a ``with`` block.

    Called as a statement, ``set(...)`` changes the process-wide defaults (every thread sees
    them). As ``with set(...):`` it changes them for the current thread (context) only, until
    the block ends; computations started inside the block run their tasks with them.

    >>> with set(chunk_size="64 MiB", num_workers=2):
    ...     get("num_workers")
    2
    >>> get("num_workers") is None
    True
    """

    def __init__(self, **settings: Any) -> None:
        global _layers
        unknown = sorted(k for k in settings if k not in _VALIDATORS)
        if unknown:
            raise TypeError(f"unknown setting(s) {unknown}; settings are {sorted(_VALIDATORS)}")
        checked = {k: _VALIDATORS[k](v) for k, v in settings.items()}  # all checked before any set
        self._changes = checked
        self._token: contextvars.Token[Mapping[str, Any]] | None = None
        self._layer: _Layer | None = None
        if _called_as_with(sys._getframe(1)):
            return  # __enter__ follows at once: the change is this context's alone
        # A plain call, or a set() entered later (ExitStack.enter_context, a wrapper): change
        # the process-wide values now; __enter__ takes the change back if it comes.
        self._before = _overrides.get()
        self._layer = _Layer(checked)
        with _lock:
            _layers = (*_layers, self._layer)
        if any(k in self._before for k in checked):  # inside a with block: the caller sees it
            _overrides.set({**self._before, **checked})

    def __enter__(self) -> set:
        if self._token is not None:
            raise RuntimeError("this config.set(...) is already in use as a with block")
        if self._layer is not None:
            _withdraw(self._layer)
            self._layer = None
            _overrides.set(self._before)
        self._token = _overrides.set({**_overrides.get(), **self._changes})
        return self

    def __exit__(self, *exc: object) -> None:
        token, self._token = self._token, None
        if token is not None:
            try:
                _overrides.reset(token)
            except ValueError:  # exited in another context than entered (a generator moved)
                if token.old_value is not contextvars.Token.MISSING:
                    _overrides.set(token.old_value)
        elif self._layer is not None:  # exited without entering: undo the call
            _withdraw(self._layer)
            self._layer = None
            _overrides.set(self._before)

    def __del__(self) -> None:
        layer = getattr(self, "_layer", None)
        if layer is not None:  # never entered: it was a plain call, for good
            try:
                _settle(layer)
            except Exception:  # at interpreter exit the module may be half gone
                pass
