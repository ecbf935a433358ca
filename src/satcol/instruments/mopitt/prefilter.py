"""The snow/ice prefilter of H19 Sect. 3.1-3.2: daytime, snow/ice-free, not mixed surface.

Sets QC bits; drops nothing. MOPITT's prefilter hook (``satcol.instruments.get("mopitt").prefilters``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from satcol.instruments.base import SURFACE_LAND, SURFACE_MIXED, SURFACE_WATER  # noqa: F401 (old names)
from satcol.instruments.mopitt import qc as qcmod

if TYPE_CHECKING:  # pandas is not imported at run time: ingest imports this module and runs without it
    import pandas as pd


def prefilter_qc(df: pd.DataFrame, sza_max: float = 80.0, snow_ice_min: float = 0.999) -> np.ndarray:
    """QC mask with the prefilter bits added to the ingest bits.

    night: SZA >= sza_max (H19 Table 3: > 80 deg is night in the retrieval; a NaN SZA counts as
    night); snow_ice: MODIS snow/ice diagnostic < snow_ice_min (H19 Table 3: "< 0.999"), the
    snow/ice-free fraction of the footprint on the file's own 0-1 scale (1 = free of snow and
    ice; V7/V8 MODISCloudDiagnostics element 4, V9 element 6, docs/formats-mopitt.md); a NaN
    diagnostic (fill) sets no bit; mixed_surface: SurfaceIndex 2 (H19 Table 3 note).

    Parameters
    ----------
    df : pandas.DataFrame
        The canonical sounding table (columns ``qc``, ``sza`` in degrees, ``modis_snow_ice``
        as a 0-1 fraction, ``surface``).
    sza_max : float
        Solar zenith angle (degrees) from which a sounding is night.
    snow_ice_min : float
        Snow/ice-free fraction (0-1) below which a sounding is snow/ice.

    Returns
    -------
    numpy.ndarray
        The QC bitmask (uint32) with the night, snow_ice and mixed_surface bits added.
    """
    qc = df["qc"].to_numpy(dtype=qcmod.QC_DTYPE).copy()
    sza = df["sza"].to_numpy()
    qcmod.set_bit(qc, "night", ~(sza < sza_max))
    snow = df["modis_snow_ice"].to_numpy()
    qcmod.set_bit(qc, "snow_ice", snow < snow_ice_min)
    qcmod.set_bit(qc, "mixed_surface", df["surface"].to_numpy() == SURFACE_MIXED)
    return qc


def passes_prefilter(qc: np.ndarray) -> np.ndarray:
    """Soundings with none of the ingest or prefilter bits set."""
    return ~qcmod.any_of(qc, ("input_fill",) + qcmod.PREFILTER_BITS)
