"""The MOPITT vertical grid and pressure weighting function.

MOPITT V5-V9 L2 profiles live on a floating surface level plus nine fixed levels
(900, 800, ..., 100 hPa). Each value is the mixing ratio of the layer *above* its level
(MOPITT L2 file specification; docs/methods.md section 4). Fixed levels at or below the surface
(p >= surface pressure) are not retrieved and carry fill values.

Throughout satcol, MOPITT profile arrays have 10 slots in product order:
slot 0 = surface level, slots 1..9 = 900..100 hPa; dropped slots are NaN.
"""

from __future__ import annotations

import numpy as np

# The grid's constants belong to the MOPITT instrument (satcol.instruments.mopitt.format); the
# names below are kept for the code that imports them from here.
from satcol.instruments.mopitt.format import N_LEVELS, PRESSURE_GRID, TOP_LAYER_FACTOR  # noqa: F401

#: Dry-air molecules per cm^2 per hPa of pressure thickness per unit VMR:
#: N_A * 100 / (g * M_air * 1e4) with g = 9.81, M_air = 0.02897 kg/mol. The GEOS-Chem adjoint
#: MOPITT operator uses the same constant, 2.12e22 (docs/methods.md section 4).
MOLEC_PER_CM2_PER_HPA = 2.12e22


def level_pressures(psurf: np.ndarray) -> np.ndarray:
    """Pressure (hPa) of the 10 MOPITT level slots for each surface pressure; NaN where dropped.

    Slot 0 is the floating surface level (= psurf); slot k (1..9) is ``PRESSURE_GRID[k-1]``,
    kept only where it lies above the surface (p < psurf).
    """
    psurf = np.asarray(psurf, dtype=np.float64)
    p = np.empty(psurf.shape + (N_LEVELS,), dtype=np.float64)
    p[..., 0] = psurf
    fixed = np.broadcast_to(PRESSURE_GRID, psurf.shape + (9,))
    p[..., 1:] = np.where(fixed < psurf[..., None], fixed, np.nan)
    return p


def valid_levels(psurf: np.ndarray) -> np.ndarray:
    """Boolean mask (..., 10) of retrieved level slots."""
    return np.isfinite(level_pressures(psurf))


def layer_thickness(psurf: np.ndarray, p: np.ndarray | None = None) -> np.ndarray:
    """Effective pressure thickness (hPa) of the layer above each level slot; 0 where dropped.

    The surface layer runs from psurf to the first fixed level above it; fixed-level layers
    are 100 hPa thick; the 100 hPa layer is 100->50 hPa plus the 50->0 hPa layer at
    ``TOP_LAYER_FACTOR`` of its VMR, i.e. an effective 50 + 0.48 * 50 = 74 hPa
    (H19 Sect. 2.1 and App. B; GEOS-Chem adjoint ``mopitt_obs_mod.f`` DELP; docs/methods.md sect. 4).
    ``p``: :func:`level_pressures` of ``psurf`` when the caller has it already.
    """
    p = level_pressures(psurf) if p is None else p
    valid = np.isfinite(p)
    dp = np.zeros_like(p)
    # Fixed levels 900..200 hPa: 100 hPa layers; the 100 hPa level: 74 hPa effective.
    dp[..., 1:9] = np.where(valid[..., 1:9], 100.0, 0.0)
    dp[..., 9] = 50.0 + TOP_LAYER_FACTOR * 50.0
    # Surface layer: psurf down to the first retrieved fixed level (highest pressure < psurf).
    first_fixed = np.where(valid[..., 1:], p[..., 1:], -np.inf).max(axis=-1)
    dp[..., 0] = p[..., 0] - first_fixed
    return dp


def pressure_weights(psurf: np.ndarray, p: np.ndarray | None = None) -> np.ndarray:
    """Pressure weighting function h (..., 10) of H19 Eq. 4 with h_j = dp_j / psurf.

    MOPITT provides no water-vapour profile, so the dry-air weights reduce to pressure
    thicknesses (docs/methods.md section 4). With the 0.48 top-layer convention the 10 effective
    weights sum to 1 - 26/psurf; the 11 physical layers would sum to 1.
    """
    psurf = np.asarray(psurf, dtype=np.float64)
    return layer_thickness(psurf, p) / psurf[..., None]


def column_average(vmr: np.ndarray, psurf: np.ndarray) -> np.ndarray:
    """XCO (same unit as ``vmr``) = sum_j h_j x_j, H19 Eq. 4; NaN slots are ignored."""
    h = pressure_weights(psurf)
    return np.nansum(h * np.where(np.isfinite(vmr), vmr, 0.0), axis=-1)


def level_pressure_weights(p_levels: np.ndarray) -> np.ndarray:
    """Pressure weights on *levels* (sum 1) for a profile varying linearly in pressure.

    Layer weights are dry-air-free pressure thicknesses dp_i / sum(dp); level weights are the
    half-sums of the adjacent layers, h_0 = h_lay,0 / 2, h_i = (h_lay,i-1 + h_lay,i) / 2,
    h_N = h_lay,N-1 / 2 (OCO-2 L2 code ``pressure_weighting_function_grid``; Connor et al.
    2008; O'Dell et al. 2012 App. A; docs/methods.md sect. 4). ``p_levels`` (..., L) must be
    ordered from the surface upward; NaN levels get zero weight.
    """
    p = np.asarray(p_levels, dtype=np.float64)
    dp = -np.diff(p, axis=-1)
    dp = np.where(np.isfinite(dp), dp, 0.0)
    h_lay = dp / np.sum(dp, axis=-1, keepdims=True)
    h = np.zeros(p.shape)
    h[..., :-1] += 0.5 * h_lay
    h[..., 1:] += 0.5 * h_lay
    return h
