"""Global settings: the default scheduler, worker count, chunk-size target and memory budget.

>>> import chunkarray
>>> with chunkarray.core.config.set(scheduler="sync"):
...     chunkarray.core.config.get("scheduler")
'sync'
>>> chunkarray.core.config.get("scheduler")
'threads'
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from chunkarray.core.bytesize import parse_bytes

__all__ = ["get", "set", "SCHEDULERS"]

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


def _check_bytes(name: str) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
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
    return os.fspath(value)


_VALIDATORS: dict[str, Callable[[Any], Any]] = {
    "scheduler": _check_scheduler,
    "num_workers": _check_workers,
    "chunk_size": _check_bytes("chunk_size"),
    "memory_limit": _check_bytes("memory_limit"),
    "split_every": _check_split_every,
    "warn_small_chunks": _check_bool("warn_small_chunks"),
    "fuse": _check_bool("fuse"),
    "temporary_directory": _check_directory,
}

_settings: dict[str, Any] = {
    "scheduler": "threads",
    "num_workers": None,  # None: one per core
    "chunk_size": "128 MiB",  # target block size for chunks="auto"
    "memory_limit": "2 GiB",  # what one task may hold
    "split_every": 16,  # fan-in of reduction trees
    "warn_small_chunks": True,
    "fuse": True,  # fuse chains of blockwise steps into one task per block (off: for comparison)
    "temporary_directory": None,  # where rechunks stage data on disk; None: tempfile.gettempdir()
}


def get(key: str) -> Any:
    """The current value of a setting.

    >>> get("chunk_size")
    '128 MiB'
    """
    if key not in _settings:
        raise KeyError(f"unknown setting {key!r}; settings are {sorted(_settings)}")
    return _settings[key]


def num_workers() -> int:
    """Worker threads to use: the setting, or one per core."""
    return _settings["num_workers"] or os.cpu_count() or 1


class set:  # noqa: N801 - lower-case like dask.config.set, which users know
    """Change settings, for good or within a ``with`` block.

    >>> with set(chunk_size="64 MiB", num_workers=2):
    ...     get("num_workers")
    2
    """

    def __init__(self, **settings: Any) -> None:
        unknown = sorted(k for k in settings if k not in _VALIDATORS)
        if unknown:
            raise TypeError(f"unknown setting(s) {unknown}; settings are {sorted(_VALIDATORS)}")
        checked = {k: _VALIDATORS[k](v) for k, v in settings.items()}  # all checked before any set
        self._previous = {k: _settings[k] for k in checked}
        _settings.update(checked)

    def __enter__(self) -> set:
        return self

    def __exit__(self, *exc: object) -> None:
        _settings.update(self._previous)
