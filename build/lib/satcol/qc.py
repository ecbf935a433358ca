"""The QC bitmask: one bit per reason a sounding is flagged, registered here and nowhere else.

Flag, don't drop: every ingested sounding stays in every product with its bitmask; a sounding
is *kept* when its mask is 0. Stages add their bits to ``QC_BITS``; the CF attributes
``flag_masks``/``flag_meanings`` are generated from this table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

QC_DTYPE = np.uint32


@dataclass(frozen=True)
class QCBit:
    bit: int
    name: str
    meaning: str
    stage: str

    @property
    def mask(self) -> int:
        return 1 << self.bit


#: Registered bits, in bit order. Names are CF flag_meanings tokens (no blanks).
_FILTER_FIELDS = (
    "emis_diff", "dof", "tsurf_diff", "emis_err", "modis_snow_ice", "mean_ak", "max_adjacent_diff",
    "snr_5a", "snr_6a", "snr_7a", "anomaly_sum", "sza", "trace_total_cov", "trace_meas_cov",
    "trace_smooth_cov", "chi2", "dem", "iterations", "airmass", "xco_err", "vza", "psurf", "pixel",
)

QC_BITS: tuple[QCBit, ...] = (
    QCBit(0, "input_fill", "a field the pipeline needs is fill/NaN for this sounding", "ingest"),
    QCBit(1, "night", "solar zenith angle >= prefilter.sza_max (80 deg): night in the retrieval (H19 Table 3)", "prefilter"),
    QCBit(2, "snow_ice", "MODIS snow/ice diagnostic < prefilter.snow_ice_min (0.999) (H19 Sect. 3.1)", "prefilter"),
    QCBit(3, "mixed_surface", "mixed land/water footprint (SurfaceIndex 2) (H19 Table 3 note)", "prefilter"),
) + tuple(
    QCBit(4 + i, f"filter_{name}", f"excluded by a filter on {name} (config filters.mode)", "filters")
    for i, name in enumerate(_FILTER_FIELDS)
)
PREFILTER_BITS = ("night", "snow_ice", "mixed_surface")


def filter_bit(field: str) -> str:
    """Name of the QC bit that a filter on ``field`` sets."""
    name = f"filter_{field}"
    if name not in _BY_NAME:
        raise KeyError(f"no QC bit registered for filters on field {field!r}")
    return name

_BY_NAME = {b.name: b for b in QC_BITS}
assert len(_BY_NAME) == len(QC_BITS), "duplicate QC bit name"
assert len({b.bit for b in QC_BITS}) == len(QC_BITS), "duplicate QC bit number"


def mask_of(name: str) -> int:
    """The integer mask of a registered bit; KeyError names the unknown bit."""
    try:
        return _BY_NAME[name].mask
    except KeyError:
        raise KeyError(f"unknown QC bit {name!r}; registered: {sorted(_BY_NAME)}") from None


def set_bit(qc: np.ndarray, name: str, where: np.ndarray) -> np.ndarray:
    """Set bit ``name`` in ``qc`` (in place) where ``where`` is true; returns qc."""
    qc[np.asarray(where, dtype=bool)] |= QC_DTYPE(mask_of(name))
    return qc


def any_of(qc: np.ndarray, names) -> np.ndarray:
    """Boolean: any of the named bits set."""
    m = 0
    for n in names:
        m |= mask_of(n)
    return (np.asarray(qc, dtype=QC_DTYPE) & QC_DTYPE(m)) != 0


def counts_per_bit(qc: np.ndarray) -> dict[str, int]:
    """Number of soundings with each registered bit set (a sounding may count under several)."""
    qc = np.asarray(qc, dtype=QC_DTYPE)
    return {b.name: int(np.count_nonzero(qc & QC_DTYPE(b.mask))) for b in QC_BITS}


def counts_only_bit(qc: np.ndarray) -> dict[str, int]:
    """Number of soundings flagged by each bit and by no other (what that bit alone removes)."""
    qc = np.asarray(qc, dtype=QC_DTYPE)
    return {b.name: int(np.count_nonzero(qc == QC_DTYPE(b.mask))) for b in QC_BITS}


def cf_flag_attributes() -> dict:
    """CF-1.8 attributes for the QC variable (flag_masks / flag_meanings)."""
    return {
        "long_name": "quality control bitmask (0 = kept)",
        "flag_masks": np.array([b.mask for b in QC_BITS], dtype=QC_DTYPE),
        "flag_meanings": " ".join(b.name for b in QC_BITS),
        "comment": "; ".join(f"bit {b.bit} {b.name}: {b.meaning} (set by {b.stage})" for b in QC_BITS),
    }
