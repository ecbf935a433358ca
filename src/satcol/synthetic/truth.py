"""The synthetic truth CO field and the two a priori climatologies.

The truth is a smooth analytic function of (lat, lon, time, pressure): a latitude- and
season-dependent background with a vertical profile, a slow interannual trend, and fire and
urban plumes with their own seasons and vertical shapes. It can be evaluated anywhere, so the
same truth feeds the MOPITT-like soundings, the TCCON-like sites and, later, the closed-loop
test of the observation operator. Values are dry-air mole fractions in ppb.
"""

from __future__ import annotations

import numpy as np

from satcol.core.timeutil import SECONDS_PER_YEAR

#: Reference epoch of the interannual trend (decimal year).
TREND_EPOCH = 2010.0
#: Interannual relative trend of the background (fraction per year); MOPITT shows a
#: decline of roughly half a percent to one percent per year over the 2000s.
TREND_PER_YEAR = -0.006

# Plume sources: lat, lon, radius_km, amplitude_ppb, kind, peak day-of-year, season width (days).
# kind "urban": boundary-layer enhancement all year; "fire": lofted, seasonal.
_SOURCES = np.array(
    [
        # lat     lon     radius  amp   kind  peak  width
        (34.0, 114.0, 900.0, 90.0, 0, 30.0, 0.0),    # eastern China
        (26.0, 82.0, 800.0, 60.0, 0, 30.0, 0.0),     # Indo-Gangetic plain
        (40.0, -80.0, 700.0, 25.0, 0, 30.0, 0.0),    # eastern US
        (50.0, 8.0, 600.0, 20.0, 0, 30.0, 0.0),      # western Europe
        (34.0, -118.0, 120.0, 45.0, 0, 200.0, 0.0),  # Los Angeles basin
        (19.4, -99.1, 150.0, 50.0, 0, 60.0, 0.0),    # Mexico City
        (-8.0, 22.0, 1200.0, 110.0, 1, 220.0, 45.0), # southern Africa fires (Jun-Sep)
        (8.0, 10.0, 1000.0, 90.0, 1, 15.0, 40.0),    # northern Africa fires (Dec-Feb)
        (-9.0, -58.0, 1000.0, 100.0, 1, 255.0, 35.0),# Amazon fires (Aug-Oct)
        (-2.0, 112.0, 900.0, 120.0, 1, 270.0, 30.0), # Indonesia (Sep-Oct)
        (60.0, 115.0, 1300.0, 60.0, 1, 205.0, 30.0), # Siberia (Jul-Aug)
        (55.0, -115.0, 900.0, 40.0, 1, 200.0, 30.0), # boreal North America
    ]
)

_EARTH_RADIUS_KM = 6371.0


def decimal_year(unix_seconds) -> np.ndarray:
    """Decimal year of POSIX seconds (UTC), good to well under a day."""
    t = np.asarray(unix_seconds, dtype=np.float64)
    return 1970.0 + t / SECONDS_PER_YEAR


def day_of_year(unix_seconds) -> np.ndarray:
    """Fractional day of year (0-based) of POSIX seconds."""
    dy = decimal_year(unix_seconds)
    return (dy - np.floor(dy)) * 365.25


def _unit_vectors(lat, lon):
    la = np.radians(lat)
    lo = np.radians(lon)
    return np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=-1)


def _zonal_seasonal_ppb(lat, doy, centre, width, base_sh, nh_excess, amp_nh, peak_nh, amp_sh, peak_sh):
    """A zonal CO climatology (ppb): a tanh transition from the SH to the NH level centred at
    ``centre`` deg N over ``width`` deg, with an annual cycle per hemisphere (amplitude ppb, day
    of year of the peak)."""
    lat = np.asarray(lat, dtype=np.float64)
    nh = 0.5 * (1.0 + np.tanh((lat - centre) / width))
    base = base_sh + nh_excess * nh
    season_nh = amp_nh * nh * np.cos(2 * np.pi * (doy - peak_nh) / 365.25)
    season_sh = amp_sh * (1.0 - nh) * np.cos(2 * np.pi * (doy - peak_sh) / 365.25)
    return base + season_nh + season_sh


def background_surface_ppb(lat, doy) -> np.ndarray:
    """Lower-tropospheric background: ~55 ppb in the SH, ~100 ppb in the NH, NH spring peak."""
    return _zonal_seasonal_ppb(lat, doy, 5.0, 15.0, 60.0, 42.0, 22.0, 80.0, 7.0, 275.0)


