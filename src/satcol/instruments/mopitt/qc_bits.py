"""The QC bits of MOPITT: the H19 prefilter (Sect. 3.1-3.2) and one bit per filter field (Table 3).

Bit numbers are fixed (products written before the per-instrument registries carry the same
bits): 0 the core ``input_fill``; 1-3 the prefilter; 4-26 the filters, in :data:`FILTER_FIELDS`
order.
"""

from __future__ import annotations

from satcol.core.qcbits import QCBit, QCRegistry

#: Fields a filter may act on (config filters.*), in bit order from bit 4.
FILTER_FIELDS = (
    "emis_diff", "dof", "tsurf_diff", "emis_err", "modis_snow_ice", "mean_ak", "max_adjacent_diff",
    "snr_5a", "snr_6a", "snr_7a", "anomaly_sum", "sza", "trace_total_cov", "trace_meas_cov",
    "trace_smooth_cov", "chi2", "dem", "iterations", "airmass", "xco_err", "vza", "psurf", "pixel",
)
#: The bits of the snow/ice prefilter (:func:`satcol.instruments.mopitt.prefilter.prefilter_qc`).
PREFILTER_BITS = ("night", "snow_ice", "mixed_surface")

BITS: tuple[QCBit, ...] = (
    QCBit(1, "night", "solar zenith angle >= prefilter.sza_max (80 deg): night in the retrieval (H19 Table 3)", "prefilter"),
    QCBit(2, "snow_ice", "MODIS snow/ice diagnostic < prefilter.snow_ice_min (0.999) (H19 Sect. 3.1)", "prefilter"),
    QCBit(3, "mixed_surface", "mixed land/water footprint (SurfaceIndex 2) (H19 Table 3 note)", "prefilter"),
) + tuple(
    QCBit(4 + i, f"filter_{name}", f"excluded by a filter on {name} (config filters.mode)", "filters")
    for i, name in enumerate(FILTER_FIELDS)
)

QC_REGISTRY = QCRegistry("mopitt", BITS, prefilter=PREFILTER_BITS)
