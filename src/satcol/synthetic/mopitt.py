"""Simulate one day of MOPITT-like L2 soundings from the truth, with injected artefacts.

Returns the product datasets (by their real MOP02J names, in product units) and a truth
table with what was injected per sounding (``*-truth.parquet`` beside the files; the pipeline
never reads it except to score recovery in results/osse/).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from scipy.special import ndtri

from satcol.core import timeutil
from satcol.core.errors import ConfigError
from satcol.instruments.mopitt import format as mopitt_format
from satcol.instruments.mopitt import levels
from satcol.instruments.mopitt.reader import max_adjacent_retrieved_difference
from satcol.synthetic import (
    calendar,
    geometry,
    retrieval,
    truth,
)

#: Level1RadiancesandErrors elements of the V9 layout (docs/formats-mopitt.md): 5A, 5D, 6A, 6D
#: and the two further TIR signals the real file holds (0 and 7); every other element is fill,
#: and 6A/6D are fill at night. V9 holds no 7A: the retrieval's third channel is written nowhere.
L1_ELEMENT = mopitt_format.L1_ELEMENT_V9
L1_OTHER_TIR = {0: 8000.0, 7: 1100.0}  # element -> median SNR in the real sample
N_L1 = mopitt_format.N_L1
N_MODIS = mopitt_format.N_MODIS_V9
#: MODISCloudDiagnostics elements of the V9 layout: 0 MODIS pixel count, 1 cloudy percent,
#: 2-4 clear percents (2 <= 3 <= 4, 4 = 100 - cloudy), 5 sun-glint-free fraction, 6 snow/ice-free
#: fraction (H19's snow/ice diagnostic, 0-1, 1 = free of snow/ice), 7-10 further 0-1
#: fractions, 11 = 1 (docs/formats-mopitt.md).
MODIS_SNOW_ICE_ELEMENT = mopitt_format.MODIS_SNOW_ICE_ELEMENT_V9


def _pixel_values(mapping: dict, pixel: np.ndarray) -> np.ndarray:
    table = np.array([float(mapping[str(p)]) for p in range(1, 5)])
    return table[pixel - 1]


def _surface_pixel_values(mapping: dict, pixel: np.ndarray, land: np.ndarray) -> np.ndarray:
    return np.where(land, _pixel_values(mapping["land"], pixel), _pixel_values(mapping["water"], pixel))


def pixel_bias_ppb(truth_cfg: dict, pixel, unix_t, record_start: dt.date, land=None) -> np.ndarray:
    """Injected absolute pixel bias b_p(t) (ppb) of soundings of ``pixel`` (1-4) at POSIX time
    ``unix_t`` over land (``land`` True) or water:

        b_p(t) = offset_p + trend_p y + curvature_p y^2 + step_p n_events(t)
                 + A_{p,s} cos(2 pi (doy(t) - phase_p) / 365.25)

    with y the years since ``record_start`` and doy the day of year. The seasonal amplitude
    A_{p,s} (``pixel_seasonal_ppb``, per surface s) and the day of its maximum (``phase_p``,
    ``pixel_seasonal_phase_day``) stand for the seasonal pixel differences H19 see (Sect. 3.4:
    about 1.5 ppb over land); the curvature (``pixel_curvature_ppb_per_year2``) is a slow
    nonlinearity that no line fits exactly. ``land`` None means land for every sounding.
    """
    t = np.asarray(unix_t, dtype=np.float64)
    pixel = np.asarray(pixel)
    land = np.ones(pixel.shape, dtype=bool) if land is None else np.asarray(land, dtype=bool)
    years = (t - timeutil.day_start_unix(record_start)) / truth.SECONDS_PER_YEAR
    bias = _pixel_values(truth_cfg["pixel_bias_ppb"], pixel)
    bias = bias + _pixel_values(truth_cfg["pixel_trend_ppb_per_year"], pixel) * years
    bias = bias + _pixel_values(truth_cfg["pixel_curvature_ppb_per_year2"], pixel) * years**2
    step = _pixel_values(truth_cfg["pixel_bias_step_ppb"], pixel)
    for ev in truth_cfg["instrument_events"]:
        after = t >= timeutil.day_start_unix(calendar.parse_date(ev))
        bias = bias + np.where(after, step, 0.0)
    amp = _surface_pixel_values(truth_cfg["pixel_seasonal_ppb"], pixel, land)
    phase = _pixel_values(truth_cfg["pixel_seasonal_phase_day"], pixel)
    return bias + amp * np.cos(2.0 * np.pi * (truth.day_of_year(t) - phase) / 365.25)


def feature_bias_ppb(fb: dict, feature_ppb, is_land) -> np.ndarray:
    """Injected piecewise-linear bias against the max adjacent-level difference f (land only):
    intercept + slope_below (f - breakpoint) below the breakpoint, intercept + slope_above
    (f - breakpoint) above it (ppb). The default breakpoint lies between the candidate
    breakpoints of config/filters/candidates.yaml, and the bias at the breakpoint is the
    intercept, not zero: the fitted form (zero at a grid breakpoint) is not the truth's."""
    d = np.asarray(feature_ppb) - fb["breakpoint_ppb"]
    b = fb["intercept_ppb"] + np.where(d < 0, fb["slope_below"] * d, fb["slope_above"] * d)
    return np.where(is_land, b, 0.0)


