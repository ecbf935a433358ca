"""Simulate TCCON-like GGG2014 public files for the sites of H19 Table 1 from the same truth.

Each clear day at an operating site gets measurements every ``tccon_interval_minutes`` while
the sun is above 80 deg SZA. The retrieved column simulates a profile-scaling retrieval with a
tabulated column AK a_T(p, SZA) (Rodgers & Connor 2003; Wunch et al. 2011):

    c_T = sum_j h_j x_aT,j + sum_j h_j a_T,j (x_j - x_aT,j)

on the 71-level prior grid, plus random noise. The truth is on the WMO scale, so this is the
public (WMO-scaled) product; the unscaled column is public / tccon_wmo_factor, and the file
carries the airmass-independent correction factor aicf = 1 / tccon_wmo_factor
(xco_ppb = raw / aicf).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import netCDF4
import numpy as np
import pandas as pd
from scipy.special import ndtri

from .. import columns, levels, timeutil
from . import calendar, geometry, truth

PRIOR_HEIGHT_KM = np.arange(0.0, 71.0)
SCALE_HEIGHT_KM = 7.6
AK_ZENITH = np.arange(0.0, 91.0, 10.0)
AK_PRESSURE = 1013.25 * np.exp(-PRIOR_HEIGHT_KM / SCALE_HEIGHT_KM)
#: TCCON keeps measuring through thin cloud: a larger clear probability than MOPITT's.
TCCON_CLEAR_PROBABILITY = 0.55


def read_site_table(path) -> pd.DataFrame:
    sites = pd.read_csv(path, sep="\t", comment="#", dtype={"id": str})
    sites["start"] = pd.to_datetime(sites["start"]).dt.date
    sites["end"] = pd.to_datetime(sites["end"]).dt.date
    return sites


def ak_table(p_hpa, sza_deg):
    """Synthetic GGG2014-like CO column AK (H19 Fig. 8e shape): < 1 near the surface, > 1 aloft."""
    p = np.asarray(p_hpa)[..., :, None]
    z = np.asarray(sza_deg)[None, :]
    return 0.6 + 0.8 * (1.0 - np.clip(p / 1013.25, 0, 1)) ** 0.8 + 0.3 * (z / 90.0) ** 2 * (p / 1013.25)


def site_days(site, syn: dict) -> list[dt.date]:
    return [d for d in calendar.all_days(syn) if site["start"] <= d <= site["end"]]


def file_name(site_id: str, days: list[dt.date]) -> str:
    return f"{site_id}{days[0]:%Y%m%d}_{days[-1]:%Y%m%d}.public.nc"


def measurement_times(site, day: dt.date, syn: dict):
    """POSIX times and SZAs of a site's measurements on ``day``; empty if cloudy or dark."""
    lat, lon = float(site["lat"]), float(site["lon"])
    di = calendar.day_index(day)
    clear = geometry.smooth_field(np.array([lat]), np.array([lon]), int(syn["seed"]) * 7919 + di, (400.0, 4000.0))
    if clear[0] <= ndtri(1.0 - TCCON_CLEAR_PROBABILITY):
        return np.zeros(0), np.zeros(0)
    t = timeutil.day_start_unix(day) + np.arange(0.0, 86400.0, float(syn["tccon_interval_minutes"]) * 60.0)
    sza = geometry.solar_zenith(t, lat, lon)
    return t[sza < 80.0], sza[sza < 80.0]


def measurement_days(site, syn: dict) -> list[dt.date]:
    return [d for d in site_days(site, syn) if measurement_times(site, d, syn)[0].size]


def planned_files(sites: pd.DataFrame, syn: dict) -> dict[str, str]:
    """site id -> file name, for every site with measurements on at least one synthetic day."""
    out = {}
    for _, site in sites.iterrows():
        days = measurement_days(site, syn)
        if days:
            out[site["id"]] = file_name(site["id"], days)
    return out


def site_surface_pressure(altitude_m: float) -> float:
    return 1013.25 * np.exp(-altitude_m / 8400.0)