#: Above 100 hPa the background falls off as p^STRAT_EXPONENT. With 0.6 the mean VMR of the
#: 50-0 hPa layer is 0.49 of the 100-50 hPa layer's, close to the 0.48 MOPITT assumes (V5 User's
#: Guide via H19 Sect. 2.1), and that layer holds ~1 % of the column (H19: 1.2 +- 0.4 %).
#: A CO-rich stratosphere would make MOPITT's column convention miss ~1.3 % of the true column.
STRAT_EXPONENT = 0.6


#: Reference surface pressure of the background's vertical profile (hPa).
SHAPE_REFERENCE_HPA = 1013.25


def vertical_shape(p_hpa, psurf_hpa) -> np.ndarray:
    """Relative vertical profile of the background, a function of pressure alone: 1 at
    SHAPE_REFERENCE_HPA (and below), ~0.45 at 100 hPa, then falling as
    (p / 100 hPa)^STRAT_EXPONENT above 100 hPa.

    The free troposphere does not follow the terrain: over a surface at 900 hPa the background
    at 500 hPa is the same as over the sea, and the surface value is the sea-level profile's
    value at 900 hPa. (Terrain-following boundary-layer structure comes from the urban plumes.)
    An earlier version normalised the whole troposphere to the local surface pressure; then two
    columns 30 hPa apart in surface pressure differed in column-average VMR by ~1.3 % more than
    the surface-pressure adjustment of H19 Sect. 4.1 accounts for (0.045 % per hPa), and because
    the synthetic land (250 m base) lies 10-40 hPa above most TCCON sites, MOPITT land soundings
    compared 0.45 % higher than water soundings against the same site (issue 19 item 9).
    ``psurf_hpa`` does not change the values; the result has the broadcast shape of both.
    """
    p = np.asarray(p_hpa, dtype=np.float64)
    shape = np.broadcast_shapes(p.shape, np.shape(psurf_hpa))
    s = np.clip((np.maximum(p, 100.0) - 50.0) / (SHAPE_REFERENCE_HPA - 50.0), 0.0, 1.0)
    trop = 0.40 + 0.60 * s**0.8
    return np.broadcast_to(trop * np.clip(p / 100.0, 0.0, 1.0) ** STRAT_EXPONENT, shape)


def plume_enhancement(lat, lon, doy, p_hpa, psurf_hpa, amplitude_scale=1.0, radius_scale=1.0):
    """Sum of the plume enhancements (ppb).

    ``lat``, ``lon``, ``doy`` and ``psurf_hpa`` share a shape S; ``p_hpa`` has shape S or
    S + (levels,).
    """
    lat = np.asarray(lat, dtype=np.float64)
    p = np.asarray(p_hpa, dtype=np.float64)
    ps = np.asarray(psurf_hpa, dtype=np.float64)
    doy = np.asarray(doy, dtype=np.float64)
    extra = p.ndim > lat.ndim
    if extra:
        ps = ps[..., None]
    r = _unit_vectors(lat, np.asarray(lon, dtype=np.float64))
    total = np.zeros(np.broadcast_shapes(lat.shape + ((1,) if extra else ()), p.shape))
    for slat, slon, radius, amp, kind, peak, width in _SOURCES:
        dist = _EARTH_RADIUS_KM * np.arccos(np.clip(r @ _unit_vectors(slat, slon), -1.0, 1.0))
        weight = amp * amplitude_scale * np.exp(-0.5 * (dist / (radius * radius_scale)) ** 2)
        if kind == 0:  # urban: boundary layer, decays upward over ~150 hPa
            vert = np.exp(-np.clip(ps - p, 0.0, None) / 150.0)
        else:  # fire: seasonal, lofted plume peaking ~250 hPa above the surface
            dd = (doy - peak + 182.625) % 365.25 - 182.625
            weight = weight * np.exp(-0.5 * (dd / width) ** 2)
            vert = np.exp(-0.5 * ((ps - 250.0 - p) / 180.0) ** 2)
        total = total + (weight[..., None] if extra else weight) * vert
    return total


