"""Simulate TCCON public files (GGG2020 by default, GGG2014 selectable with
``synthetic.tccon_format``) for the sites of H19 Table 1 from the same truth.

Each clear day at an operating site gets measurements every ``tccon_interval_minutes`` while
the sun is above 80 deg SZA. The retrieved column simulates a profile-scaling retrieval with a
tabulated column AK a_T(p, SZA) (Rodgers & Connor 2003; Wunch et al. 2011):

    c_T = sum_j h_j x_aT,j + sum_j h_j a_T,j (x_j - x_aT,j)

on the 71-level prior grid, plus random noise. The truth is on the WMO scale, so this is the
public (WMO-scaled) product; the unscaled column is public / tccon_wmo_factor, and the file
carries the airmass-independent correction factor aicf = 1 / tccon_wmo_factor
(xco_ppb = raw / aicf).

GGG2020 files (:func:`simulate_site_ggg2020`, :func:`write_ggg2020`) have the real public files'
layout for every variable satcol reads (docs/formats-tccon.md; a test compares them with the real
sample variable by variable): per-spectrum wet priors on the fixed 51-level altitude grid,
``integration_operator``, per-spectrum AKs on ``ak_altitude``, and the scale as
``wmo_or_analogous_scale``. Scale convention: GGG2020 XCO is not tied to a WMO scale (its AICF is
1.0000 +- 0.0526, "CO ... not corrected", in the GGG2020 in situ correction file,
tccon.github.io/ggg-rs), i.e. its comparison with in situ profiles is consistent with 1, so the
synthetic GGG2020 XCO is the simulated retrieval of the truth itself, with no factor:
MOPITT / TCCON = global_scale, and tccon_wmo_factor plays no part (it is a GGG2014 quantity).
XCO2 and XCH4 are written for the layout's sake only: the synthetic world has no CO2 or CH4
truth, so they are their prior columns plus noise.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import netCDF4
import numpy as np
import pandas as pd
from scipy.special import ndtri

from satcol.core import timeutil
from satcol.core.sites import read_site_table  # noqa: F401 (the site-table reader, one definition)
from satcol.instruments.mopitt import levels
from satcol.synthetic import calendar, geometry, truth
from satcol.validation import regrid as columns

PRIOR_HEIGHT_KM = np.arange(0.0, 71.0)
SCALE_HEIGHT_KM = 7.6
AK_ZENITH = np.arange(0.0, 91.0, 10.0)
AK_PRESSURE = 1013.25 * np.exp(-PRIOR_HEIGHT_KM / SCALE_HEIGHT_KM)
#: TCCON keeps measuring through thin cloud: a larger clear probability than MOPITT's.
TCCON_CLEAR_PROBABILITY = 0.55


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


#: Synthetic TCCON file layouts (config synthetic.tccon_format).
FORMATS = ("ggg2020", "ggg2014")


def simulate_site(site, syn: dict):
    """Measurements of one site over the synthetic days in the layout ``synthetic.tccon_format``
    (default GGG2020): dict of arrays (key ``format``), or None if none."""
    fmt = syn.get("tccon_format", "ggg2020")
    if fmt not in FORMATS:
        raise ValueError(f"synthetic.tccon_format {fmt!r} not one of {FORMATS}")
    sim = simulate_site_ggg2020(site, syn) if fmt == "ggg2020" else simulate_site_ggg2014(site, syn)
    if sim is not None:
        sim["format"] = fmt
    return sim


def write(path, sim: dict, site) -> Path:
    """Write ``sim`` in its layout (:func:`write_ggg2020` or :func:`write_ggg2014`)."""
    if sim.get("format", "ggg2014") == "ggg2020":
        return write_ggg2020(path, sim, site)
    return write_ggg2014(path, sim, site)


def simulate_site_ggg2014(site, syn: dict):
    """GGG2014 measurements of one site over the synthetic days: dict of arrays, or None if none."""
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
    """Write a GGG2014-style public netCDF file (names per docs/formats.md) via a temporary name."""
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
        # XCO2 and XCH4 as the public files hold them (both in ppm), when simulated (GOSAT training)
        for gas in ("xco2", "xch4"):
            if f"{gas}_ppm" in sim:
                var(f"{gas}_ppm", ("time",), sim[f"{gas}_ppm"], units="ppm",
                    description=f"column-average dry-air mole fraction of {gas[1:].upper()}")
                var(f"{gas}_ppm_error", ("time",), sim[f"{gas}_ppm_error"], units="ppm")
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


# --- GGG2020 public files --------------------------------------------------------------------------
#: The fixed GGG2020 prior and AK altitude grid, 0-70 km in 51 levels: z_k = 0.4 k + 0.02 k^2 km
#: (the levels of the real public files).
GGG2020_ALTITUDE_KM = 0.4 * np.arange(51) + 0.02 * np.arange(51) ** 2
#: A water-vapour prior (wet mole fraction) falling off with a 2 km scale height.
H2O_SURFACE = 0.008
H2O_SCALE_KM = 2.0
#: WMO CO2 X2019 - X2007 near 400 ppm (Hall et al. 2021, AMT 14, 3015: +0.18 ppm).
X2019_MINUS_X2007_PPM = 0.18
PRIOR_TIME_STEP_S = 10800.0  # GEOS-based priors every 3 hours


def _surface_first_operator(pout, p_lev, z_km, zobs):
    """Dry-air integration weights on the fixed grid equal to satcol's level pressure weights on
    the surface-first grid [pout, levels above zobs] (:func:`satcol.validation.regrid.tccon_levels`),
    with the surface value interpolated linearly in log p between the levels around it: the
    surface weight is shared between those two levels. (n, L), rows sum to 1."""
    k0 = int(np.argmax(z_km > zobs))  # first level above the surface
    grid = np.concatenate([pout[:, None], p_lev[:, k0:]], axis=1)
    w = levels.level_pressure_weights(grid)
    h = np.zeros(p_lev.shape)
    h[:, k0:] = w[:, 1:]
    if k0 == 0:
        h[:, 0] += w[:, 0]
        return h
    lp0, lp1 = np.log(p_lev[:, k0 - 1]), np.log(p_lev[:, k0])
    t = (np.log(pout) - lp0) / (lp1 - lp0)
    h[:, k0 - 1] += w[:, 0] * (1.0 - t)
    h[:, k0] += w[:, 0] * t
    return h


def simulate_site_ggg2020(site, syn: dict):
    """GGG2020 spectra of one site over the synthetic days, or None if none.

    The XCO retrieval is the profile-scaling form c = sum_i h_i [x_a,i + a_i (x_i - x_a,i)] with
    the dry-air operator h (:func:`_surface_first_operator`) on the prior grid, on the truth
    scale (module docstring); the file's operator is h / (1 - f_h2o), applied to the wet priors.
    """
    seed = int(syn["seed"])
    noise = float(syn["truth"]["tccon_noise_ppb"])
    lat, lon, zobs = float(site["lat"]), float(site["lon"]), float(site["altitude_m"]) / 1000.0
    ts, szas = [], []
    for d in site_days(site, syn):
        t, sza = measurement_times(site, d, syn)
        ts.append(t)
        szas.append(sza)
    t = np.concatenate(ts) if ts else np.zeros(0)
    if t.size == 0:
        return None
    sza = np.concatenate(szas)
    n = t.size
    rng = np.random.default_rng([seed, 2020, sum(map(ord, site["id"]))])
    z = GGG2020_ALTITUDE_KM
    pout = site_surface_pressure(site["altitude_m"]) + 3.0 * rng.standard_normal(n)
    p_lev = pout[:, None] * np.exp(-(z[None, :] - zobs) / SCALE_HEIGHT_KM)  # hPa, per spectrum
    prior_t = np.floor(t / PRIOR_TIME_STEP_S) * PRIOR_TIME_STEP_S
    lat_n = np.full(n, lat)
    co_dry = truth.tccon_prior_vmr(lat_n, prior_t, p_lev, pout)
    co2_dry = 410.0 - 8.0 * np.clip((z - 12.0) / 30.0, 0.0, 1.0)[None, :].repeat(n, 0)
    ch4_dry = 1900.0 * (1.0 - 0.5 * np.clip((z - 12.0) / 40.0, 0.0, 1.0))[None, :].repeat(n, 0)
    q = H2O_SURFACE * np.exp(-np.maximum(z - zobs, 0.0) / H2O_SCALE_KM)[None, :].repeat(n, 0)
    h_dry = _surface_first_operator(pout, p_lev, z, zobs)
    ak_p = 1013.25 * np.exp(-z / SCALE_HEIGHT_KM)
    ak = {g: ak_table(ak_p, sza).T for g in ("co", "co2", "ch4")}  # (n, 51): the AK at each SZA
    ak["co2"] = 0.5 + 0.5 * ak["co2"]
    ak["ch4"] = 0.4 + 0.6 * ak["ch4"]
    x_true = truth.truth_vmr(lat_n, np.full(n, lon), t, p_lev, pout)
    xco_true = np.sum(h_dry * x_true, axis=1)
    prior_x = {"co": np.sum(h_dry * co_dry, 1), "co2": np.sum(h_dry * co2_dry, 1), "ch4": np.sum(h_dry * ch4_dry, 1)}
    xco = prior_x["co"] + np.sum(h_dry * ak["co"] * (x_true - co_dry), axis=1) + noise * rng.standard_normal(n)
    airmass = 1.0 / np.cos(np.radians(np.minimum(sza, 85.0)))
    return {
        "time": t, "prior_time": prior_t, "sza": sza, "pout": pout, "airmass": airmass,
        "lat": lat, "lon": lon, "zobs_km": zobs, "prior_pressure_hpa": p_lev, "prior_h2o": q,
        "prior_co": co_dry * (1 - q), "prior_co2": co2_dry * (1 - q), "prior_ch4": ch4_dry * (1 - q),  # wet
        "integration_operator": h_dry / (1.0 - q), "ak_pressure": ak_p,
        "ak_xco": ak["co"], "ak_xco2": ak["co2"], "ak_xch4": ak["ch4"],
        "prior_xco": prior_x["co"], "prior_xco2": prior_x["co2"], "prior_xch4": prior_x["ch4"],
        "xco": xco, "xco_error": noise * (1.0 + 0.2 * rng.random(n)),
        "xco2": prior_x["co2"] + 0.5 * rng.standard_normal(n), "xco2_error": np.full(n, 0.5),
        "xch4": prior_x["ch4"] + 5.0 * rng.standard_normal(n), "xch4_error": np.full(n, 5.0),
        "xco_true_ppb": xco_true,
    }


_NOTE_WET = ("Prior VMRs are wet mole fractions; dry = wet / (1 - prior_h2o). Synthetic: satcol OSSE, "
             "not TCCON data.")
_FLAG_ATTRS = {"flag_values": np.array([-2, -1, 0, 1, 2], dtype=np.int8),
               "flag_meanings": "clamped_to_min_slant_xgas\nextrapolated_below_lowest_slant_xgas_bin\n"
                                "interpolated_normally\nextrapolated_above_largest_slant_xgas_bin\nclamped_to_max_slant_xgas"}
#: Column-average standard names (CF) of the gases written.
_STD = {"co": "carbon_monoxide", "co2": "carbon_dioxide", "ch4": "methane"}


def write_ggg2020(path, sim: dict, site) -> Path:
    """Write a GGG2020 public file (file format 2020.C) with the real files' names, dimensions,
    dtypes (float32 with NaN fill, float64 time, int8 flags), units and compression for every
    variable satcol reads. Units as in the real files: XCH4 in ppm, prior_ch4 in ppb,
    prior_pressure in atm. Written via a temporary name."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    n = sim["time"].size
    z = GGG2020_ALTITUDE_KM
    with netCDF4.Dataset(tmp, "w", format="NETCDF4") as nc:
        nc.createDimension("time", n)
        nc.createDimension("prior_altitude", z.size)
        nc.createDimension("ak_altitude", z.size)
        nc.source = "Products retrieved from solar absorption spectra using the GGG2020 software (satcol synthetic OSSE)"
        nc.title = "TCCON GGG2020 public data (satcol synthetic observing-system simulation, not TCCON data)"
        nc.long_name = str(site["name"])
        nc.short_location = str(site["name"])
        nc.file_format_version = "2020.C"
        nc.data_revision = "R0"

        def var(name, dims, data, dtype="f4", zlib=False, **attrs):
            kw = {"fill_value": np.float32(np.nan) if dtype == "f4" else np.float64(np.nan)} if dtype in ("f4", "f8") else {}
            if zlib:
                kw.update(zlib=True, complevel=9, shuffle=True)
            v = nc.createVariable(name, dtype, dims, **kw)
            v.setncatts(attrs)
            v[:] = data
            return v

        tatt = {"units": "seconds since 1970-01-01", "calendar": "gregorian", "standard_name": "time"}
        var("time", ("time",), sim["time"], "f8", long_name="time", description="UTC time", **tatt)
        var("prior_time", ("time",), sim["prior_time"], "f8", True, long_name="prior time", **tatt)
        var("prior_altitude", ("prior_altitude",), z, long_name="prior altitude profile", units="km", standard_name="altitude")
        var("ak_altitude", ("ak_altitude",), z, long_name="averaging kernel altitude levels", units="km",
            standard_name="altitude")
        var("ak_pressure", ("ak_altitude",), sim["ak_pressure"], long_name="averaging kernel pressure levels",
            description="Median pressure for the column averaging kernels vertical grid", units="hPa",
            standard_name="air_pressure")
        for name, val, units, std in (("lat", np.full(n, sim["lat"]), "degrees_north", "latitude"),
                                      ("long", np.full(n, sim["lon"]), "degrees_east", "longitude"),
                                      ("zobs", np.full(n, sim["zobs_km"]), "km", "altitude"),
                                      ("solzen", sim["sza"], "degrees", "solar_zenith_angle"),
                                      ("pout", sim["pout"], "hPa", "atmospheric_pressure")):
            var(name, ("time",), val, units=units, standard_name=std, long_name=std.replace("_", " "))
        var("airmass", ("time",), sim["airmass"], units="", long_name="airmass")
        for gas, unit in (("co", "ppb"), ("co2", "ppm"), ("ch4", "ppm")):
            std = f"column_average_dry_atmosphere_mole_fraction_of_{_STD[gas]}"
            f = 1e-3 if gas == "ch4" else 1.0  # XCH4 in ppm as in the real files
            scale = {"co": "Not used", "co2": "WMO CO2 X2007", "ch4": "WMO CH4 X2004"}[gas]
            var(f"x{gas}", ("time",), f * sim[f"x{gas}"], units=unit, long_name=f"x{gas}", standard_name=std,
                wmo_or_analogous_scale=scale, ancillary_variables=f"x{gas}_error")
            var(f"x{gas}_error", ("time",), f * sim[f"x{gas}_error"], units=unit, long_name=f"x{gas} error",
                description="one-sigma precision", standard_name=f"{std} standard_error")
            var(f"ak_x{gas}", ("time", "ak_altitude"), sim[f"ak_x{gas}"], zlib=True, units="1",
                long_name=f"x{gas} column averaging kernel", standard_name="averaging_kernel",
                ancillary_variables=f"extrapolation_flags_ak_x{gas}")
            var(f"extrapolation_flags_ak_x{gas}", ("time",), np.zeros(n, np.int8), "i1", True, **_FLAG_ATTRS)
            var(f"prior_{gas}", ("time", "prior_altitude"), sim[f"prior_{gas}"], zlib=True,
                units="ppm" if gas == "co2" else "ppb", long_name=f"prior 1{gas} profile", note=_NOTE_WET,
                standard_name=f"wet_atmosphere_mole_fraction_of_{_STD[gas]}")
            var(f"prior_x{gas}", ("time",), f * sim[f"prior_x{gas}"], units=unit, standard_name=std,
                description=f"column-average mole fraction of the prior profile of {gas} (integration_operator . prior_{gas})")
        var("xco2_x2019", ("time",), sim["xco2"] + X2019_MINUS_X2007_PPM, units="ppm", long_name="xco2",
            wmo_or_analogous_scale="WMO CO2 X2019", standard_name=f"column_average_dry_atmosphere_mole_fraction_of_{_STD['co2']}",
            ancillary_variables="xco2_error_x2019")
        var("xco2_error_x2019", ("time",), sim["xco2_error"], units="ppm", long_name="xco2 error")
        var("prior_pressure", ("time", "prior_altitude"), sim["prior_pressure_hpa"] / 1013.25, zlib=True, units="atm",
            long_name="prior pressure profile", standard_name="air_pressure")
        var("prior_h2o", ("time", "prior_altitude"), sim["prior_h2o"], zlib=True, units="1",
            long_name="prior 1h2o profile", note=_NOTE_WET, standard_name="wet_atmosphere_mole_fraction_of_water")
        var("integration_operator", ("time", "prior_altitude"), sim["integration_operator"], zlib=True, units="1",
            description="dot product with a wet mole-fraction profile gives its column-average dry-air mole fraction",
            relates_to="xco, xch4, xco2")
    os.replace(tmp, path)
    return path
