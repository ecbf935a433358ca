"""Where the store's profile arrays come from: the L2 files themselves, or a copy in the store.

The store's ``profiles.nc`` has one of two layouts (its attribute ``satcol_profile_storage``):

``source`` (the default for instruments with a row reader,
    :attr:`satcol.instruments.base.Instrument.profile_rows`; issue 22)
    The file holds no per-sounding arrays. It lists the L2 files the month was ingested from
    (``source_path``, ``source_size`` in bytes, ``source_rows`` soundings each, in the order of
    the table's ``source_file`` index), and the profiles of any sounding are read back from its
    L2 file by the same decoding as ingest, at ``source_index``. A full-density month of MOPITT
    held 3.9 GB of profile arrays in the store, a copy of what its 10 GB of gzip-compressed L2
    files hold; stages that need profiles (the export of the kept soundings, the colocation
    candidates) need 16 % of the soundings or fewer.
``copy`` (the layout of earlier versions, and of instruments without a row reader)
    Every sounding's profile arrays along dimension ``sounding`` in table row order.

:func:`open_profiles` reads either, through one interface (:class:`ProfileReader`).
"""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np

from satcol.core.errors import BadInputError

#: Value of the ``satcol_profile_storage`` attribute of each layout.
SOURCE, COPY = "source", "copy"


def read_rows(dset, rows: np.ndarray) -> np.ndarray:
    """``dset[rows]`` of an h5py dataset for sorted, unique row indices ``rows`` (first axis),
    reading only the chunks that hold any of them: one read per run of consecutive such chunks,
    from the first to the last wanted row in it (a chunk is decompressed whole whichever of its
    rows are wanted)."""
    rows = np.asarray(rows, dtype=np.int64)
    out = np.empty((rows.size,) + dset.shape[1:], dtype=dset.dtype)
    if rows.size == 0:
        return out
    if rows[0] < 0 or rows[-1] >= dset.shape[0] or np.any(np.diff(rows) <= 0):
        raise ValueError(f"read_rows: rows of {dset.name} must be increasing and within 0-{dset.shape[0] - 1}")
    chunk = rows // (dset.chunks[0] if dset.chunks else dset.shape[0])
    first = np.flatnonzero(np.diff(chunk, prepend=chunk[0] - 2) > 1)  # where a run of chunks begins
    for i0, i1 in zip(first, np.r_[first[1:], rows.size], strict=True):
        lo, hi = int(rows[i0]), int(rows[i1 - 1]) + 1
        out[i0:i1] = dset[lo:hi][rows[i0:i1] - lo]
    return out


class ProfileReader:
    """The profile arrays of a month's store, whichever layout its ``profiles.nc`` has.

    Use as a context manager; :meth:`read` gives the arrays of sorted, unique table rows.
    """

    def __init__(self, profiles_path):
        self.path = Path(profiles_path)
        try:
            self._f = h5py.File(self.path, "r")
        except (OSError, ValueError) as exc:
            raise BadInputError(self.path, "unreadable", f"cannot open the store's profile file ({exc})") from None
        attrs = self._f.attrs
        storage = attrs.get("satcol_profile_storage", COPY)  # stores before issue 22 carry no attribute
        self.storage = storage.decode() if isinstance(storage, bytes) else str(storage)
        instrument = attrs.get("satcol_instrument", "mopitt")
        self.instrument = instrument.decode() if isinstance(instrument, bytes) else str(instrument)
        if self.storage == SOURCE:
            if _instrument(self.instrument).profile_rows is None:
                self.close()
                raise BadInputError(self.path, "unsupported_format", f"profiles stored as pointers to the L2 files, "
                                    f"but satcol reads no {self.instrument} profiles from L2 files",
                                    "satcol_profile_storage")
            for name in ("source_path", "source_size", "source_rows"):
                if name not in self._f:
                    self.close()
                    raise BadInputError(self.path, "bad_structure", "pointer store without its list of L2 files", name)
            self.sources = [p.decode() if isinstance(p, bytes) else str(p) for p in self._f["source_path"][()]]
            self.sizes = self._f["source_size"][()].astype(np.int64)
            self.n_rows = self._f["source_rows"][()].astype(np.int64)
            self.row_start = np.concatenate([[0], np.cumsum(self.n_rows)]).astype(np.int64)
            self.n = int(self.row_start[-1])
        elif self.storage == COPY:
            self.n = None  # read_rows checks the rows against each array
        else:
            self.close()
            raise BadInputError(self.path, "unsupported_format", f"unknown profile storage {self.storage!r} "
                                f"(satcol reads {SOURCE!r} and {COPY!r})", "satcol_profile_storage")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self._f.close()

    def dims(self, name: str) -> tuple:
        """Dimension names of profile ``name`` (first ``sounding``), as the instrument declares them."""
        return _instrument(self.instrument).profile_vars[name][0]

    def read(self, rows: np.ndarray, variables) -> dict:
        """``{name: array}`` of ``variables`` for the table rows ``rows`` (sorted, unique)."""
        rows = np.asarray(rows, dtype=np.int64)
        if self.storage == COPY:
            return {v: read_rows(self._f[v], rows) for v in variables}
        if rows.size and (rows[0] < 0 or rows[-1] >= self.n or np.any(np.diff(rows) <= 0)):
            raise ValueError(f"{self.path}: rows must be increasing and within 0-{self.n - 1}")
        inst = _instrument(self.instrument)
        parts = {v: [] for v in variables}
        file_of = np.searchsorted(self.row_start, rows, side="right") - 1
        bounds = np.flatnonzero(np.diff(file_of, prepend=-1, append=len(self.sources) + 1))
        for b0, b1 in zip(bounds[:-1], bounds[1:], strict=True):
            k = int(file_of[b0])
            src = Path(self.sources[k])
            if not src.exists():
                raise BadInputError(src, "missing_input", f"L2 file of the store {self.path} is gone: the store keeps "
                                    "pointers to its L2 files (satcol_profile_storage = source); restore it or re-ingest")
            if src.stat().st_size != self.sizes[k]:
                raise BadInputError(src, "source_changed", f"L2 file has {src.stat().st_size} bytes, the store "
                                    f"{self.path} was ingested from {self.sizes[k]}: re-ingest the month", "source_size")
            got = inst.profile_rows(src, rows[b0:b1] - self.row_start[k], int(self.n_rows[k]))
            for v in variables:
                parts[v].append(got[v])
        empty = {v: (0,) + tuple(inst.profile_dims[d] for d in inst.profile_vars[v][0][1:]) for v in variables}
        return {v: np.concatenate(parts[v]) if parts[v] else np.zeros(empty[v], dtype=np.float32) for v in variables}


def _instrument(name: str):
    """The registered instrument of a store (imported here: the registry imports the readers)."""
    from satcol import instruments

    return instruments.get(name)


def open_profiles(profiles_path) -> ProfileReader:
    """A :class:`ProfileReader` of a store's ``profiles.nc`` (either layout)."""
    return ProfileReader(profiles_path)