def truth_vmr(lat, lon, unix_seconds, p_hpa, psurf_hpa) -> np.ndarray:
    """Truth CO (ppb) at points. ``p_hpa`` may carry one extra trailing axis (levels)."""
    lat = np.asarray(lat, dtype=np.float64)
    doy = day_of_year(unix_seconds)
    trend = 1.0 + TREND_PER_YEAR * (decimal_year(unix_seconds) - TREND_EPOCH)
    p = np.asarray(p_hpa, dtype=np.float64)
    ps = np.asarray(psurf_hpa, dtype=np.float64)
    extra = p.ndim > lat.ndim
    bg = background_surface_ppb(lat, doy) * trend
    if extra:
        bg = bg[..., None]
        ps_b = ps[..., None]
    else:
        ps_b = ps
    return bg * vertical_shape(p, ps_b) + plume_enhancement(lat, lon, doy, p, ps)


def mopitt_prior_vmr(lat, lon, unix_seconds, p_hpa, psurf_hpa) -> np.ndarray:
    """MOPITT-like a priori (ppb): a monthly climatology with damped, broadened plumes and
    no interannual trend (the real prior is a CAM-chem climatology, H19 Sect. 4.4)."""
    lat = np.asarray(lat, dtype=np.float64)
    doy = np.floor(day_of_year(unix_seconds) / 30.44) * 30.44 + 15.0
    p = np.asarray(p_hpa, dtype=np.float64)
    ps = np.asarray(psurf_hpa, dtype=np.float64)
    extra = p.ndim > lat.ndim
    bg = background_surface_ppb(lat, doy)
    ps_b = ps[..., None] if extra else ps
    if extra:
        bg = bg[..., None]
    # A tropospheric shape of its own (model differences), the same stratospheric fall-off as
    # the truth (the CAM-chem climatology has a stratosphere).
    shape = 0.45 + 0.55 * np.clip((np.maximum(p, 100.0) - 50.0) / (ps_b - 50.0), 0.0, 1.0) ** 0.7
    shape = shape * np.clip(p / 100.0, 0.0, 1.0) ** STRAT_EXPONENT
    return bg * shape + plume_enhancement(lat, lon, doy, p, ps, 0.5, 1.5)


def tccon_climatology_surface_ppb(lat, doy) -> np.ndarray:
    """Lower-tropospheric CO (ppb) of the TCCON-like prior's own zonal climatology: a smoother
    hemispheric contrast than the truth's (transition 10 deg N over 20 deg instead of 5 deg N over
    15 deg), a NH seasonal cycle 2 weeks later and weaker, an SH one 3 weeks earlier."""
    return _zonal_seasonal_ppb(lat, doy, 10.0, 20.0, 62.0, 40.0, 18.0, 95.0, 6.0, 255.0)


def tccon_climatology_shape(p_hpa, psurf_hpa) -> np.ndarray:
    """Relative vertical profile of the TCCON-like prior: 1 at the surface, 0.5 at 100 hPa with a
    more linear fall-off in the troposphere than the truth's (exponent 1.2 instead of 0.8: up to
    ~10 % lower in the mid troposphere), and p^0.8 above 100 hPa (the truth: p^0.6)."""
    p = np.asarray(p_hpa, dtype=np.float64)
    ps = np.asarray(psurf_hpa, dtype=np.float64)
    s = np.clip((np.maximum(p, 100.0) - 50.0) / (ps - 50.0), 0.0, 1.0)
    return (0.50 + 0.50 * s**1.2) * np.clip(p / 100.0, 0.0, 1.0) ** 0.8


def tccon_prior_vmr(lat, unix_seconds, p_hpa, psurf_hpa) -> np.ndarray:
    """TCCON-like (GGG) a priori (ppb): like the GGG priors, a climatology of its own, a smooth
    function of latitude, season and pressure (:func:`tccon_climatology_surface_ppb` x
    :func:`tccon_climatology_shape`) with no plumes or trend, and a vertical shape that is not the
    truth's: the TCCON retrieval's prior-shape error is part of the OSSE.

    The upper-tropospheric shape matters for method II at the 0.5 % level: with a prior 15 %
    too high around 150-300 hPa, where MOPITT's averaging kernel is small, method II recovered
    the global scale 0.6 % high (docs/mopitt-h19.md, "TCCON validation (H19 Sect. 4)")."""
    lat = np.asarray(lat, dtype=np.float64)
    doy = day_of_year(unix_seconds)
    p = np.asarray(p_hpa, dtype=np.float64)
    ps = np.asarray(psurf_hpa, dtype=np.float64)
    bg = tccon_climatology_surface_ppb(lat, doy)
    if p.ndim > lat.ndim:
        bg = bg[..., None]
        ps = ps[..., None]
    return np.maximum(bg * tccon_climatology_shape(p, ps), 8.0)
