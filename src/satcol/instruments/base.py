"""What an instrument declares to satcol (docs/instruments.md).

An :class:`Instrument` is data plus a few functions: its species, the file-name pattern and
reader that turn its L2 files into the canonical sounding table and profile arrays, the state
space and vertical grid of its profiles, its own diagnostic columns, its QC-bit registry, its
prefilter hooks, its footprint geometry and the name of its correction method. The stages that
are instrument-neutral (ingest into the store, colocation candidates, the QC variable of the
exports) take everything instrument-specific from it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

import numpy as np

from satcol.core.qcbits import QC_DTYPE, QCRegistry

#: Canonical surface codes of the ``surface`` column (defined in :mod:`satcol.core.surface`).
from satcol.core.surface import SURFACE_LAND, SURFACE_MIXED, SURFACE_NAMES, SURFACE_WATER  # noqa: E402,F401

#: The core of the canonical sounding table: the columns (and types) every instrument's reader
#: delivers and the instrument-neutral stages read. ``sounding_id``, ``source_file``,
#: ``source_index`` and ``qc`` are added by ingest; the reader gives the others. The ``xgas*``
#: columns hold the column average of the instrument's (first) species in its units
#: (:attr:`Species.units`); the exports name them after the species (:mod:`satcol.export.names`;
#: issue 20 item 2, docs/instruments.md).
CORE_COLUMNS = {
    "sounding_id": "int64", "source_file": "int32", "source_index": "int32",
    "time": "datetime64[us]", "lat": "float32", "lon": "float32", "surface": "int8",
    "sza": "float32", "psurf": "float32", "xgas": "float32", "xgas_error": "float32",
    "xgas_prior": "float32", "dof": "float32", "qc": "uint32",
}
#: Columns ingest adds to the reader's table.
INGEST_COLUMNS = ("sounding_id", "source_file", "source_index", "qc")
#: Profile arrays the colocation candidates carry (their level dimensions come from the instrument).
CORE_PROFILES = ("retrieved_vmr", "prior_vmr", "averaging_kernel")

StateSpace = Literal["log10_vmr", "vmr"]


@dataclass(frozen=True)
class Species:
    """A gas an instrument retrieves, with the names and units it carries.

    Attributes
    ----------
    name : str
        Chemical name, lower case (``co``, ``co2``, ``ch4``).
    column : str
        Canonical column that holds its column average in the store (``xgas`` for every
        instrument: generic names inside, species names outside).
    export_name : str
        Variable name in the exports (``xco``, ``xco2``, ``xch4``).
    units : str
        UDUNITS units of the column and profiles in the store (``1e-9`` for ppb, ``1e-6`` ppm).
    standard_name : str
        CF standard name of the mole fraction (``mole_fraction_of_carbon_monoxide_in_air``).
    long_name : str
        Human-readable name of the column average.
    """

    name: str
    column: str
    export_name: str
    units: str
    standard_name: str
    long_name: str


@dataclass(frozen=True)
class VerticalGrid:
    """The levels an instrument's profiles and kernels live on.

    Attributes
    ----------
    state_space : {"log10_vmr", "vmr"}
        The retrieval's state vector: the averaging kernel is d log10 x_hat / d log10 x (MOPITT)
        or d x_hat / d x (GOSAT); selects the AK algebra of the comparison (issue 20 item 2).
    n_levels : int
        Level slots of the store's profile arrays.
    description : str
        Order and meaning of the slots (the exports' level comment).
    level_pressures : callable or None
        ``level_pressures(psurf) -> (n, n_levels)`` pressure (hPa) of each slot, NaN where not
        retrieved; None where the product gives its pressures per sounding (then the store's
        ``pressure`` profile is the file's).
    pressure_weights : callable or None
        ``pressure_weights(psurf) -> (n, n_levels)`` the column weights h of the comparison, or
        None where the product gives them per sounding.
    """

    state_space: StateSpace
    n_levels: int
    description: str
    level_pressures: Callable | None = None
    pressure_weights: Callable | None = None


@dataclass(frozen=True)
class Footprints:
    """Detector footprints whose relative biases the correction fits (MOPITT's 4 pixels).

    Attributes
    ----------
    column : str
        Canonical column with the footprint number.
    n : int
        Number of footprints, numbered 1..n.
    description : str
        What a footprint is for this instrument.
    """

    column: str
    n: int
    description: str


@dataclass(frozen=True)
class PrefilterHook:
    """A prefilter an instrument runs before its QC chain: sets bits, drops nothing.

    Attributes
    ----------
    name : str
        Short name (``snow_ice``).
    function : callable
        ``function(table, **params) -> qc`` (uint32): the table's ``qc`` with the hook's bits
        added. ``params`` are the config section :attr:`config_section`'s values.
    bits : tuple of str
        The QC bits it may set (registered in the instrument's registry).
    config_section : str
        Config section the function's keyword arguments come from.
    params : tuple of str
        Keys of that section passed as keyword arguments (absent keys: the function's default).
    reference : str
        The paper and section it implements.
    """

    name: str
    function: Callable
    bits: tuple[str, ...]
    config_section: str
    params: tuple[str, ...]
    reference: str


class FileInfo(Protocol):
    """What ingest needs to know about an input file from its name alone."""

    path: Path
    date: dt.date
    version: str
    beta: bool

    @property
    def version_key(self) -> tuple: ...


@dataclass(frozen=True)
class Instrument:
    """One instrument's declaration (docs/instruments.md).

    Attributes
    ----------
    name : str
        Registry key and ``{instrument}`` wildcard value (``mopitt``).
    title : str
        Name in titles of products (``MOPITT``).
    species : tuple of Species
        Gases retrieved; the first is the one in the ``xgas*`` columns of the store.
    file_pattern : re.Pattern
        The file names the instrument's inputs have (:attr:`parse_filename` accepts them).
    parse_filename : callable
        ``parse_filename(path) -> FileInfo``; BadInputError (``bad_filename``) for another name.
    read : callable
        ``read(path) -> (table, profiles)``: one file as canonical arrays, the table with every
        column of :attr:`columns` but :data:`INGEST_COLUMNS`, the profiles with every entry of
        :attr:`profile_vars`; BadInputError naming the file and dataset for bad input.
    input_fill : callable
        ``input_fill(table, profiles) -> bool (n,)``: soundings missing a value the pipeline
        needs (bit ``input_fill``).
    columns : dict
        The store's sounding table, name -> numpy dtype, in column order: :data:`CORE_COLUMNS`
        plus the instrument's own diagnostics.
    diagnostics : dict
        The instrument's own columns (those of :attr:`columns` outside the core):
        name -> (units, meaning).
    profile_vars : dict
        Store profile arrays: name -> (dims, units, long_name), dims starting with ``sounding``.
    profile_dims : dict
        Sizes of the profile dimensions other than ``sounding``.
    grid : VerticalGrid
        State space and levels of the profiles.
    qc : QCRegistry
        The instrument's QC bits (CF flag_masks/flag_meanings of its products).
    prefilters : tuple of PrefilterHook
        Run in order before the instrument's QC chain.
    footprints : Footprints or None
        Detector footprints (None: one per sounding, nothing to fit between them).
    correction : str
        Name of the bias-correction method (``h19``: pixel and feature bias; ``mlr``: regression
        against TCCON; ``none``).
    select_versions : callable
        ``select_versions(infos) -> {date: [FileInfo, newest first]}``; ingest reads the first
        readable one of each day.
    profile_rows : callable or None
        ``profile_rows(path, rows, n_expected) -> {profile name: array}``: the profiles of the
        soundings at ``rows`` (sorted, unique, file order) of one L2 file, decoded as
        :attr:`read` decodes them. With it the store keeps pointers to the L2 files instead of a
        copy of their profiles (:mod:`satcol.core.store_profiles`); None: the store copies them.
    """

    name: str
    title: str
    species: tuple[Species, ...]
    file_pattern: re.Pattern
    parse_filename: Callable
    read: Callable
    input_fill: Callable
    columns: dict
    diagnostics: dict
    profile_vars: dict
    profile_dims: dict
    grid: VerticalGrid
    qc: QCRegistry
    prefilters: tuple[PrefilterHook, ...] = ()
    footprints: Footprints | None = None
    correction: str = "none"
    select_versions: Callable = field(default=None)
    profile_rows: Callable | None = None

    def __post_init__(self):
        if not re.match(r"^[a-z][a-z0-9_]*$", self.name):
            raise ValueError(f"instrument name {self.name!r}: lower case letters, digits and underscores")
        if not self.species:
            raise ValueError(f"instrument {self.name}: declares no species")
        for col, dtype in CORE_COLUMNS.items():
            if self.columns.get(col) != dtype:
                raise ValueError(f"instrument {self.name}: core column {col!r} must be {dtype}, "
                                 f"declared {self.columns.get(col)!r}")
        extra = [c for c in self.columns if c not in CORE_COLUMNS]
        if set(extra) != set(self.diagnostics):
            raise ValueError(f"instrument {self.name}: diagnostics {sorted(set(self.diagnostics) ^ set(extra))} "
                             "must be declared in both columns and diagnostics")
        for name, (dims, _units, _long) in self.profile_vars.items():
            if dims[0] != "sounding" or any(d not in self.profile_dims for d in dims[1:]):
                raise ValueError(f"instrument {self.name}: profile {name!r} has dims {dims}; expected "
                                 f"('sounding', ...) over {sorted(self.profile_dims)}")
        if self.qc.instrument != self.name:
            raise ValueError(f"instrument {self.name}: QC registry belongs to {self.qc.instrument!r}")
        for hook in self.prefilters:
            for bit in hook.bits:
                self.qc.mask_of(bit)
        if self.footprints is not None and self.footprints.column not in self.columns:
            raise ValueError(f"instrument {self.name}: footprint column {self.footprints.column!r} not in columns")
        if self.select_versions is None:
            object.__setattr__(self, "select_versions", versions_per_day)

    @property
    def primary_species(self) -> Species:
        """The species in the store's ``xgas*`` columns."""
        return self.species[0]

    def prefilter(self, table, config: dict) -> np.ndarray:
        """The table's ``qc`` with every prefilter hook's bits added, hooks in order.

        Parameters
        ----------
        table : pandas.DataFrame
            The store's soundings (at least ``qc`` and the columns the hooks read).
        config : dict
            The run's config; each hook reads the keys :attr:`PrefilterHook.params` of its
            section :attr:`PrefilterHook.config_section`.

        Returns
        -------
        numpy.ndarray
            uint32 bitmask per sounding.
        """
        qc = table["qc"].to_numpy(dtype=QC_DTYPE).copy()
        for i, hook in enumerate(self.prefilters):
            # The first hook sees the table itself (no copy of a month's table); a later one sees
            # the bits set before it.
            view = table if i == 0 else table.assign(qc=qc)
            section = config.get(hook.config_section, {})
            qc = hook.function(view, **{k: section[k] for k in hook.params if k in section})
        return qc


def versions_per_day(infos) -> dict:
    """The files of each day, newest processor version first (``version_key``, then name)."""
    by_day: dict = {}
    for info in infos:
        by_day.setdefault(info.date, []).append(info)
    return {day: sorted(by_day[day], key=lambda i: (i.version_key, i.path.name), reverse=True)
            for day in sorted(by_day)}
