"""The MOPITT declaration: what satcol's instrument-neutral stages need to know about MOPITT.

Reader :mod:`satcol.instruments.mopitt.reader`; grid :mod:`satcol.instruments.mopitt.levels` (constants in :mod:`.format`); QC bits
:mod:`.qc_bits`; prefilter :func:`satcol.instruments.mopitt.prefilter.prefilter_qc` (H19 Sect. 3.1-3.2); correction
``h19`` (pixel and feature bias, H19 Sect. 3, :mod:`satcol.instruments.mopitt.qcchain`). docs/instruments.md lists
what each field means.
"""

from __future__ import annotations

import numpy as np

from satcol.instruments.base import (
    CORE_COLUMNS,
    Footprints,
    Instrument,
    PrefilterHook,
    Species,
    VerticalGrid,
)
from satcol.instruments.mopitt import format as fmt
from satcol.instruments.mopitt import levels, prefilter, reader
from satcol.instruments.mopitt.qc_bits import PREFILTER_BITS, QC_REGISTRY

#: The store's sounding table for MOPITT, in column order (the stage contract of the H19 chain).
COLUMNS = {
    "sounding_id": "int64", "source_file": "int32", "source_index": "int32",
    "time": "datetime64[us]", "lat": "float32", "lon": "float32", "pixel": "int8",
    "stare": "int16", "track": "int32", "surface": "int8", "sza": "float32", "vza": "float32",
    "psurf": "float32", "dem": "float32", "xgas": "float32", "xgas_error": "float32",
    "xgas_error_smoothing": "float32", "xgas_error_measurement": "float32",
    "xgas_prior": "float32", "dof": "float32", "chi2": "float32", "iterations": "int16",
    "snr_5a": "float32", "snr_6a": "float32", "snr_7a": "float32", "emis_diff": "float32",
    "emis_err": "float32", "tsurf_diff": "float32", "modis_snow_ice": "float32",
    "anomaly_sum": "float32", "mean_ak": "float32", "max_adjacent_diff": "float32",
    "trace_total_cov": "float32", "trace_meas_cov": "float32", "trace_smooth_cov": "float32",
    "airmass": "float32", "cloud_description": "int16", "n_levels": "int8", "qc": "uint32",
}
#: MOPITT's own columns (outside :data:`satcol.instruments.base.CORE_COLUMNS`): name -> (units, meaning).
DIAGNOSTICS = {name: reader.CANONICAL_FIELDS[name] for name in COLUMNS if name not in CORE_COLUMNS}
#: Profile arrays of the store: name -> (dims, units, long_name).
PROFILE_VARS = {
    "pressure": (("sounding", "level"), "hPa", "pressure of the MOPITT level slots (surface, 900..100 hPa)"),
    "retrieved_vmr": (("sounding", "level"), "1e-9", "retrieved CO mixing ratio of the layer above each level"),
    "retrieved_vmr_err": (("sounding", "level"), "1e-9", "retrieval error of retrieved_vmr"),
    "prior_vmr": (("sounding", "level"), "1e-9", "a priori CO mixing ratio"),
    "averaging_kernel": (("sounding", "level", "level_in"), "1", "averaging kernel d log10 x_hat_i / d log10 x_j"),
    "column_averaging_kernel": (("sounding", "level"), "1e-9", "column AK: d XCO / d log10 x_j (ppb)"),
}
LEVEL_DESCRIPTION = ("MOPITT profile slots: 0 = floating surface level, 1-9 = 900, 800, ..., 100 hPa; each value is "
                     "the mixing ratio of the layer above the level (MOPITT L2 file specification); slots at or below "
                     "the surface are fill")


def read(path) -> tuple[dict, dict]:
    """One MOP02 file as the canonical table (without the ingest columns) and profile arrays
    (:func:`satcol.instruments.mopitt.reader.read_mop02`, :func:`satcol.instruments.mopitt.reader.canonical`)."""
    return reader.canonical(reader.read_mop02(path))


def input_fill_mask(table: dict, profiles: dict) -> np.ndarray:
    """Soundings missing a value the pipeline needs (fill/NaN): flagged with bit input_fill.

    Any of lat, lon, xco, xco_err, psurf, dof, sza non-finite; a non-finite averaging-kernel
    element between two retrieved levels; a non-finite prior on a retrieved level.
    """
    bad = np.zeros(len(table["xgas"]), dtype=bool)
    for key in ("lat", "lon", "xgas", "xgas_error", "psurf", "dof", "sza"):
        bad |= ~np.isfinite(table[key])
    valid = np.isfinite(profiles["retrieved_vmr"])
    ak = profiles["averaging_kernel"]
    # A non-finite AK element between two retrieved levels: (valid_i & valid_j) > finite_ij; in
    # row blocks, so that the (n, 10, 10) temporaries stay in the cache.
    for start in range(0, len(ak), reader.BLOCK_ROWS):
        rows = slice(start, start + reader.BLOCK_ROWS)
        v = valid[rows]
        ak_bad = np.greater(v[:, :, None] & v[:, None, :], np.isfinite(ak[rows]))
        bad[rows] |= ak_bad.reshape(len(ak_bad), -1).any(axis=1)
    bad |= ~np.isfinite(np.where(valid, profiles["prior_vmr"], 0.0)).all(axis=1)
    return bad


INSTRUMENT = Instrument(
    name="mopitt",
    title="MOPITT",
    species=(Species("co", "xgas", "xco", "1e-9", "mole_fraction_of_carbon_monoxide_in_air",
                     "CO column-averaged dry-air mole fraction"),),
    file_pattern=fmt.FILENAME_RE,
    parse_filename=reader.parse_filename,
    read=read,
    input_fill=input_fill_mask,
    columns=COLUMNS,
    diagnostics=DIAGNOSTICS,
    profile_vars=PROFILE_VARS,
    profile_dims={"level": fmt.N_LEVELS, "level_in": fmt.N_LEVELS},
    grid=VerticalGrid("log10_vmr", fmt.N_LEVELS, LEVEL_DESCRIPTION, levels.level_pressures, levels.pressure_weights),
    qc=QC_REGISTRY,
    prefilters=(PrefilterHook("snow_ice", prefilter.prefilter_qc, PREFILTER_BITS, "prefilter",
                              ("sza_max", "snow_ice_min"), "H19 Sect. 3.1-3.2 and Table 3"),),
    footprints=Footprints("pixel", fmt.N_PIXELS, "MOPITT's four along-track detector pixels (SwathIndex[:, 0])"),
    correction="h19",
    select_versions=reader.versions_per_day,
    profile_rows=reader.profile_rows,
)