def outlier_factor(value, reference, exponent) -> np.ndarray:
    """Smooth growth of an outlier population's bias as ``value`` (SNR 5A or DOF) falls:
    2 r^k / (1 + r^k) with r = reference / value and k = ``exponent``. It is 1 at the reference
    (the H19 Table 3 threshold), tends to 2 far below it and to 0 far above it, with no step
    anywhere: a threshold filter removes most but not all of the harm."""
    r = float(reference) / np.maximum(np.asarray(value, dtype=np.float64), 1e-6)
    rk = np.minimum(r, 1e6) ** float(exponent)
    return 2.0 * rk / (1.0 + rk)


def max_adjacent_difference(vmr) -> np.ndarray:
    """max_i |x_{i+1} - x_i| over adjacent *retrieved* levels (ppb), H19 Table 3: the reader's own
    definition (:func:`satcol.instruments.mopitt.reader.max_adjacent_retrieved_difference`), so that the injected
    feature bias is a function of the feature exactly as the pipeline computes it."""
    return max_adjacent_retrieved_difference(vmr)


def correlated_error_field(lat, lon, orbit, seed: int, day_index: int, length_km: float, n_modes: int = 128):
    """A unit-variance random field with exponential correlation exp(-d / length_km) in chord
    distance d, drawn afresh for every orbit (overpass) of every day.

    Random Fourier features: with wavevectors k = z / (L sqrt(w)), z ~ N(0, I_3), w ~ chi2(1)
    (a trivariate Cauchy, whose characteristic function is exp(-|r| / L)), the field
    sqrt(2 / M) sum_m cos(k_m . r + phi_m) has covariance E[cos(k . dr)] = exp(-|dr| / L).
    """
    lat = np.asarray(lat, dtype=np.float64)
    out = np.zeros(lat.shape)
    if length_km <= 0:
        return out
    r = geometry.EARTH_RADIUS_KM * np.stack(
        [np.cos(np.radians(lat)) * np.cos(np.radians(lon)), np.cos(np.radians(lat)) * np.sin(np.radians(lon)),
         np.sin(np.radians(lat))], axis=-1)
    for o in np.unique(orbit):
        m = orbit == o
        rng = np.random.default_rng([seed, day_index, int(o), 7])
        k = rng.standard_normal((n_modes, 3)) / (length_km * np.sqrt(rng.chisquare(1.0, n_modes)))[:, None]
        phase = rng.uniform(0.0, 2.0 * np.pi, n_modes)
        out[m] = np.sqrt(2.0 / n_modes) * np.cos(r[m] @ k.T + phase).sum(axis=1)
    return out


def _ramp(x, width):
    """0 for x <= -width/2, 1 for x >= width/2, linear in between."""
    return np.clip(x / width + 0.5, 0.0, 1.0)


