"""The canonical monthly store: a columnar sounding table (Parquet) plus profile arrays (netCDF4).

``soundings.parquet`` holds one row per ingested sounding (flagged ones included) with the
canonical scalar fields and the QC bitmask; ``profiles.nc`` holds the level-resolved arrays
in the same row order (dimension ``sounding``), readable with xarray, ncdump and Panoply.
Both are written incrementally (one input file at a time) so memory stays bounded.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import h5netcdf
import h5py
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from satcol.core import ioutil
from satcol.instruments.mopitt import instrument as _mopitt
from satcol.instruments.mopitt import qc as qcmod

if TYPE_CHECKING:
    import pandas as pd

#: Canonical sounding-table columns and their types (the stage contract), and the profile arrays,
#: of MOPITT: the default of the functions below. Each instrument declares its own
#: (:attr:`satcol.instruments.base.Instrument.columns`, ``profile_vars``) over the shared core
#: :data:`satcol.instruments.base.CORE_COLUMNS`.
COLUMNS = _mopitt.COLUMNS
PROFILE_VARS = _mopitt.PROFILE_VARS


def _arrow_schema(columns=None) -> pa.Schema:
    fields = []
    for name, dtype in (COLUMNS if columns is None else columns).items():
        t = pa.timestamp("us", tz="UTC") if dtype.startswith("datetime") else pa.from_numpy_dtype(np.dtype(dtype))
        fields.append(pa.field(name, t))
    return pa.schema(fields)


def _arrow_column(arr: np.ndarray, arrow_type: pa.DataType) -> pa.Array:
    """An Arrow array over a fixed-width numpy array without nulls (NaN stays a value, as with
    ``pa.array``), built from its buffer: ``pa.array`` imports pandas, 0.4 s of every ingest job
    that otherwise never needs it (issue #7)."""
    if arr.dtype.kind not in "iufM":  # booleans are bit-packed in Arrow; objects have no buffer
        raise TypeError(f"store column of dtype {arr.dtype} cannot be written from its buffer")
    arr = np.ascontiguousarray(arr)
    return pa.Array.from_buffers(arrow_type, len(arr), [None, pa.py_buffer(arr)])


class MonthStoreWriter:
    """Append file-sized batches to a month's Parquet table and netCDF profile arrays.

    ``instrument`` (:class:`satcol.instruments.base.Instrument`, default MOPITT) gives the
    table's columns, the profile arrays and their dimensions, and the QC registry whose bit
    meanings the table's key-value metadata records (``qc_flags``, as :func:`write_frame`)."""

    def __init__(self, table_path, profiles_path, attrs: dict, instrument=None, profile_storage=None):
        inst = _mopitt.INSTRUMENT if instrument is None else instrument
        self.columns = inst.columns
        self.profile_vars = inst.profile_vars
        self.table_path = Path(table_path)
        self.profiles_path = Path(profiles_path)
        for p in (self.table_path, self.profiles_path):
            p.parent.mkdir(parents=True, exist_ok=True)
        self._tmp_table = self.table_path.with_name(self.table_path.name + ".part")
        self._tmp_prof = self.profiles_path.with_name(self.profiles_path.name + ".part")
        schema = _arrow_schema(self.columns)
        sp = inst.primary_species
        # the species and units of the generic xgas* columns (issue 20 item 2)
        self.schema = schema.with_metadata({b"satcol_instrument": inst.name.encode(),
                                            b"satcol_species": sp.name.encode(), b"satcol_units": sp.units.encode(),
                                            b"qc_flags": _qc_flags_json(inst.qc)})
        self._pq = pq.ParquetWriter(self._tmp_table, self.schema, **ioutil.parquet_options(self.schema))
        self._nc = h5netcdf.File(self._tmp_prof, "w")
        self._nc.dimensions = {"sounding": None, **inst.profile_dims}
        for k, v in attrs.items():
            self._nc.attrs[k] = v
        self._nc.attrs["Conventions"] = "CF-1.8"
        self._nc.attrs["title"] = f"satcol canonical store: {inst.title} profile arrays (row order of soundings.parquet)"
        self._nc.attrs["satcol_instrument"] = inst.name
        self._nc.attrs["satcol_species"] = sp.name
        # Issue 22: where the instrument's L2 files can be read back row by row
        # (Instrument.profile_rows), the store keeps pointers to them, not a copy of their
        # profiles (3.9 GB of a full-density MOPITT month); otherwise, or with
        # profile_storage="copy", every sounding's profile arrays as before.
        from satcol.core import store_profiles

        if profile_storage is None:
            profile_storage = store_profiles.SOURCE if inst.profile_rows is not None else store_profiles.COPY
        if profile_storage not in (store_profiles.SOURCE, store_profiles.COPY):
            raise ValueError(f"profile_storage {profile_storage!r} is not 'source' or 'copy'")
        if profile_storage == store_profiles.SOURCE and inst.profile_rows is None:
            raise ValueError(f"profile_storage 'source': satcol reads no {inst.name} profiles back from L2 files")
        self.profile_storage = profile_storage
        self._nc.attrs["satcol_profile_storage"] = profile_storage
        self.sources: list[tuple[str, int, int]] = []  # (path, bytes, soundings) of each appended file
        if profile_storage == store_profiles.COPY:
            for name, (dims, units, long_name) in self.profile_vars.items():
                chunks = (4096,) + tuple(inst.profile_dims[dim] for dim in dims[1:])
                v = self._nc.create_variable(name, dims, np.float32, chunks=chunks, fillvalue=np.float32(np.nan))
                v.attrs["units"] = units
                v.attrs["long_name"] = long_name
            sid = self._nc.create_variable("sounding_id", ("sounding",), np.int64, chunks=(4096,))
            sid.attrs["long_name"] = "sounding id (row in soundings.parquet)"
        else:
            self._nc.attrs["title"] = (f"satcol canonical store: {inst.title} profile arrays, read from the L2 files "
                                       "listed here at the table's source_file and source_index")
            self._nc.attrs["satcol_profile_variables"] = " ".join(self.profile_vars)
        self.n = 0

    def append(self, table: dict, profiles: dict, source=None):
        """Append one L2 file's soundings; ``source``: that file's path, which the ``source``
        layout records (its size and number of soundings with it) instead of ``profiles``."""
        m = len(table["sounding_id"])
        cols = [_arrow_column(np.asarray(table[name]).astype(dtype, copy=False), field.type)
                for (name, dtype), field in zip(self.columns.items(), self.schema, strict=True)]
        self._pq.write_table(pa.Table.from_arrays(cols, schema=self.schema))
        if self.profile_storage != "copy":
            if source is None:
                raise ValueError("MonthStoreWriter.append: the source layout needs each file's path (source=)")
            if m and not np.array_equal(np.asarray(table["source_index"]), np.arange(m)):
                raise ValueError(f"{source}: source_index must be 0..n-1 for the source layout")
            self.sources.append((str(source), Path(source).stat().st_size, m))
            self.n += m
            return
        if m:
            new = self.n + m
            self._nc.resize_dimension("sounding", new)
            for name in self.profile_vars:
                self._nc.variables[name][self.n:new] = profiles[name]
            self._nc.variables["sounding_id"][self.n:new] = table["sounding_id"]
        self.n += m

    def close(self):
        self._pq.close()
        if self.profile_storage != "copy":
            self._nc.dimensions["source_file"] = len(self.sources)
            for name, values, long_name in (
                    ("source_path", [p for p, _, _ in self.sources], "L2 file (index = the table's source_file)"),
                    ("source_size", [b for _, b, _ in self.sources], "size of the L2 file at ingest (bytes)"),
                    ("source_rows", [m for _, _, m in self.sources], "soundings of the L2 file (source_index 0..n-1)")):
                if name == "source_path":
                    v = self._nc.create_variable(name, ("source_file",), dtype=h5py.string_dtype())
                    if values:
                        v[:] = np.array(values, dtype=object)
                else:
                    v = self._nc.create_variable(name, ("source_file",), np.int64)
                    if values:
                        v[:] = np.asarray(values, dtype=np.int64)
                v.attrs["long_name"] = long_name
        self._nc.close()
        os.replace(self._tmp_table, self.table_path)
        os.replace(self._tmp_prof, self.profiles_path)

    def abort(self):
        for closer in (self._pq.close, self._nc.close):
            try:
                closer()
            except Exception:  # noqa: BLE001 - best effort cleanup on the error path
                pass
        for p in (self._tmp_table, self._tmp_prof):
            p.unlink(missing_ok=True)


def _qc_flags_json(registry) -> bytes:
    """A registry's CF flag attributes as JSON, for Parquet key-value metadata."""
    import json

    return json.dumps(registry.cf_flag_attributes(),
                      default=lambda v: v.tolist() if hasattr(v, "tolist") else str(v)).encode()


def write_frame(df: pd.DataFrame, path, prov: dict | None = None, with_qc=False) -> None:
    """Write a per-sounding table as Parquet with the provenance (and the QC bit meanings when it
    carries a ``qc`` column) in the file's key-value metadata (``pyarrow.parquet.read_schema``).
    ``with_qc``: True for MOPITT's registry, or the :class:`satcol.core.qcbits.QCRegistry` of the
    table's instrument."""
    import json

    table = pa.Table.from_pandas(df, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    if prov is not None:
        meta[b"satcol_provenance"] = json.dumps(prov, sort_keys=True, default=str).encode()
    if with_qc is not False and with_qc is not None:
        meta[b"qc_flags"] = _qc_flags_json(qcmod.QC_REGISTRY if with_qc is True else with_qc)
    ioutil.write_arrow_parquet(table.replace_schema_metadata(meta), path)


def read_soundings(path, columns=None) -> pd.DataFrame:
    """A per-sounding Parquet table (the store, or a stage's per-sounding output) as a DataFrame,
    only ``columns`` if given. The same frame as ``pandas.read_parquet`` (same columns, dtypes,
    values and index), with one pandas block per column, each Arrow buffer released once it is
    converted: about 200 MB less peak memory for the month's table, and fresh memory is the
    dominant cost of the per-month stages on the benchmark machines (issue #7)."""
    try:
        table = pq.read_table(path, columns=columns)
    except pa.ArrowInvalid:
        _check_columns(path, columns)
        raise
    return table.to_pandas(split_blocks=True, self_destruct=True)


def old_column_name(name: str) -> str | None:
    """The name a column had before the generic names (issue 20 item 2): ``xgas`` was ``xco``,
    ``xgas_error*`` was ``xco_err*``, ``xgas_<rest>`` was ``xco_<rest>``; None for another name."""
    if not name.startswith("xgas"):
        return None
    rest = name[4:]
    return "xco" + ("_err" + rest[6:] if rest.startswith("_error") else rest)


def old_names_error(path, renamed: list[tuple[str, str]]):
    """The BadInputError for a file written before the generic names: ``renamed`` lists its
    (old, new) column names; it names the rerun that rewrites the file."""
    from satcol.core.errors import BadInputError

    return BadInputError(path, "old_column_names", "written before satcol named the column average generically ("
                         + ", ".join(f"{o} is now {c}" for o, c in renamed) + "); rerun the stages that wrote it, "
                         "e.g. snakemake --forcerun ingest (or delete results/ and run again)", renamed[0][1])


def _check_columns(path, columns) -> None:
    """A clear error for a per-sounding table without a requested column: one written by a satcol
    from before the generic names (``xco`` for ``xgas``, ...) names the rerun that rewrites it;
    otherwise the missing columns."""
    from satcol.core.errors import BadInputError

    have = set(pq.read_schema(path).names)
    missing = [c for c in (columns or []) if c not in have]
    if not missing:
        return
    renamed = [(old_column_name(c), c) for c in missing if old_column_name(c) in have]
    if renamed:
        raise old_names_error(path, renamed)
    raise BadInputError(path, "missing_column", f"no column {', '.join(missing)} (has {', '.join(sorted(have))})",
                        missing[0])


def qc_attrs(registry=None) -> dict:
    """CF flag attributes of ``registry`` (default MOPITT's)."""
    return (qcmod.QC_REGISTRY if registry is None else registry).cf_flag_attributes()


def check_store_order(table, corrected, what: str) -> None:
    """Refuse a corrected table that is not the store's soundings in the store's order: the one
    definition of the check every stage that pairs the two runs.

    Parameters
    ----------
    table, corrected : pandas.DataFrame
        The store table and the corrected soundings, each with ``sounding_id``.
    what : str
        The stage and month, for the message.

    Raises
    ------
    RuntimeError
        The lengths or the ``sounding_id`` sequences differ (rerun from ingest).
    """
    import numpy as np

    if len(table) != len(corrected) or not np.array_equal(table["sounding_id"].to_numpy(),
                                                          corrected["sounding_id"].to_numpy()):
        raise RuntimeError(f"{what}: corrected soundings are not in store order; rerun from ingest")
