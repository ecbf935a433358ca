"""Instruments as plug-ins: the registry (docs/instruments.md).

``get(name)`` returns an :class:`~satcol.instruments.base.Instrument`; ``available()`` lists the
registered names; ``register(instrument)`` adds one (a test's toy instrument, or a user's own).
The built-in instruments are imported on first use, so that importing this package (or a
format module under it) does not import their readers.
"""

from __future__ import annotations

import importlib

from .base import (  # noqa: F401 (the interface, re-exported)
    CORE_COLUMNS,
    CORE_PROFILES,
    INGEST_COLUMNS,
    SURFACE_LAND,
    SURFACE_MIXED,
    SURFACE_NAMES,
    SURFACE_WATER,
    Footprints,
    Instrument,
    PrefilterHook,
    Species,
    VerticalGrid,
    versions_per_day,
)

#: Built-in instruments: name -> module whose ``INSTRUMENT`` declares it.
BUILTIN = {"mopitt": "satcol.instruments.mopitt.instrument", "gosat": "satcol.instruments.gosat.instrument"}
_REGISTRY: dict[str, Instrument] = {}


def register(instrument: Instrument, replace: bool = False) -> Instrument:
    """Add ``instrument`` to the registry under ``instrument.name``; returns it.

    Raises
    ------
    TypeError
        If ``instrument`` is not an :class:`Instrument`.
    ValueError
        If the name is registered (or built in) already and ``replace`` is false.
    """
    if not isinstance(instrument, Instrument):
        raise TypeError(f"register: expected an Instrument, got {type(instrument).__name__}")
    if (instrument.name in _REGISTRY or instrument.name in BUILTIN) and not replace:
        raise ValueError(f"instrument {instrument.name!r} is registered already")
    _REGISTRY[instrument.name] = instrument
    return instrument


def unregister(name: str) -> None:
    """Remove a registered instrument (a built-in one is loaded again by the next :func:`get`)."""
    _REGISTRY.pop(name, None)


def get(name: str) -> Instrument:
    """The instrument registered as ``name``.

    Raises
    ------
    KeyError
        Naming the unknown instrument and the available ones.
    """
    if name not in _REGISTRY and name in BUILTIN:
        _REGISTRY[name] = importlib.import_module(BUILTIN[name]).INSTRUMENT
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown instrument {name!r}; available: {available()}") from None


def available() -> list[str]:
    """Names of the registered and built-in instruments, sorted."""
    return sorted(set(_REGISTRY) | set(BUILTIN))