def simulate_site(site, syn: dict):
    """Measurements of one site over the synthetic days: dict of arrays, or None if none."""
    seed = int(syn["seed"])
    wmo = float(syn["truth"]["tccon_wmo_factor"])
    noise = float(syn["truth"]["tccon_noise_ppb"])
    lat, lon, zobs = float(site["lat"]), float(site["lon"]), float(site["altitude_m"]) / 1000.0
    rows, priors = [], []
    for d in site_days(site, syn):
        t, sza = measurement_times(site, d, syn)
        if t.size == 0:
            continue
        t0 = timeutil.day_start_unix(d)
        rows.append((t, sza, len(priors)))
        priors.append(t0 + 43200.0 - lon / 15.0 * 3600.0)
    if not rows:
        return None
    rng = np.random.default_rng([seed, 7, sum(map(ord, site["id"]))])
    t = np.concatenate([r[0] for r in rows])
    sza = np.concatenate([r[1] for r in rows])
    pidx = np.concatenate([np.full(r[0].size, r[2], dtype=np.int32) for r in rows])
    n = t.size
    pout = site_surface_pressure(site["altitude_m"]) + 3.0 * rng.standard_normal(n)
    prior_t = np.array(priors)
    # Prior pressure grid: hydrostatic from each day's mean surface pressure at the site.
    p_day = site_surface_pressure(site["altitude_m"])
    prior_p = p_day * np.exp(-(PRIOR_HEIGHT_KM - zobs) / SCALE_HEIGHT_KM)[None, :].repeat(len(priors), 0)
    prior_co = truth.tccon_prior_vmr(np.full(prior_p.shape[0], lat), prior_t, prior_p, np.full(prior_p.shape[0], p_day))
    # Integration levels for each measurement: the surface, then prior levels above it.
    p_lev = pout[:, None] * np.exp(-(np.maximum(PRIOR_HEIGHT_KM, zobs) - zobs) / SCALE_HEIGHT_KM)[None, :]
    above = PRIOR_HEIGHT_KM[None, :] > zobs
    first = np.argmax(above[0])
    p_lev = np.concatenate([pout[:, None], p_lev[:, first:]], axis=1)
    h = levels.level_pressure_weights(p_lev)
    x_true = truth.truth_vmr(np.full(n, lat), np.full(n, lon), t, p_lev, pout)
    log_pp = np.log(prior_p[pidx][:, ::-1])
    # Vectorized interpolation of the daily prior to each measurement's levels (log p).
    x_prior = columns.interp_rows(np.log(p_lev), log_pp, prior_co[pidx][:, ::-1])
    ak = ak_table(AK_PRESSURE, AK_ZENITH)
    a_t = _interp_ak(ak, p_lev, sza)
    c_prior = np.sum(h * x_prior, axis=1)
    xco = c_prior + np.sum(h * a_t * (x_true - x_prior), axis=1)
    xco_true = np.sum(h * x_true, axis=1)
    xco_public = xco + noise * rng.standard_normal(n)
    return {
        "time": t, "sza": sza, "pout": pout, "prior_index": pidx, "prior_time": prior_t,
        "prior_pressure": prior_p, "prior_co": prior_co, "ak": ak,
        "xco_ppb": xco_public, "xco_ppb_error": noise * (1.0 + 0.2 * rng.random(n)),
        "aicf": 1.0 / wmo, "xco_true_ppb": xco_true, "lat": lat, "lon": lon, "zobs_km": zobs,
    }


def _interp_ak(ak, p_lev, sza):
    """Bilinear interpolation of the AK table (pressure x zenith) to levels and SZA."""
    lp_tab = np.log(AK_PRESSURE[::-1])
    j = np.clip(np.searchsorted(AK_ZENITH, sza), 1, AK_ZENITH.size - 1)
    wz = np.clip((sza - AK_ZENITH[j - 1]) / (AK_ZENITH[j] - AK_ZENITH[j - 1]), 0, 1)
    col = ak[::-1, j - 1].T * (1 - wz)[:, None] + ak[::-1, j].T * wz[:, None]  # (n, 71) ascending log p
    n = p_lev.shape[0]
    return columns.interp_rows(np.log(p_lev), np.broadcast_to(lp_tab, (n, lp_tab.size)), col)