def snow_ice_cover(lat, doy, land, alt, wiggle, edge_width_deg: float) -> np.ndarray:
    """True snow/ice cover fraction of each footprint (0-1): seasonal NH snowline and sea-ice
    edges, Antarctica and high mountains, each edge a linear ramp ``edge_width_deg`` wide in
    latitude (300 m per degree in altitude), so that footprints near the edges are partly
    covered."""
    w = max(float(edge_width_deg), 1e-6)
    season = np.cos(2 * np.pi * (doy - 15.0) / 365.25)  # +1 mid-January, -1 mid-July
    nh_snowline = 60.0 - 15.0 * season + 2.0 * wiggle
    mountain = (alt - (3800.0 - 800.0 * season)) / 300.0
    land_snow = np.maximum.reduce([_ramp(lat - nh_snowline, w), _ramp(-60.0 - lat, w), _ramp(mountain, w)])
    nh_ice = 72.0 - 6.0 * season + 2.0 * wiggle
    sh_ice = -65.0 + 5.0 * np.cos(2 * np.pi * (doy - 196.0) / 365.25) - 2.0 * wiggle
    sea_ice = np.maximum(_ramp(lat - nh_ice, w), _ramp(sh_ice - lat, w))
    return np.where(land, land_snow, sea_ice)


def snow_ice_free_diagnostic(rng, cover, snow_cfg: dict) -> np.ndarray:
    """The file's snow/ice-free fraction (MODISCloudDiagnostics element 6, 1 = free) from the true
    cover: 1 - cover with a MODIS error of ``noise`` (0-1 units) where the cover is partial,
    0 where it is full; then misclassified: a fraction ``missed_fraction`` of the covered
    footprints reports 1.0 (snow/ice missed) and a fraction ``false_fraction`` of the free ones
    reports partial cover (0-0.99)."""
    n = cover.size
    partial = (cover > 0.0) & (cover < 1.0)
    free = np.where(partial, np.clip(1.0 - cover + float(snow_cfg["noise"]) * rng.standard_normal(n), 0.0, 1.0),
                    1.0 - cover)
    covered = cover > 0.0
    missed = covered & (rng.random(n) < float(snow_cfg["missed_fraction"]))
    false = ~covered & (rng.random(n) < float(snow_cfg["false_fraction"]))
    free = np.where(missed, 1.0, free)
    return np.where(false, rng.uniform(0.0, 0.99, n), free)


def _daily_gain_dev(rng):
    """DailyGainDev (4 pixels, 8 channels, value/error), W m-2 sr-1: only channels 5 and 7 (the
    working thermal channels) hold values, of the real sample's magnitudes; the rest is fill."""
    g = np.full((4, 8, 2), np.nan)
    g[:, 4, :] = 5e-8 * np.exp(rng.normal(0.0, 0.7, (4, 2)))
    g[:, 6, :] = 1e-9 * np.exp(rng.normal(0.0, 0.1, (4, 1))) * np.array([1.0, 12.0])
    return g


def _modis_diagnostics(rng, n, snow_free, land, day_side, sza):
    """The 12 MODISCloudDiagnostics of the V9 layout with values like the real sample's
    (docs/formats-mopitt.md): percents in 1-4, 0-1 fractions in 5-11, element 6 the
    snow/ice-free fraction ``snow_free`` (:func:`snow_ice_free_diagnostic`). A few night
    soundings are fill."""
    m = np.empty((n, N_MODIS), dtype=np.float64)
    m[:, 0] = np.round(rng.normal(505.0, 20.0, n))
    cloudy = np.clip(100.0 * rng.beta(0.35, 4.0, n), 0.0, 100.0)
    m[:, 1] = cloudy
    m[:, 4] = 100.0 - cloudy
    m[:, 3] = m[:, 4] * rng.uniform(0.8, 1.0, n)
    m[:, 2] = m[:, 3] * rng.uniform(0.0, 1.0, n)
    glint = ~land & day_side & (sza < 40.0) & (rng.random(n) < 0.5)
    m[:, 5] = np.where(glint, 0.0, 1.0)
    m[:, MODIS_SNOW_ICE_ELEMENT] = snow_free
    for e in (7, 8, 9, 10):
        m[:, e] = np.where(rng.random(n) < 0.5, np.round(rng.random(n)), rng.random(n))
    m[:, 11] = 1.0
    m[~day_side & (rng.random(n) < 0.003)] = np.nan
    return m.astype(np.float32)


