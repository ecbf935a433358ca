"""A synthetic GOSAT TANSO-FTS SWIR L2 record in the real NIES layout, with injected truth.

Scenes (one set per day, shared by the CO2 and CH4 products and by every product version, so
that scan IDs match across them):

- orbit: sun-synchronous, inclination 98.06 deg, ascending (daytime) node at 13:00 local solar
  time, 44 revolutions in 3 days (a 3-day repeat); soundings every ``along_track_seconds`` on the
  sunlit half of each orbit at 3 cross-track points 263 km apart (the 3-point mode since 2010),
  10.5 km footprints; over the ocean only where sun glint is reachable (SZA < 60 deg), and only
  ``ocean_fraction`` of the clear ones (GOSAT's L2 record is mostly land);
- target-mode soundings at TCCON sites (``target_sites``): on a share of days a short burst
  within 0.05 deg of the site near 13:00 local time (observationMode ``SPOD``);
- glint soundings over water near coastal TCCON sites (``ocean_targets``; an OSSE design choice
  so that a short record has ocean match-ups, :func:`_glint_targets`);
- a coherent cloud field and ``clear_fraction`` keep about the share of soundings that a real
  L2 file holds;
- retrieval parameters with realistic distributions and correlations: AOT (log-normal, the
  retrieved surface pressure error grows with it), surface albedos per sub-band (bright scenes
  are observed with gain M), blended albedo, cirrus/cloud OT, DFS (grows with albedo and SNR),
  O2 A SNR (from albedo and SZA), wind speed, spectral residuals, iterations; each screening
  quantity of S23 Table 3 also has a tail population beyond its threshold.

Truth (:func:`truth_xco2_ppm`, :func:`truth_xch4_ppb`): latitude gradient, seasons, trends of
2.3 ppm and 8 ppb per year. The retrieval is X = X_a + sum_j w_j a_j (x_j - x_a,j) + noise +
bias, with

    bias = c0 + c_aot AOT + c_dps dPs [+ c_alb albedo_O2A]          (per surface; the MLR truth)
         + gain-M offset + drift (t - drift_reference) + outlier harm,

plus, where ``aot_albedo`` is given, c_aa AOT × albedo_O2A (a term the S23 regression lacks), the
outlier harm of each screening quantity being zero up to its ``onset`` and growing smoothly
(quadratically over ``smooth``, then linearly, with scatter) beyond it; the default onsets lie
inside the range the S23 Table 3 screening keeps, so some harm survives screening.

TCCON GGG2020 public files for the sites of ``tccon_sites`` (default every site of the table
operating on the day, coastal ones included) are written by :mod:`satcol.synthetic.tccon`
with XCO2/XCH4 replaced by the same truth plus noise (their priors set to the truth, so their
AK acts on nothing).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import h5py
import numpy as np
import pandas as pd

from satcol import __version__
from satcol.core import landmask, timeutil
from satcol.core.provenance import config_hash
from satcol.instruments.gosat import reader as gio
from satcol.synthetic import geometry
from satcol.synthetic.truth import day_of_year, decimal_year

INCLINATION_DEG = 98.06
ORBIT_PERIOD_S = 3 * 86400.0 / 44.0
ASCENDING_NODE_LST_H = 13.0
CROSS_TRACK_KM = 263.0
FOOTPRINT_RADIUS_KM = 5.25
EPOCH = timeutil.day_start_unix(dt.date(2009, 1, 1))
#: Retrieval layer boundaries as fractions of the surface pressure (16 boundaries, 15 layers),
#: surface first; the files hold the layers top first (assumption A4).
SIGMA = np.array([1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.15, 0.1, 0.07, 0.05, 0.03, 0.01, 0.0])
PRS_REF_LEVEL = np.array([0.1, 0.5, 1, 2, 5, 10, 20, 30, 50, 70, 100, 150, 200, 250, 300, 400, 500, 600, 700,
                          850, 1000], dtype=np.float32)
WAVELENGTH_RET_AER = np.array([0.5, 0.55, 0.6, 0.67, 0.76, 0.87, 1.0, 1.24, 1.38, 1.6, 1.65, 2.06, 2.1],
                              dtype=np.float32)
#: Sub-band wavenumber ranges (cm^-1): O2 A, weak CO2, CH4, strong CO2 (+ H2O in V03, S23 Sect. 3.1).
SUB_BAND_RANGES = np.array([[12950.0, 13200.0], [6180.0, 6280.0], [5900.0, 6150.0], [4800.0, 4900.0],
                            [5150.0, 5200.0]], dtype=np.float32)
WN_RET_ALB = np.concatenate([np.linspace(lo, hi, 6) for lo, hi in SUB_BAND_RANGES[:4]]).astype(np.float32)
INDX_RET_ALB = np.repeat(np.arange(1, 5), 6).astype(np.int32)
#: Land scenes brighter than this (O2 A albedo) are observed with gain M.
GAIN_M_ALBEDO = 0.22
AEROSOL_TYPE_SHARE = np.array([0.5, 0.3, 0.2])
#: Avogadro / (g m_air) in molecules per cm^2 per hPa.
DRY_AIR_PER_HPA = 100.0 * 6.02214e23 / (9.80665 * 0.0289644) / 1e4

#: Keys of the ``synthetic.gosat`` block that choose the days, not how a day is simulated.
PERIOD_KEYS = ("start", "end", "days_per_month")


def _config_defaults() -> dict:
    """The ``synthetic.gosat`` block of the default config (config/config.yaml, the single source
    of these values), without the period keys."""
    from satcol.core.config import DEFAULT_CONFIG, read_yaml

    block = read_yaml(DEFAULT_CONFIG)["synthetic"]["gosat"]
    return {k: v for k, v in block.items() if k not in PERIOD_KEYS}


#: The default ``synthetic.gosat`` block (docs/formats-gosat.md; merged under the caller's), as
#: config/config.yaml gives it: seed, product version, orbit sampling, target sites and the
#: injected ``truth``.
DEFAULTS = _config_defaults()


def merged_config(syn_gosat: dict | None) -> dict:
    """``DEFAULTS`` with the caller's keys on top, ``truth`` merged key by key at every depth
    (``{"truth": {"xco2_bias_ppm": {"ocean": {"intercept": -3.0}}}}`` changes that one
    coefficient and keeps the others, as a Snakemake configfile would)."""
    from satcol.core.config import deep_update

    syn_gosat = dict(syn_gosat or {})
    out = {**DEFAULTS, **{k: v for k, v in syn_gosat.items() if k != "truth"}}
    out["truth"] = deep_update(DEFAULTS["truth"], syn_gosat.get("truth") or {})
    return out


# --- truth -----------------------------------------------------------------------------------

def truth_xco2_ppm(lat, t) -> np.ndarray:
    """Truth XCO2 (ppm): 386.5 ppm at 2009.0, +2.3 ppm/yr, a 2 ppm north-south gradient, a
    seasonal cycle of up to 3.5 ppm amplitude in the north (maximum in May)."""
    lat, yr, doy = np.asarray(lat, dtype=np.float64), decimal_year(t), day_of_year(t)
    s = np.sin(np.radians(lat))
    amp = 0.5 + 3.0 * np.clip(s, 0, None)
    return 386.5 + 2.3 * (yr - 2009.0) + 2.0 * s + amp * np.cos(2 * np.pi * (doy - 130.0) / 365.25)


def truth_xch4_ppb(lat, t) -> np.ndarray:
    """Truth XCH4 (ppb): 1790 ppb at 2009.0, +8 ppb/yr, a 30 ppb north-south gradient, a seasonal
    cycle of up to 18 ppb amplitude (maximum in September)."""
    lat, yr, doy = np.asarray(lat, dtype=np.float64), decimal_year(t), day_of_year(t)
    s = np.sin(np.radians(lat))
    amp = 8.0 + 10.0 * np.clip(s, 0, None)
    return 1790.0 + 8.0 * (yr - 2009.0) + 30.0 * s + amp * np.cos(2 * np.pi * (doy - 260.0) / 365.25)


def profile_shape(sigma_mid, species: str) -> np.ndarray:
    """Relative vertical shape of the mole fraction (1 in the troposphere, falling above 0.2 Ps)."""
    drop = {"CO2": 0.02, "CH4": 0.35}[species]
    return 1.0 - drop * np.clip((0.2 - sigma_mid) / 0.2, 0.0, 1.0)


# --- geometry --------------------------------------------------------------------------------

def _track(t, t_node):
    inc = np.radians(INCLINATION_DEG)
    u = 2 * np.pi * (t - t_node) / ORBIT_PERIOD_S
    lat = np.degrees(np.arcsin(np.sin(inc) * np.sin(u)))
    lon_node = 15.0 * (ASCENDING_NODE_LST_H - (t_node % 86400.0) / 3600.0)
    lon = lon_node + np.degrees(np.arctan2(np.cos(inc) * np.sin(u), np.cos(u))) - 360.0 * (t - t_node) / 86400.0
    return lat, (lon + 180.0) % 360.0 - 180.0


def _land_fraction(lat, lon) -> np.ndarray:
    """Percent of 5 points (centre and 4 at the footprint's edge) on land: 0, 20, ..., 100."""
    d = FOOTPRINT_RADIUS_KM / 111.2
    coslat = np.maximum(np.cos(np.radians(lat)), 0.05)
    votes = np.zeros(np.shape(lat))
    for dy, dx in ((0, 0), (d, 0), (-d, 0), (0, d), (0, -d)):
        la = np.clip(lat + dy, -89.99, 89.99)
        lo = np.clip((lon + dx / coslat + 180.0) % 360.0 - 180.0, -179.999, 179.999)
        votes += landmask.is_land(la, lo)
    return 20.0 * votes


def _glint_targets(day, d0, cfg, sites, rng):
    """Glint soundings over water near coastal TCCON sites (``ocean_targets``): on a share
    ``probability`` of the days a site operates, ``soundings`` points over open water (land
    fraction 0) between ``min_deg`` and ``box_deg`` of the site in latitude and longitude, near
    13:00 local time. An OSSE design choice, not a GOSAT observation mode: the real record
    gathers its ocean match-ups over years of ordinary glint soundings (S23: 61 at ±2° over
    2009-2020, Zhou et al. 2016 near-ocean sites); a two-year record at a few days a month
    has almost none (the default record: 7 at ±2° from its orbit soundings), too few to fit
    the ocean regression. Returns (lat, lon, time) or None."""
    spec = cfg.get("ocean_targets") or {}
    ids = spec.get("sites") or []
    if sites is None or not len(sites) or not ids:
        return None
    rows = sites[sites["id"].isin(ids) & (sites["start"] <= day) & (sites["end"] >= day)]
    rows = rows[rng.random(len(rows)) < float(spec["probability"])]
    if not len(rows):
        return None
    k, box, near = int(spec["soundings"]), float(spec["box_deg"]), float(spec["min_deg"])
    n_try = 64
    slat = np.repeat(rows["lat"].to_numpy(float), n_try)
    slon = np.repeat(rows["lon"].to_numpy(float), n_try)
    r = rng.uniform(near, box, (2, slat.size)) * rng.choice([-1.0, 1.0], (2, slat.size))
    plat, plon = slat + r[0], (slon + r[1] + 180.0) % 360.0 - 180.0
    water = (_land_fraction(plat, plon) == 0).reshape(len(rows), n_try)
    # the first k water points of each site (fewer where the box is mostly land)
    take = water & (np.cumsum(water, axis=1) <= k)
    flat = take.ravel()
    t13 = d0 + (13.0 - slon[flat] / 15.0) * 3600.0
    t13 = (t13 - d0) % 86400.0 + d0 + 4.0 * (np.cumsum(take, axis=1)[take] - 1)
    return plat[flat], plon[flat], t13


def scenes(day: dt.date, cfg: dict, sites: pd.DataFrame | None = None) -> dict:
    """Positions, times and modes of the day's soundings (orbit plus target mode), before the
    retrieval parameters: dict of (n,) arrays, time-sorted."""
    seed = int(cfg["seed"])
    di = (day - dt.date(2000, 1, 1)).days
    rng = np.random.default_rng([seed, di, 1])
    d0 = timeutil.day_start_unix(day)
    m0 = int(np.ceil((d0 - EPOCH) / ORBIT_PERIOD_S))
    nodes = EPOCH + ORBIT_PERIOD_S * np.arange(m0, m0 + 15)
    nodes = nodes[nodes < d0 + 86400.0]
    dt_s = float(cfg["along_track_seconds"])
    steps = np.arange(-0.25 * ORBIT_PERIOD_S, 0.25 * ORBIT_PERIOD_S, dt_s)
    t = (nodes[:, None] + steps[None, :]).ravel()
    t_node = np.repeat(nodes, steps.size)
    lat0, lon0 = _track(t, t_node)
    xt = np.array([-1.0, 0.0, 1.0])
    lat = np.repeat(lat0, 3)
    lon = np.repeat(lon0, 3) + np.tile(xt, lat0.size) * CROSS_TRACK_KM / (111.2 * np.maximum(np.cos(np.radians(lat)), 0.1))
    lon = (lon + 180.0) % 360.0 - 180.0
    t = np.repeat(t, 3) + np.tile(xt + 1.0, lat0.size) * 1.0
    point = np.tile(np.array([1, 2, 3], dtype=np.int8), lat0.size)
    mode = np.full(lat.size, "OB1D")
    # targets: a burst near 13:00 local time within 0.05 deg of the site
    if sites is not None and len(sites):
        rows = sites[sites["id"].isin(cfg["target_sites"]) & (sites["start"] <= day) & (sites["end"] >= day)]
        go = rng.random(len(rows)) < float(cfg["target_probability"])
        rows = rows[go]
        k = int(cfg["target_soundings"])
        if len(rows):
            slat = np.repeat(rows["lat"].to_numpy(float), k)
            slon = np.repeat(rows["lon"].to_numpy(float), k)
            t13 = d0 + (13.0 - slon / 15.0) * 3600.0
            t13 = (t13 - d0) % 86400.0 + d0
            tt = t13 + np.tile(np.arange(k) * 4.0, len(rows))
            lat = np.concatenate([lat, slat + rng.uniform(-0.05, 0.05, slat.size)])
            lon = np.concatenate([lon, slon + rng.uniform(-0.05, 0.05, slon.size)])
            t = np.concatenate([t, tt])
            point = np.concatenate([point, np.full(slat.size, 2, np.int8)])
            mode = np.concatenate([mode, np.full(slat.size, "SPOD")])
    glint = _glint_targets(day, d0, cfg, sites, rng)
    if glint is not None:
        lat, lon, t = np.concatenate([lat, glint[0]]), np.concatenate([lon, glint[1]]), np.concatenate([t, glint[2]])
        point = np.concatenate([point, np.full(glint[0].size, 2, np.int8)])
        mode = np.concatenate([mode, np.full(glint[0].size, "SPOD")])
    sza = geometry.solar_zenith(t, lat, lon)
    lf = _land_fraction(lat, lon)
    clear = geometry.smooth_field(lat, lon, seed * 7 + di, (300.0, 3000.0)) > -0.3
    keep = (sza < 75.0) & ((lf > 0) | (sza < 60.0))
    share = float(cfg["clear_fraction"]) * np.where(lf > 0, 1.0, float(cfg["ocean_fraction"]))
    keep &= (mode == "SPOD") | (clear & (rng.random(lat.size) < share))
    order = np.argsort(t[keep], kind="stable")
    out = {"time": t[keep][order], "lat": lat[keep][order], "lon": lon[keep][order], "sza": sza[keep][order],
           "land_fraction": lf[keep][order], "cross_track": point[keep][order], "mode": mode[keep][order]}
    out["day"] = day
    return out


# --- retrieval parameters ----------------------------------------------------------------------

def _tail(rng, n, frac):
    return rng.random(n) < frac


def parameters(sc: dict, cfg: dict) -> dict:
    """Retrieval parameters of the scenes (shared by both species), with their correlations and
    the tail populations of the screening quantities (``truth.outliers.*.tail_fraction``)."""
    day = sc["day"]
    di = (day - dt.date(2000, 1, 1)).days
    rng = np.random.default_rng([int(cfg["seed"]), di, 2])
    out_cfg = cfg["truth"]["outliers"]
    n = sc["lat"].size
    lat, lon, sza = sc["lat"], sc["lon"], sc["sza"]
    land = sc["land_fraction"] > 0
    height = geometry.surface_altitude(lat, lon, land)
    ps_a = np.where(land, 1013.25 * np.exp(-height / 8400.0), 1013.25) + 6.0 * rng.standard_normal(n)
    # albedo: bright deserts (coherent field) and a snow-like tail with blended albedo > 1
    bright = np.clip(0.5 + 0.25 * geometry.smooth_field(lat, lon, int(cfg["seed"]) + 11, (800.0, 5000.0)), 0, 1)
    a_o2a = 0.06 + 0.32 * bright * rng.beta(2.0, 2.0, n) + 0.04 * rng.random(n)
    a_sco2 = 0.5 * a_o2a + 0.03 + 0.02 * rng.standard_normal(n)
    snow = _tail(rng, n, out_cfg["blended_albedo"]["tail_fraction"])
    a_o2a = np.where(snow, rng.uniform(0.5, 0.95, n), a_o2a)
    a_sco2 = np.where(snow, rng.uniform(0.02, 0.08, n), a_sco2)
    a_wco2 = 0.8 * a_o2a + 0.02 * rng.standard_normal(n)
    a_ch4 = 0.7 * a_o2a + 0.02 * rng.standard_normal(n)
    gain_m = land & (a_o2a > GAIN_M_ALBEDO)
    # SNR of O2 A from the reflected signal; glint over the ocean is bright
    mu = np.cos(np.radians(sza))
    signal = np.where(land, a_o2a, 0.12) * mu
    snr = 450.0 * np.sqrt(np.clip(signal, 1e-3, None) / 0.15) * np.exp(0.15 * rng.standard_normal(n))
    low = _tail(rng, n, out_cfg["snr_o2a"]["tail_fraction"])
    snr = np.where(low, rng.uniform(20.0, 90.0, n), snr)
    # AOT at 1.6 um: log-normal, with a tail
    aot = np.exp(np.log(np.where(land, 0.035, 0.03)) + 0.6 * rng.standard_normal(n))
    aot = np.where(_tail(rng, n, out_cfg["aot_1p6"]["tail_fraction"]), rng.uniform(0.1, 0.5, n), aot)
    # surface pressure: retrieval error grows with AOT; a tail of large errors
    dps = 2.5 * rng.standard_normal(n) + 20.0 * (aot - 0.035)
    big = _tail(rng, n, out_cfg["abs_dps_hpa"]["tail_fraction"])
    dps = np.where(big, rng.choice([-1.0, 1.0], n) * rng.uniform(15.0, 40.0, n), dps)
    cot = rng.exponential(0.02, n)
    cot = np.where(_tail(rng, n, out_cfg["cot"]["tail_fraction"]), rng.uniform(0.05, 0.6, n), cot)
    dof = 1.15 + 0.5 * np.clip(a_o2a, 0, 0.5) + 0.15 * np.log(snr / 200.0).clip(-1, 1) + 0.05 * rng.standard_normal(n)
    dof = np.where(_tail(rng, n, out_cfg["dof"]["tail_fraction"]), rng.uniform(0.6, 1.1, n), dof)
    wind = np.where(land, 4.0, 7.5) * np.sqrt(-np.log(rng.random(n)))  # Rayleigh (Weibull k = 2)
    rms = 0.85 + 0.12 * rng.gamma(2.0, 0.5, (n, 5))
    rms[:, 0] = np.where(_tail(rng, n, out_cfg["rms_o2a"]["tail_fraction"]), rng.uniform(1.0, 2.0, n), rms[:, 0])
    rms[:, 3] = np.where(_tail(rng, n, out_cfg["rms_sco2"]["tail_fraction"]), rng.uniform(1.1, 2.0, n), rms[:, 3])
    iterations = np.where(rng.random(n) < 0.01, 20, 3 + rng.poisson(2.0, n)).astype(np.int8)
    return {
        "height": height, "ps_a": ps_a, "dps": dps, "ps": ps_a + dps, "aot": aot, "cot": cot, "dof": dof,
        "albedo": np.stack([a_o2a, a_wco2, a_ch4, a_sco2], axis=1), "gain_m": gain_m, "snr": snr,
        "wind": wind, "rms": rms, "iterations": iterations, "land": land,
        "blended_albedo": gio.blended_albedo(a_o2a, a_sco2), "mu": mu,
    }


# --- retrieval -------------------------------------------------------------------------------

def _excess(q, spec):
    """Harm per unit slope of a screening quantity ``q`` beyond ``onset``: 0 up to the onset, then
    e²/(2s) for an excess e below the ``smooth`` width s and e − s/2 beyond it (continuous with
    its slope, so the harm grows smoothly from the onset; s = 0: the linear ramp e)."""
    onset = float(spec["onset"])
    e = np.maximum(q - onset, 0.0) if spec["direction"] == "above" else np.maximum(onset - q, 0.0)
    s = float(spec.get("smooth", 0.0))
    if s <= 0:
        return e
    return np.where(e < s, e * e / (2.0 * s), e - 0.5 * s)


def injected_bias(sc: dict, par: dict, truth_cfg: dict, species: str, rng) -> dict:
    """The injected error of each sounding, by part (ppm for CO2, ppb for CH4): ``mlr`` (the
    regression truth per surface), ``gain``, ``drift``, ``outlier`` and their ``total``."""
    key, unit = ("xco2", "ppm") if species == "CO2" else ("xch4", "ppb")
    coef = truth_cfg[f"{key}_bias_{unit}"]
    land = par["land"]
    cl, co = coef["land"], coef["ocean"]
    alb = np.nan_to_num(par["albedo"][:, 0])
    mlr = np.where(land, cl["intercept"] + cl["aot"] * par["aot"] + cl["dps_hpa"] * par["dps"] + cl.get("albedo", 0.0) * alb,
                   co["intercept"] + co["aot"] * par["aot"] + co["dps_hpa"] * par["dps"] + co.get("albedo", 0.0) * alb)
    # a mild interaction the S23 regression does not have (AOT x albedo): what it leaves behind
    mlr = mlr + np.where(land, cl.get("aot_albedo", 0.0), co.get("aot_albedo", 0.0)) * par["aot"] * alb
    gain = np.where(par["gain_m"], float(truth_cfg.get(f"{key}_gain_m_offset_{unit}", 0.0)), 0.0)
    ref = timeutil.day_start_unix(dt.date.fromisoformat(str(truth_cfg["drift_reference"])))
    drift = float(truth_cfg.get(f"{key}_drift_{unit}_per_decade", 0.0)) * (sc["time"] - ref) / timeutil.SECONDS_PER_DECADE
    quantities = {"aot_1p6": par["aot"], "abs_dps_hpa": np.abs(par["dps"]), "cot": par["cot"], "dof": par["dof"],
                  "blended_albedo": np.where(land, par["blended_albedo"], 0.0), "snr_o2a": par["snr"],
                  "rms_o2a": par["rms"][:, 0], "rms_sco2": par["rms"][:, 3]}
    outlier = np.zeros(sc["time"].size)
    for name, spec in truth_cfg["outliers"].items():
        ex = _excess(quantities[name], spec)
        slope = float(spec[f"{key}_{unit}_per_unit"])
        outlier += slope * ex * (1.0 + float(spec["scatter_per_unit"]) * rng.standard_normal(ex.size))
    return {"mlr": mlr, "gain": gain, "drift": drift, "outlier": outlier, "total": mlr + gain + drift + outlier}


def retrieve(sc: dict, par: dict, cfg: dict, species: str, truth_cfg: dict | None = None) -> dict:
    """Retrieved column, its errors, prior and AK for one species (ppm CO2, ppb CH4)."""
    truth_cfg = truth_cfg or cfg["truth"]
    day = sc["day"]
    di = (day - dt.date(2000, 1, 1)).days
    rng = np.random.default_rng([int(cfg["seed"]), di, 3 if species == "CO2" else 4])
    n = sc["time"].size
    x_true = truth_xco2_ppm(sc["lat"], sc["time"]) if species == "CO2" else truth_xch4_ppb(sc["lat"], sc["time"])
    prior_sd, noise = (1.2, float(truth_cfg["noise"]["xco2_ppm"])) if species == "CO2" else \
        (12.0, float(truth_cfg["noise"]["xch4_ppb"]))
    x_a = x_true + prior_sd * (rng.standard_normal(n) - 0.3)
    sig_mid = 0.5 * (SIGMA[:-1] + SIGMA[1:])
    w = -np.diff(SIGMA)  # pressure weights (surface first), sum 1
    shape = profile_shape(sig_mid, species)
    prof_true = x_true[:, None] * shape[None, :] / np.sum(w * shape)
    prof_a = x_a[:, None] * shape[None, :] / np.sum(w * shape)
    ak = (1.02 - 0.12 * sig_mid[None, :] ** 3 * (1.0 + 0.5 * (1.0 - par["mu"][:, None]))
          + 0.05 * (1.0 - sig_mid[None, :]) * par["land"][:, None])
    smoothed = x_a + np.sum(w[None, :] * ak * (prof_true - prof_a), axis=1)
    sig = noise * np.sqrt(300.0 / np.clip(par["snr"], 30.0, None))
    bias = injected_bias(sc, par, truth_cfg, species, rng)
    x = smoothed + sig * rng.standard_normal(n) + bias["total"]
    k = 1.0 if species == "CO2" else 1000.0
    return {"x": x, "x_true": x_true, "x_a": x_a, "prior_profile": prof_a, "ak": ak, "w": w,
            "noise": sig, "external": np.full(n, 0.3 * noise), "interference": np.full(n, 0.2 * noise),
            "smoothing": 0.1 * prior_sd * np.ones(n), "bias": bias, "to_ppmv": 1.0 / k}


# --- files -----------------------------------------------------------------------------------

def _scan_ids(t) -> np.ndarray:
    dt64 = timeutil.unix_to_datetime64(t).astype("datetime64[s]")
    s = np.datetime_as_string(dt64, unit="s")
    stem = np.char.replace(np.char.replace(np.char.replace(s, "-", ""), ":", ""), "T", "")
    seq = np.char.zfill(np.arange(t.size).astype(str), 5)
    return np.char.add(stem, seq)


def _time_strings(t) -> np.ndarray:
    dt64 = timeutil.unix_to_datetime64(t).astype("datetime64[ms]")
    return np.char.replace(np.datetime_as_string(dt64, unit="ms"), "T", " ")


def _footprint(lat, lon):
    ang = np.linspace(0.0, 2 * np.pi, 36, endpoint=False)
    d = FOOTPRINT_RADIUS_KM / 111.2
    flat = lat[:, None] + d * np.sin(ang)[None, :]
    flon = lon[:, None] + d * np.cos(ang)[None, :] / np.maximum(np.cos(np.radians(lat)), 0.05)[:, None]
    return flat, (flon + 180.0) % 360.0 - 180.0


def file_arrays(sc: dict, par: dict, ret: dict, species: str, version: str) -> dict:
    """Every dataset of the layout (:func:`satcol.instruments.gosat.reader.layout`), by path, for one product."""
    g = species
    n = sc["time"].size
    gen = version.split(".")[0]
    k = ret["to_ppmv"]
    top = slice(None, None, -1)  # files hold the layers top first
    land = par["land"]
    dry_total = par["ps_a"] * DRY_AIR_PER_HPA
    partial = (dry_total[:, None] * ret["w"][None, :])[:, top]
    aot3 = (par["aot"][:, None, None] * (WAVELENGTH_RET_AER[None, :, None] / 1.6) ** -1.0
            * AEROSOL_TYPE_SHARE[None, None, :])
    alb24 = np.repeat(par["albedo"], 6, axis=1) * (1.0 + 0.01 * np.tile(np.arange(6) - 2.5, 4))[None, :]
    alb24 = np.where(land[:, None], alb24, gio.FILL)
    snr = par["snr"][:, None, None] * np.ones((n, 4, 3)) * np.array([1.0, 1.3, 1.1, 0.9])[None, :, None]
    snr[:, :, 0] *= 1.05
    snr[:, :, 1] *= 0.95
    flat, flon = _footprint(sc["lat"], sc["lon"])
    z = np.linspace(0.0, 40.0, 21)[::-1]
    gain = np.where(par["gain_m"], "M", "H")
    col = ret["x"] * k * 1e-6 * dry_total
    ref_aot = 0.8 * aot3  # the a priori AOT: the retrieval raises it by a quarter
    arrays = {
        f"{gio.SA}/time": _time_strings(sc["time"]),
        f"{gio.SA}/scanID": _scan_ids(sc["time"]),
        f"{gio.SA}/crossTrackObservationPoint": sc["cross_track"],
        f"{gio.SA}/sensor/gain": np.stack([gain, gain], axis=1),
        f"{gio.SA}/sensor/observationMode": sc["mode"],
        f"{gio.QI}/SNR": snr,
        f"{gio.QI}/totalPreScreeningResult": np.zeros(n, np.int8),
        f"{gio.QI}/L1BQA": np.zeros(n, np.int8),
        f"{gio.QI}/CAIRadianceScreening": np.zeros(n, np.int8),
        f"{gio.QI}/highSolarZenithScreening": (sc["sza"] > 70.0).astype(np.int8),
        f"{gio.QI}/waterSaturationBandScreening": np.zeros(n, np.int8),
        f"{gio.REF}/X{g}": ret["x_a"] * k,
        f"{gio.REF}/{g}Profile": ret["prior_profile"][:, top] * k,
        f"{gio.REF}/surfacePressure": par["ps_a"],
        f"{gio.REF}/surfaceAlbedo": np.clip(par["albedo"] + 0.02, 0, 1),
        f"{gio.REF}/surfaceWindSpeed": par["wind"],
        f"{gio.REF}/cirrusOpticalThickness": np.full(n, 0.1),
        f"{gio.REF}/cirrusTopPressure": np.full(n, 150.0),
        f"{gio.REF}/aerosolOpticalThickness": ref_aot,
        f"{gio.REF}/dryAirPartialColumn": partial,
        f"{gio.REF}/temperatureProfile": np.maximum(288.0 - 6.5 * z[None, :], 216.0) * np.ones((n, 1)),
        f"{gio.REF}/waterVaporProfile": 8000.0 * np.exp(-z[None, :] / 2.0) * np.ones((n, 1)),
        f"{gio.GEO}/latitude": sc["lat"],
        f"{gio.GEO}/longitude": sc["lon"],
        f"{gio.GEO}/solarZenith": sc["sza"],
        f"{gio.GEO}/solarAzimuth": np.full(n, 180.0),
        f"{gio.GEO}/satelliteZenith": np.abs(sc["cross_track"] - 2.0) * 17.0,
        f"{gio.GEO}/satelliteAzimuth": np.where(sc["cross_track"] == 1, 270.0, 90.0),
        f"{gio.GEO}/airMass": 1.0 / par["mu"] + 1.0 / np.cos(np.radians(np.abs(sc["cross_track"] - 2.0) * 17.0)),
        f"{gio.GEO}/landFraction": sc["land_fraction"],
        f"{gio.GEO}/height": np.round(par["height"]).astype(np.int16),
        f"{gio.GEO}/footPrintLatitude": flat,
        f"{gio.GEO}/footPrintLongitude": flon,
        f"Data/mixingRatio/X{g}": ret["x"] * k,
        f"Data/mixingRatio/X{g}ExternalError": ret["external"] * k,
        f"Data/mixingRatio/X{g}InterferenceError": ret["interference"] * k,
        f"Data/mixingRatio/X{g}RetrievalNoise": ret["noise"] * k,
        f"Data/mixingRatio/X{g}SmoothingError": ret["smoothing"] * k,
        f"Data/totalColumn/{g}TotalColumn": col,
        f"Data/totalColumn/{g}TotalColumnExternalError": ret["external"] * k * 1e-6 * dry_total,
        f"Data/totalColumn/{g}TotalColumnInterferenceError": ret["interference"] * k * 1e-6 * dry_total,
        f"Data/totalColumn/{g}TotalColumnRetrievalNoise": ret["noise"] * k * 1e-6 * dry_total,
        f"Data/totalColumn/{g}TotalColumnSmoothingError": ret["smoothing"] * k * 1e-6 * dry_total,
        f"{gio.AUX}/surfacePressure": par["ps"],
        f"{gio.AUX}/aerosolOpticalThickness": aot3,
        f"{gio.AUX}/surfaceAlbedo": alb24,
        f"{gio.AUX}/dryAirTotalColumn": par["ps"] * DRY_AIR_PER_HPA,
        f"{gio.RQ}/{g}DFS": par["dof"],
        f"{gio.RQ}/chi2": par["rms"][:, :4].mean(axis=1),
        f"{gio.RQ}/iterations": par["iterations"],
        f"{gio.RQ}/residualMeanSquare": par["rms"][:, :4],
        f"{gio.RQ}/columnAveragingKernel": ret["ak"][:, top],
        f"{gio.RQ}/totalPostScreeningResult": np.zeros(n, np.int8),
        f"{gio.ANC}/prsRefLevel": PRS_REF_LEVEL,
        f"{gio.ANC}/wavelengthRetAer": WAVELENGTH_RET_AER,
        f"{gio.ANC}/wnRetAlb": WN_RET_ALB,
        f"{gio.ANC}/indxRetAlb": INDX_RET_ALB,
        f"{gio.ANC}/numRetLayer": np.array([15], np.int32),
        f"{gio.ANC}/numRefLevel": np.array([21], np.int32),
        f"{gio.ANC}/numSubBand": np.array([4], np.int32),
        f"{gio.ANC}/wavenumberRangeSubBand": SUB_BAND_RANGES[:4],
    }
    if gen != "02":
        arrays[f"{gio.RQ}/residualMeanSquare"] = par["rms"]
        arrays[f"{gio.ANC}/numSubBand"] = np.array([5], np.int32)
        arrays[f"{gio.ANC}/wavenumberRangeSubBand"] = SUB_BAND_RANGES
        arrays[f"{gio.AUX}/cloudOpticalThickness"] = par["cot"]
        arrays[f"{gio.AUX}/cloudTopPressure"] = np.full(n, 200.0)
    else:
        arrays[f"{gio.REF}/cirrusOpticalThickness"] = par["cot"]
    return arrays


def write_file(path, arrays: dict, species: str, version: str, cfg: dict | None = None) -> Path:
    """Write one NIES L2 file: every dataset of the layout with its dtype and the attributes
    ``unit``, ``longName``, ``invalidValue``, ``validRange`` (1-element / 2-element arrays), and
    ``/Global/metadata/productCode``/``productVersion``. NaN is written as the invalidValue.
    Root attributes say the file is synthetic, with the satcol version and the SHA-256 of the
    ``synthetic.gosat`` block ``cfg`` it was made with (no time stamp: same config, same bytes)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    code = {v: k for k, v in gio.PRODUCTS.items()}[species]
    tmp = path.with_name(path.name + ".part")
    with h5py.File(tmp, "w") as f:
        f.attrs["satcol_note"] = "satcol synthetic GOSAT SWIR L2 in the NIES layout (OSSE), not NIES data"
        f.attrs["satcol_version"] = __version__
        if cfg is not None:
            f.attrs["satcol_config_sha256"] = config_hash(cfg)
        meta = f.create_group(gio.META)
        meta.create_dataset("productCode", data=np.bytes_(code))
        meta.create_dataset("productVersion", data=np.bytes_(version))
        meta.create_dataset("productName", data=np.bytes_("SWIR L2 " + ("CO2" if species == "CO2" else "CH4") + " (satcol synthetic, not NIES data)"))
        for fld in gio.layout(species, version.split(".")[0]):
            a = np.asarray(arrays[fld.path])
            dtype = np.dtype(fld.dtype)
            if dtype.kind == "S":
                data = np.char.encode(a.astype(str), "ascii").astype(dtype)
            elif dtype.kind == "f":
                data = a.astype(dtype)
                data[~np.isfinite(data)] = fld.invalid if fld.invalid is not None else np.nan
            else:
                data = a.astype(dtype)
            kw = {"compression": "gzip", "compression_opts": 4} if data.ndim >= 2 and data.shape[0] > 1 and fld.per_sounding else {}
            ds = f.create_dataset(fld.path, data=data, **kw)
            if fld.unit is not None:
                ds.attrs["unit"] = np.array([fld.unit.encode()])
            ds.attrs["longName"] = np.array([fld.long_name.encode()])
            if fld.invalid is not None:
                ds.attrs["invalidValue"] = np.array([fld.invalid], dtype=dtype)
            if fld.valid_range is not None:
                ds.attrs["validRange"] = np.array(fld.valid_range, dtype=dtype)
    os.replace(tmp, path)
    return path


def simulate_day(day: dt.date, cfg: dict, sites: pd.DataFrame | None = None, species=("CO2", "CH4"),
                 truth_cfg: dict | None = None) -> dict:
    """Scenes, parameters and the retrieval of each species of one day (``cfg`` merged)."""
    sc = scenes(day, cfg, sites)
    par = parameters(sc, cfg)
    return {"scenes": sc, "parameters": par, **{g: retrieve(sc, par, cfg, g, truth_cfg) for g in species}}


def truth_table(sim: dict) -> pd.DataFrame:
    """Per-sounding truth of a simulated day (scan ID, truth columns, injected bias parts)."""
    sc = sim["scenes"]
    out = {"scan_id": _scan_ids(sc["time"]), "time": sc["time"], "lat": sc["lat"], "lon": sc["lon"]}
    for g, key in (("CO2", "xco2"), ("CH4", "xch4")):
        if g in sim:
            out[f"{key}_true"] = sim[g]["x_true"]
            for part, v in sim[g]["bias"].items():
                out[f"{key}_bias_{part}"] = v
    return pd.DataFrame(out)


def write_days(outdir, days, syn_gosat: dict | None = None, sites: pd.DataFrame | None = None,
               species=("CO2", "CH4"), version: str | None = None, truth_cfg: dict | None = None) -> list[Path]:
    """Write the NIES L2 files of ``days`` (one per day and species) under ``outdir`` and a truth
    table per day (``truth/GOSAT-YYYYMMDD-truth.parquet``); deterministic by ``seed``.

    Parameters
    ----------
    outdir : path
    days : iterable of datetime.date
    syn_gosat : dict, optional
        The ``synthetic.gosat`` block (merged over :data:`DEFAULTS`).
    sites : DataFrame, optional
        The TCCON site table (``read_site_table``): target-mode soundings at ``target_sites``.
    version : str, optional
        Product version ('02.90', '03.05', ...); default ``product_version``.
    truth_cfg : dict, optional
        A whole ``truth`` block replacing the configured one (e.g. another version's biases on
        the same soundings).

    Returns
    -------
    list of Path
        The L2 files written.
    """
    cfg = merged_config(syn_gosat)
    version = version or str(cfg["product_version"])
    outdir = Path(outdir)
    paths = []
    for day in days:
        sim = simulate_day(day, cfg, sites, species, truth_cfg)
        for g in species:
            code = {v: k for k, v in gio.PRODUCTS.items()}[g]
            p = outdir / gio.file_name(day, code, version)
            arrays = file_arrays(sim["scenes"], sim["parameters"], sim[g], g, version)
            paths.append(write_file(p, arrays, g, version, dict(cfg, truth=truth_cfg or cfg["truth"])))
        tp = outdir / "truth" / f"GOSAT-{day:%Y%m%d}-V{version}-truth.parquet"
        tp.parent.mkdir(parents=True, exist_ok=True)
        truth_table(sim).to_parquet(tp, index=False)
    return paths


def write_record(outdir, syn_gosat: dict, sites: pd.DataFrame | None = None) -> dict:
    """The whole synthetic GOSAT record of a ``synthetic.gosat`` block with ``start``, ``end``
    and ``days_per_month``: L2 files of both species under ``outdir/gosat`` (truth tables in
    ``outdir/gosat/truth``) and, given the site table, TCCON GGG2020 files of the ``tccon_sites``
    under ``outdir/tccon_gosat``. Returns ``{"gosat": [paths], "tccon": [paths]}``."""
    from satcol.synthetic import calendar

    days = calendar.all_days({k: syn_gosat[k] for k in ("start", "end", "days_per_month")})
    outdir = Path(outdir)
    gosat = write_days(outdir / "gosat", days, syn_gosat, sites)
    tccon_files = write_tccon(outdir / "tccon_gosat", sites, days, syn_gosat) if sites is not None else []
    return {"gosat": gosat, "tccon": tccon_files}


def tccon_site_ids(cfg: dict, sites: pd.DataFrame) -> list[str]:
    """The sites that get synthetic TCCON files: ``tccon_sites`` of the (merged) ``synthetic.gosat``
    block, ``"all"`` (every site of the table; default: S23 and Zhou et al. 2016 validate against
    every TCCON site, the coastal ones giving the ocean match-ups), ``"targets"`` (the
    ``target_sites`` only) or a list of site ids."""
    which = cfg.get("tccon_sites", "all")
    if which == "all":
        return list(sites["id"])
    if which == "targets":
        return list(cfg["target_sites"])
    return list(which)


def write_tccon(outdir, sites: pd.DataFrame, days, syn_gosat: dict | None = None,
                variant: str = "GGG2020") -> list[Path]:
    """TCCON public files (XCO2, XCH4 from the GOSAT truth plus noise) of the sites of
    ``tccon_sites`` (:func:`tccon_site_ids`) operating on ``days``.

    ``variant`` "GGG2020" writes GGG2020 files (:func:`satcol.synthetic.tccon.write_ggg2020`);
    "GGG2014" writes GGG2014 files (:func:`satcol.synthetic.tccon.write_ggg2014`, with
    ``xco2_ppm``/``xch4_ppm``) at the same times with the same noise draws, plus the injected
    version difference ``ggg2014_minus_ggg2020`` (``xco2_ppm``, ``xch4_ppb``; default 0): the
    GGG2014 value of a measurement is its GGG2020 value plus that offset, exactly."""
    from satcol.synthetic import tccon

    if variant not in ("GGG2020", "GGG2014"):
        raise ValueError(f"TCCON variant {variant!r}: expected GGG2020 or GGG2014")
    offset = {"xco2_ppm": 0.0, "xch4_ppb": 0.0, **((syn_gosat or {}).get("ggg2014_minus_ggg2020") or {})}
    cfg = merged_config(syn_gosat)
    days = sorted(days)
    syn = {"seed": int(cfg["seed"]), "tccon_interval_minutes": cfg["tccon_interval_minutes"],
           "truth": {"tccon_noise_ppb": 1.0}}
    noise = cfg["truth"]["tccon_noise"]
    out = []
    for _, site in sites[sites["id"].isin(tccon_site_ids(cfg, sites))].iterrows():
        sdays = [d for d in days if site["start"] <= d <= site["end"]]
        if not sdays:
            continue
        syn_site = dict(syn, _days=sdays)
        sim = _simulate_tccon_site(tccon, site, syn_site)
        if sim is None:
            continue
        n = sim["time"].size
        rng = np.random.default_rng([int(cfg["seed"]), 55, sum(map(ord, site["id"]))])
        for gas, x_true, sd in (("co2", truth_xco2_ppm(np.full(n, sim["lat"]), sim["time"]), noise["xco2_ppm"]),
                                ("ch4", truth_xch4_ppb(np.full(n, sim["lat"]), sim["time"]), noise["xch4_ppb"])):
            scale = x_true / sim[f"prior_x{gas}"]
            sim[f"prior_{gas}"] = sim[f"prior_{gas}"] * scale[:, None]
            sim[f"prior_x{gas}"] = x_true
            sim[f"x{gas}"] = x_true + float(sd) * rng.standard_normal(n)
            sim[f"x{gas}_error"] = np.full(n, float(sd))
        mdays = sorted({dt.datetime.fromtimestamp(float(t), dt.timezone.utc).date() for t in sim["time"]})
        p = Path(outdir) / tccon.file_name(site["id"], mdays)
        if variant == "GGG2020":
            out.append(tccon.write_ggg2020(p, sim, site))
            continue
        sim14 = _simulate_tccon_site_ggg2014(tccon, site, syn_site)
        if sim14 is None or not np.array_equal(sim14["time"], sim["time"]):
            raise RuntimeError(f"TCCON site {site['id']}: GGG2014 and GGG2020 measurement times differ")
        sim14["xco2_ppm"] = sim["xco2"] + float(offset["xco2_ppm"])
        sim14["xco2_ppm_error"] = sim["xco2_error"]
        sim14["xch4_ppm"] = (sim["xch4"] + float(offset["xch4_ppb"])) * 1e-3
        sim14["xch4_ppm_error"] = sim["xch4_error"] * 1e-3
        out.append(tccon.write_ggg2014(p, sim14, site))
    return out


def _simulate_tccon_site_ggg2014(tccon, site, syn):
    """:func:`satcol.synthetic.tccon.simulate_site_ggg2014` day by day on ``syn["_days"]``,
    concatenated: per-measurement arrays joined, the daily priors stacked and the measurements'
    prior index shifted to them (None if no day has measurements)."""
    syn = dict(syn, truth={**syn["truth"], "tccon_wmo_factor": 1.0})
    sims = [s for s in (tccon.simulate_site_ggg2014(site, dict(syn, start=d.isoformat(), end=d.isoformat(),
                                                                days_per_month=31)) for d in syn["_days"])
            if s is not None]
    if not sims:
        return None
    out = dict(sims[0])
    for k in ("time", "sza", "pout", "xco_ppb", "xco_ppb_error", "xco_true_ppb", "prior_time", "prior_pressure",
              "prior_co"):
        out[k] = np.concatenate([s[k] for s in sims], axis=0)
    first = np.cumsum([0] + [s["prior_time"].size for s in sims[:-1]])
    out["prior_index"] = np.concatenate([s["prior_index"] + f for s, f in zip(sims, first, strict=True)]).astype(np.int32)
    return out


def _simulate_tccon_site(tccon, site, syn):
    """:func:`satcol.synthetic.tccon.simulate_site_ggg2020` day by day on an explicit list of
    days, concatenated (None if no day has measurements)."""
    sims = []
    for d in syn["_days"]:
        one = tccon.simulate_site_ggg2020(site, dict(syn, start=d.isoformat(), end=d.isoformat(), days_per_month=31))
        if one is not None:
            sims.append(one)
    if not sims:
        return None
    per_spectrum = [k for k, v in sims[0].items()
                    if isinstance(v, np.ndarray) and v.ndim >= 1 and k != "ak_pressure"]
    out = dict(sims[0])
    for k in per_spectrum:
        out[k] = np.concatenate([s[k] for s in sims], axis=0)
    return out
