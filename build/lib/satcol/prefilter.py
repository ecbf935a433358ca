"""The snow/ice prefilter of H19 Sect. 3.1-3.2: daytime, snow/ice-free, not mixed surface.

Sets QC bits; drops nothing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import qc as qcmod

SURFACE_WATER, SURFACE_LAND, SURFACE_MIXED = 0, 1, 2


def prefilter_qc(df: pd.DataFrame, sza_max: float = 80.0, snow_ice_min: float = 0.999) -> np.ndarray:
    """QC mask with the prefilter bits added to the ingest bits.

    night: SZA >= sza_max (H19 Table 3: > 80 deg is night in the retrieval; a NaN SZA counts as
    night); snow_ice: MODIS snow/ice diagnostic < snow_ice_min (H19: "< 0.999 is snow/ice");
    mixed_surface: SurfaceIndex 2 (H19 Table 3 note).
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