def simulate_day(day: dt.date, syn: dict):
    """All clear-sky soundings of the selected orbits of ``day``; returns (fields, truth_table)."""
    truth_cfg = syn["truth"]
    seed = int(syn["seed"])
    di = calendar.day_index(day)
    rng = np.random.default_rng([seed, di])
    t0 = timeutil.day_start_unix(day)
    orbits = geometry.select_orbits(di, int(syn["orbits_per_day"]))
    nodes = geometry.orbit_node_times(t0, di, orbits)
    parts = [geometry.swath_footprints(tn, int(o)) for tn, o in zip(nodes, orbits, strict=True)]
    fp = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}

    # Clouds: a coherent large-scale field, mesoscale texture and a latitude climatology.
    lat, lon = fp["lat"], fp["lon"]
    big = geometry.smooth_field(lat, lon, seed * 7919 + di, (400.0, 4000.0))
    small = geometry.smooth_field(lat, lon, seed * 104729 + di, (60.0, 250.0))
    alat = np.abs(lat)
    clim = 0.6 * np.exp(-(((alat - 25.0) / 10.0) ** 2)) - 0.4 * np.exp(-((lat / 7.0) ** 2))
    clim -= 0.3 * np.exp(-(((alat - 55.0) / 8.0) ** 2))
    clearness = (0.85 * big + 0.45 * small + clim) / 1.0
    clear = clearness > ndtri(1.0 - float(syn["clear_fraction"]))
    order = np.argsort(fp["time"][clear], kind="stable")
    s = {k: v[clear][order] for k, v in fp.items()}
    n = s["time"].size
    lat, lon, t = s["lat"], s["lon"], s["time"]
    pixel = s["pixel"]

    alat = np.abs(lat)
    sza = geometry.solar_zenith(t, lat, lon)
    day_side = sza < 80.0
    surface = geometry.surface_type(lat, lon)
    land = surface >= 1  # mixed footprints behave like land here
    dem = geometry.surface_altitude(lat, lon, land)
    synoptic = geometry.smooth_field(lat, lon, seed * 31 + di, (1500.0, 5000.0), n_modes=12)
    psurf = 1013.25 * np.exp(-dem / 8400.0) + 7.0 * synoptic
    doy = truth.day_of_year(t)
    wiggle = geometry.smooth_field(lat, lon, seed * 17 + di, (300.0, 1500.0), n_modes=12)
    snow_cfg = truth_cfg["snow_ice"]
    cover = snow_ice_cover(lat, doy, land, dem, wiggle, snow_cfg["edge_width_deg"])
    snow_ice = cover > 0.0

    # Surface temperature and thermal contrast (K).
    t_air = 288.0 - 40.0 * np.sin(np.radians(lat)) ** 2 - dem * 0.0065
    t_air += 8.0 * np.cos(2 * np.pi * (doy - 200.0) / 365.25) * np.sign(lat) * np.clip(alat / 60.0, 0, 1)
    tc = np.where(land, np.where(day_side, 4.0 + 8.0 * np.cos(np.radians(np.minimum(sza, 89.0))), -3.0), 0.5)
    tc = tc + rng.normal(0.0, np.where(land, 2.0, 1.0))
    ts_true = t_air + tc

    # Channel SNRs (radiance / error). Pixel 3 is the noisiest detector (H19 Sect. 3.3).
    pix_factor = np.array([1.0, 1.05, 0.72, 0.98])[pixel - 1]
    snr5 = np.where(land, 1500.0, 1650.0) * pix_factor * np.exp(rng.normal(0.0, 0.35, n))
    snr5 *= np.where(snow_ice, 0.8, 1.0)
    cos_sza = np.cos(np.radians(np.minimum(sza, 89.9)))
    snr6 = np.where(day_side, np.where(land & ~snow_ice, 450.0, 70.0) * np.sqrt(cos_sza), 4.0)
    snr6 *= pix_factor * np.exp(rng.normal(0.0, 0.3, n))
    snr7 = 0.6 * snr5 * np.exp(rng.normal(0.0, 0.1, n))

    # Truth and priors as MOPITT layer means, then the OE retrieval.
    x_true = retrieval.layer_means(truth.truth_vmr, lat, lon, t, psurf)
    x_prior = retrieval.layer_means(truth.mopitt_prior_vmr, lat, lon, t, psurf)
    W = retrieval.weighting_functions(psurf, np.where(land, tc, 0.0))
    K = W * np.stack([snr5, snr6, snr7], axis=1)[:, :, None]
    sa = retrieval.prior_covariance(psurf)
    valid = levels.valid_levels(psurf)
    log_true = np.where(valid, np.log10(np.where(valid, x_true, 1.0)), np.nan)
    log_prior = np.where(valid, np.log10(np.where(valid, x_prior, 1.0)), np.nan)
    r = retrieval.retrieve(log_true, np.nan_to_num(log_prior), K, sa, rng)
    h = levels.pressure_weights(psurf)
    x_hat0 = np.where(valid, 10.0 ** r["log_x_hat"], np.nan)
    x_smooth = np.where(valid, 10.0 ** r["log_x_smoothed"], np.nan)
    xco_true = np.nansum(h * np.nan_to_num(x_true), axis=1)
    xco_smoothed = np.nansum(h * np.nan_to_num(x_smooth), axis=1)
    xco0 = np.nansum(h * np.nan_to_num(x_hat0), axis=1)
    dof = r["dof"]

    # Retrieval instability: an oscillating profile perturbation (H19 Sect. 3.4) that leaves XCO
    # unchanged, so the max adjacent-level difference varies without carrying any XCO bias of
    # its own. Only feature_bias ties XCO to that feature. Applied in log10 VMR (the retrieval
    # state: the profile stays positive however large the oscillation) and rescaled so that
    # sum h x is exactly the unperturbed column.
    osc_scale = np.where(land, 0.09, 0.04)
    osc = rng.exponential(osc_scale) * np.where(rng.random(n) < 0.5, -1.0, 1.0)
    alternating = np.where(np.arange(levels.N_LEVELS) % 2 == 0, 1.0, -1.0)[None, :]
    x_osc = np.nan_to_num(x_hat0) * 10.0 ** (osc[:, None] * alternating)
    x_hat0 = np.where(valid, x_osc * (xco0 / np.sum(h * x_osc, axis=1))[:, None], np.nan)
    xco0 = np.nansum(h * np.nan_to_num(x_hat0), axis=1)

    # Injected artefacts (ppb on XCO), applied as a uniform scaling of the retrieved profile so
    # that profile, column and XCO stay consistent: XCO_final = g * XCO_0 + delta.
    g = float(truth_cfg["global_scale"])
    record_start = calendar.parse_date(syn["start"])
    b_pixel = pixel_bias_ppb(truth_cfg, pixel, t, record_start, land)
    # The snow/ice bias scales with the true cover (partly covered footprints carry part of it),
    # whatever the file's diagnostic says.
    b_snow = cover * _pixel_values(truth_cfg["snow_ice_bias_ppb"], pixel)
    # Outlier populations: bias and scatter grow smoothly as SNR 5A and DOF fall.
    out_cfg = truth_cfg["outliers"]
    b_outlier = np.zeros(n)
    for name, value in (("low_snr5a", snr5), ("low_dof", dof)):
        o = out_cfg[name]
        fac = outlier_factor(value, o["reference"], o["exponent"])
        b_outlier += fac * (o["bias_ppb"] + o["scatter_ppb"] * rng.standard_normal(n))
    low_snr = snr5 < out_cfg["low_snr5a"]["reference"]
    # Forward-model error: random, unbiased, the same fraction at every level, and part of the
    # reported error budget (added to the column error and the error covariance below). Part of
    # it, correlated_error.sigma_ppb, is spatially correlated (e.g. from surface emissivity or
    # aerosol fields that the retrieval gets wrong over tens of km) and independent between
    # overpasses: what makes neighbouring soundings' errors correlated and super-observation
    # errors larger than independent averaging suggests. The rest is independent per sounding.
    fm_ppb = float(syn["forward_model_error_ppb"])
    ce = syn["correlated_error"]
    corr_ppb = float(ce["sigma_ppb"])
    if corr_ppb > fm_ppb:
        raise ConfigError(f"config key synthetic.correlated_error.sigma_ppb ({corr_ppb}) is the correlated part of "
                          f"synthetic.forward_model_error_ppb ({fm_ppb}) and cannot exceed it")
    b_fm = np.sqrt(fm_ppb**2 - corr_ppb**2) * rng.standard_normal(n)
    b_corr = corr_ppb * correlated_error_field(lat, lon, s["track"] // 1000, seed, di, float(ce["length_km"]))
    delta_other = b_pixel + b_snow + b_outlier + b_fm + b_corr
    # The feature bias is a function of the feature as the pipeline will see it, i.e. computed
    # from the final (scaled) profile; solve that fixed point (a contraction: |b' f / X| < 1).
    feature0 = max_adjacent_difference(g * x_hat0)
    gx = g * xco0
    b_feature = np.zeros(n)
    for _ in range(30):
        feature = feature0 * np.maximum(gx + delta_other + b_feature, 0.2 * gx) / gx
        b_feature = feature_bias_ppb(truth_cfg["feature_bias"], feature, surface == 1)
    delta = delta_other + b_feature
    factor = np.maximum((gx + delta) / xco0, 0.2 * g)  # keep VMR positive in pathological outliers
    x_hat = x_hat0 * factor[:, None]
    xco = np.nansum(h * np.nan_to_num(x_hat), axis=1)

    # Errors: column error from S_hat in log space, b_i = ln10 h_i x_hat_i (H19 App. B).
    b = np.log(10.0) * h * np.nan_to_num(x_hat)
    # The forward-model error (sigma = fm, its correlated part included) enters the column
    # error as sigma in ppb, and the log10 error covariance as a fully (vertically) correlated
    # log10(1 + sigma / XCO) at the noise-free column. Neither reported error may depend on the
    # error's own realisation: with the noisy XCO in the log term, soundings with positive
    # errors got smaller log errors and passed the error-covariance filters more often (a
    # selection bias of +0.1 to +0.6 ppb); with a log term carried to ppb through the noisy
    # profile, the reported XCO error would grow with the error itself.
    both = valid[:, :, None] & valid[:, None, :]
    sigma_ppb = fm_ppb
    var_total = np.einsum("ni,nij,nj->n", b, np.where(both, r["S_hat"], 0.0), b) + sigma_ppb**2
    sig_fm = np.log10(1.0 + sigma_ppb / np.maximum(g * xco_smoothed, 1.0))
    r["S_hat"] = r["S_hat"] + (sig_fm**2)[:, None, None] * both
    var_meas = np.einsum("ni,nij,nj->n", b, np.where(valid[:, :, None] & valid[:, None, :], r["S_meas"], 0.0), b)
    var_smooth = np.einsum("ni,nij,nj->n", b, np.where(valid[:, :, None] & valid[:, None, :], r["S_smooth"], 0.0), b)
    sigma_log = np.sqrt(np.clip(np.diagonal(r["S_hat"], axis1=1, axis2=2), 0, None))
    x_err = np.where(valid, x_hat * np.log(10.0) * sigma_log, np.nan)
    prior_err = np.where(valid, x_prior * np.log(10.0) * retrieval.PRIOR_SIGMA_LOG10, np.nan)

    dry_air = levels.MOLEC_PER_CM2_PER_HPA * psurf
    col = xco * 1e-9 * dry_air
    col_prior = np.nansum(h * np.nan_to_num(x_prior), axis=1) * 1e-9 * dry_air
    dp = levels.layer_thickness(psurf)
    A = r["A"]
    # TotalColumnAveragingKernel (molec cm-2 per unit log10 VMR) = 2.12e22 ln10 sum_i dp_i x_i A_ij
    # with x in VMR (GEOS-Chem adjoint CALC_AVGKER; docs/methods.md sect. 5).
    tcak = levels.MOLEC_PER_CM2_PER_HPA * np.log(10.0) * np.einsum("ni,nij->nj", dp * np.nan_to_num(x_hat) * 1e-9, np.where(valid[:, :, None], A, 0.0))

    # Other Table 3 parameters.
    # Emissivities cannot exceed 1 (the real sample's a priori and retrieved values reach 1.0).
    emis_prior = np.minimum(np.where(land, np.where(snow_ice, 0.985, 0.95), 0.985) + rng.normal(0, 0.005, n), 1.0)
    emis_err = np.where(land, 0.025 * np.exp(rng.normal(0, 0.35, n)), 0.006 * np.exp(rng.normal(0, 0.3, n)))
    emis_ret = np.minimum(emis_prior + np.where(land, 0.02, 0.004) * rng.standard_t(4, n), 1.0)
    ts_prior = ts_true + rng.normal(0.0, 2.0, n)
    ts_ret = ts_true + 0.5 * rng.standard_t(4, n) - np.where(~land & (rng.random(n) < 0.03), rng.uniform(3, 8, n), 0.0)
    chi2 = rng.gamma(6.0, 1.0 / 6.0, n) * np.where(low_snr, 1.8, 1.0)
    iterations = np.clip(3 + rng.poisson(2.0, n), 1, 20)
    anomaly = (rng.random((n, 5)) < np.where(land, 0.015, 0.006)[:, None]).astype(np.float32)
    modis = _modis_diagnostics(rng, n, snow_ice_free_diagnostic(rng, cover, snow_cfg), land, day_side, sza)
    l1 = np.full((n, N_L1, 2), np.nan, dtype=np.float32)
    rad5 = 0.09 * np.exp(rng.normal(0.0, 0.15, n))
    for e, (rad, snr) in {3: (rad5, snr5), 4: (3e-4 * np.exp(rng.normal(0, 0.5, n)), 8.0 * np.exp(rng.normal(0, 0.4, n))),
                          9: (0.011 * np.sqrt(cos_sza), snr6), 11: (1.6e-4 * np.sqrt(cos_sza), 25.0 * np.exp(rng.normal(0, 0.3, n)))}.items():
        l1[:, e, 0] = rad
        l1[:, e, 1] = rad / snr
    for e, snr in L1_OTHER_TIR.items():
        rad = (0.108 if e == 0 else 0.021) * np.exp(rng.normal(0.0, 0.15, n))
        l1[:, e, 0] = rad
        l1[:, e, 1] = rad / (snr * np.exp(rng.normal(0.0, 0.2, n)))
    l1[~day_side, 9:12:2, :] = np.nan  # no NIR signal at night
    corr = np.ones((n, N_L1), dtype=np.float32)
    corr[:, 3], corr[:, 7], corr[:, 11] = 1.0597, 1.0447, 0.9984
    corr[:, 4] = np.clip(0.99 - 0.03 * rng.exponential(1.0, n), 0.85, 0.995)
    dp_all = levels.layer_thickness(psurf)
    partial_col = levels.MOLEC_PER_CM2_PER_HPA * dp_all * np.nan_to_num(x_hat) * 1e-9
    with np.errstate(invalid="ignore", divide="ignore"):
        tcak_dimless = np.where(valid, tcak / (np.log(10.0) * partial_col), np.nan)

    def pair(a, b):
        return np.stack([a, b], axis=-1)

    fields = {
        "Latitude": lat, "Longitude": lon,
        "Time": timeutil.unix_to_tai93(t), "SecondsinDay": t - t0,
        "SwathIndex": np.stack([pixel, s["stare"], s["track"]], axis=1).astype(np.int32),
        "SurfaceIndex": surface.astype(np.int32),
        "SolarZenithAngle": sza, "SatelliteZenithAngle": s["vza"],
        "SurfacePressure": psurf,
        "DEMAltitude": dem,
        "RetrievedCOTotalColumn": pair(col, np.sqrt(var_total) * 1e-9 * dry_air),
        "APrioriCOTotalColumn": col_prior,
        "DryAirColumn": dry_air,
        "WaterVaporColumn": dry_air * np.clip(0.025 * np.exp(-(alat / 30.0) ** 2) * np.exp(-dem / 2500.0), 1e-4, None),
        "RetrievedCOSurfaceMixingRatio": pair(x_hat[:, 0], x_err[:, 0]),
        "RetrievedCOMixingRatioProfile": pair(x_hat[:, 1:], x_err[:, 1:]),
        "APrioriCOSurfaceMixingRatio": pair(x_prior[:, 0], prior_err[:, 0]),
        "APrioriCOMixingRatioProfile": pair(x_prior[:, 1:], prior_err[:, 1:]),
        "RetrievalAveragingKernelMatrix": A,
        "AveragingKernelRowSums": np.sum(np.where(valid[:, None, :], A, 0.0), axis=2),
        "TotalColumnAveragingKernel": tcak,
        "TotalColumnAveragingKernelDimless": tcak_dimless,
        "RetrievedCOTotalColumnDiagnostics": pair(np.sqrt(var_smooth), np.sqrt(var_meas)) * 1e-9 * dry_air[:, None],
        "RetrievalErrorCovarianceMatrix": r["S_hat"],
        "MeasurementErrorCovarianceMatrix": r["S_meas"],
        "SmoothingErrorCovarianceMatrix": r["S_smooth"],
        "DegreesofFreedomforSignal": dof,
        "SignalChi2": chi2,
        "RetrievalIterations": iterations.astype(np.int32),
        "RetrievalAnomalyDiagnostic": anomaly.astype(np.int32),
        "Level1RadiancesandErrors": l1,
        "L2RadianceCorrectionFactor": corr,
        "DailyGainDev": _daily_gain_dev(rng),
        "CloudDescription": np.where(rng.random(n) < 0.85, 2, 1).astype(np.int32),
        "MODISCloudDiagnostics": modis,
        "MOPCldRadRatio": np.clip(1.05 + rng.normal(0, 0.15, n), 0.2, 1.7),
        "RetrievedSurfaceTemperature": pair(ts_ret, np.full(n, 0.6)),
        "APrioriSurfaceTemperature": pair(ts_prior, np.full(n, 5.0)),
        "RetrievedSurfaceEmissivity": pair(emis_ret, emis_err),
        "APrioriSurfaceEmissivity": pair(emis_prior, np.full(n, 0.05)),
    }
    # Levels below the surface are not retrieved: fill in every level-resolved field.
    for name in ("RetrievalAveragingKernelMatrix", "RetrievalErrorCovarianceMatrix",
                 "MeasurementErrorCovarianceMatrix", "SmoothingErrorCovarianceMatrix"):
        m = fields[name]
        fields[name] = np.where(valid[:, :, None] & valid[:, None, :], m, np.nan)
    for name in ("AveragingKernelRowSums", "TotalColumnAveragingKernel", "TotalColumnAveragingKernelDimless"):
        fields[name] = np.where(valid, fields[name], np.nan)

    truth_table = {
        "index": np.arange(n, dtype=np.int64),
        "xco_true_ppb": xco_true,
        "xco_smoothed_ppb": xco_smoothed,
        "xco_noisefree_ppb": g * xco_smoothed + delta,
        "oscillation_log10": osc,
        "global_scale": np.full(n, g),
        "pixel_bias_ppb": b_pixel,
        "snow_ice_bias_ppb": b_snow,
        "feature_ppb": feature,
        "feature_bias_ppb": b_feature,
        "outlier_bias_ppb": b_outlier,
        "forward_model_error_ppb": b_fm,
        "correlated_error_ppb": b_corr,
        "snow_ice": snow_ice,
        "snow_ice_cover": cover,
        "daytime": day_side,
    }
    return fields, truth_table