def write_ggg2014(path, sim: dict, site) -> Path:
    """Write a GGG2014-style public netCDF file (names per FORMATS.md) via a temporary name."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    t = sim["time"]
    dtimes = pd.to_datetime(t, unit="s", utc=True)
    with netCDF4.Dataset(tmp, "w", format="NETCDF4") as nc:
        nc.createDimension("time", t.size)
        nc.createDimension("prior_date", sim["prior_time"].size)
        nc.createDimension("prior_Height", PRIOR_HEIGHT_KM.size)
        nc.createDimension("ak_P_hPa", AK_PRESSURE.size)
        nc.createDimension("ak_zenith", AK_ZENITH.size)
        nc.title = "TCCON GGG2014 public data (satcol synthetic OSSE)"
        nc.source = "satcol synthetic observing-system simulation"
        nc.longName = str(site["name"])
        nc.site_id = str(site["id"])

        def var(name, dims, data, dtype="f8", **attrs):
            v = nc.createVariable(name, dtype, dims)
            v[:] = data
            for k, val in attrs.items():
                v.setncattr(k, val)
            return v

        var("time", ("time",), t, units="seconds since 1970-01-01 00:00:00", calendar="gregorian")
        var("year", ("time",), dtimes.year.values, "i4")
        var("day", ("time",), dtimes.day_of_year.values, "i4", long_name="day of year")
        var("hour", ("time",), (t % 86400.0) / 3600.0, units="h", long_name="UTC decimal hour")
        var("lat_deg", ("time",), np.full(t.size, sim["lat"]), units="degrees_north")
        var("long_deg", ("time",), np.full(t.size, sim["lon"]), units="degrees_east")
        var("zobs_km", ("time",), np.full(t.size, sim["zobs_km"]), units="km")
        var("pout_hPa", ("time",), sim["pout"], units="hPa")
        var("asza_deg", ("time",), sim["sza"], units="degrees")
        var("flag", ("time",), np.zeros(t.size, dtype=np.int32), "i4")
        var("xco_ppb", ("time",), sim["xco_ppb"], units="ppb", aicf=sim["aicf"],
            description="column-average dry-air mole fraction of CO, scaled to the WMO in situ scale")
        var("xco_ppb_error", ("time",), sim["xco_ppb_error"], units="ppb")
        var("xco_aicf", ("time",), np.full(t.size, sim["aicf"]),
            long_name="airmass-independent correction factor applied to xco_ppb (xco = raw / aicf)")
        var("prior_date_index", ("time",), sim["prior_index"], "i4")
        pdt = pd.to_datetime(sim["prior_time"], unit="s", utc=True)
        var("prior_date", ("prior_date",), sim["prior_time"], units="seconds since 1970-01-01 00:00:00")
        var("prior_year", ("prior_date",), pdt.year.values, "i4")
        var("prior_month", ("prior_date",), pdt.month.values, "i4")
        var("prior_day", ("prior_date",), pdt.day.values, "i4")
        var("prior_Height", ("prior_Height",), PRIOR_HEIGHT_KM, units="km")
        var("prior_Pressure", ("prior_date", "prior_Height"), sim["prior_pressure"], units="hPa")
        var("prior_co", ("prior_date", "prior_Height"), sim["prior_co"], units="ppb")
        var("ak_P_hPa", ("ak_P_hPa",), AK_PRESSURE, units="hPa")
        var("ak_zenith", ("ak_zenith",), AK_ZENITH, units="degrees")
        var("ak_co", ("ak_P_hPa", "ak_zenith"), sim["ak"], long_name="CO column averaging kernel")
    os.replace(tmp, path)
    return path
