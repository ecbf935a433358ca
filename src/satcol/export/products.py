"""Assimilation export: CF-1.8 netCDF of every sounding and of super-observations (issue #5).

What is exported and why (H19 Sect. 5; docs/methods.md sect. 10):

- ``xco`` = (xco_original - feature correction - pixel correction) / global scale factor. The
  global scale factor is the TCCON method II scale of this run (``export.scale_to``:
  ``tccon_standard`` = H19's "Assim. 2", ``tccon_unscaled`` = "Assim. 3", ``none`` = the
  original scale), or a value given in the config. Each correction is its own variable.
- ``xco_error``: the error to use with the averaging kernel applied: the reported total
  retrieval error without its smoothing part, sqrt(total^2 - smoothing^2) (Rodgers 2000: the
  smoothing error is accounted for when the model is seen through the kernel; docs/methods.md
  sect. 5), scaled like ``xco``. Files without the smoothing diagnostic fall back to the total
  error, which the variable's ``comment`` says. ``xco_error_total`` keeps the reported error.
- Flag, don't drop: every ingested sounding is in the per-sounding file with its QC bitmask.
  Super-observations use kept soundings (qc == 0) only. Nothing is ever rejected for its
  distance from a model.
- Profiles and kernels (``export.profiles``): by default only the kept soundings carry them,
  along their own dimension ``kept_sounding``, whose coordinate lists their indices along
  ``sounding`` (CF-1.8 sect. 8.2, compression by gathering). Every sounding keeps its scalars
  and QC bits. A full-density month keeps 16 % of its soundings, and the profiles are nearly
  90 % of the bytes: the file is 1.3 GB instead of 5.4 GB (the full record about 240 GB instead
  of 1 TB), and writing it takes about two thirds of the time (benchmarks/RESULTS.md). ``all``
  writes them for every sounding along ``sounding``, for users who relax the filters. The
  flagged soundings' profiles stay in the store either way. :func:`profile_soundings` and
  :func:`kept_soundings` read either layout.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import xarray as xr

from satcol.core.ioutil import atomic_path, drop_from_page_cache
from satcol.core.provenance import netcdf_attrs
from satcol.core.store import check_store_order
from satcol.export.names import export_names
from satcol.instruments.mopitt import instrument as _mopitt
from satcol.instruments.mopitt import levels
from satcol.instruments.mopitt import qc as qcmod
from satcol.validation.error_correlation import CorrelationModel

SCALE_VARIANTS = {"tccon_standard": "standard", "tccon_unscaled": "unscaled"}
#: The export's name table of the instrument's own store columns the products read, by role (the
#: one place outside ``instruments/mopitt`` that spells a MOPITT field name; issue 20): the
#: smoothing part of the retrieval error. The footprint column comes from the declaration.
NAME_TABLE = {"smoothing_error": "xgas_error_smoothing"}
SMOOTHING_ERROR = NAME_TABLE["smoothing_error"]
FOOTPRINT = _mopitt.INSTRUMENT.footprints.column
#: The variable names of MOPITT's exports (``xco``, ``prior_co_vmr``, ...) by generic name: the
#: species table of :mod:`satcol.export.names`.
N = export_names(_mopitt.INSTRUMENT.primary_species)
#: Store columns the export stages read (read nothing else).
PAIR_COLUMNS = ["sounding_id", "time", "lat", "lon", "surface", "xgas_error", SMOOTHING_ERROR]
SOUNDING_COLUMNS = PAIR_COLUMNS + ["source_file", "source_index", FOOTPRINT, "sza", "vza", "psurf", "dof"]
#: Store profile arrays the per-sounding file is built from, in :func:`_profile_vars`' order.
STORE_PROFILES = ("prior_vmr", "retrieved_vmr", "averaging_kernel", "column_averaging_kernel")
#: The dimension of the gathered profiles (``export.profiles: kept``) and its list variable.
KEPT_DIM = "kept_sounding"
PROFILE_LAYOUTS = ("kept", "all")
SURFACE_FLAGS = {"flag_values": np.array([0, 1, 2], dtype=np.int8), "flag_meanings": "water land mixed"}
VMR_UNITS = "1e-9"
LEVEL_COMMENT = _mopitt.LEVEL_DESCRIPTION


# --- what is exported ----------------------------------------------------------------------------
def global_scale(validation: dict, cfg: dict) -> dict:
    """The global scale factor the export divides by (H19 Sect. 4.4-5): from the run's TCCON
    validation (method II York fit, ``export.scale_to``) or ``export.scale_factor`` if set.

    Raises ValueError naming the config keys when a TCCON scale is asked for and the
    validation has none (no colocated days).
    """
    to = cfg["scale_to"]
    if to == "none":
        return {"value": 1.0, "source": "none (original MOPITT scale)", "uncertainty": 0.0, "scale_to": to}
    if cfg.get("scale_factor") is not None:
        return {"value": float(cfg["scale_factor"]), "source": "config export.scale_factor", "uncertainty": float("nan"),
                "scale_to": to}
    variant = SCALE_VARIANTS[to]
    fit = validation.get("method_II", {}).get(variant, {})
    s = fit.get("scale_factor")
    if s is None or not np.isfinite(s):
        raise ValueError(f"export.scale_to: {to} needs the method II scale factor against {variant} TCCON, but "
                         f"results/mopitt/validation/tccon.json has none (n = {fit.get('n', 0)} colocated day x surface "
                         "points); set export.scale_to: none, or export.scale_factor to a value")
    return {"value": float(s), "source": f"TCCON validation of this run: method II, {variant} TCCON, York fit "
            f"of {fit.get('n')} day x surface averages", "uncertainty": float(fit.get("scale_factor_err", np.nan)),
            "scale_to": to}


def observation_error(xgas_error, xgas_error_smoothing) -> tuple[np.ndarray, bool]:
    """sqrt(total^2 - smoothing^2) where the smoothing error is known, else the total error;
    returns the error and whether the smoothing part could be removed everywhere."""
    tot = np.asarray(xgas_error, dtype=np.float64)
    sm = np.asarray(xgas_error_smoothing, dtype=np.float64)
    known = np.isfinite(sm)
    out = np.where(known, np.sqrt(np.clip(tot**2 - np.where(known, sm, 0.0) ** 2, 0.0, None)), tot)
    return out, bool(known.all())


def profile_ratio(xco_original, xco_exported) -> np.ndarray:
    """xco_exported / xco_original (float64): the retrieved profile times this ratio is the
    corrected profile, the column corrections carried to the profile as one ratio [V], as in
    the TCCON comparison (docs/mopitt-h19.md, "TCCON validation (H19 Sect. 4)")."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(xco_exported, dtype=np.float64) / np.asarray(xco_original, dtype=np.float64)


# --- CF building blocks ----------------------------------------------------------------------------
def _var(dims, data, long_name, units=None, **attrs):
    a = {"long_name": long_name}
    if units is not None:
        a["units"] = units
    a.update(attrs)
    return (dims, data, a)


def _time_coord(dim, seconds):
    # Microsecond-exact, as in the store (float seconds through pandas picked up ~100 ns of
    # rounding, so the values in memory differed from those read back from the file).
    s = np.asarray(seconds, dtype=np.float64)
    us = np.round(np.where(np.isfinite(s), s, 0.0) * 1e6).astype(np.int64).astype("datetime64[us]")
    t = np.where(np.isfinite(s), us, np.datetime64("NaT", "us")).astype("datetime64[ns]")
    return (dim, t, {"standard_name": "time", "long_name": "time (UTC)", "axis": "T",
                     "units_metadata": "leap_seconds: none"})


def correlation_attrs(models: dict[str, CorrelationModel]) -> dict:
    out = {}
    for name, m in models.items():
        p = f"error_correlation_{name}_"
        out.update({p + "family": m.family, p + "c0": m.c0, p + "length_km": m.length_km,
                    p + "c0_standard_error": m.c0_se, p + "length_km_standard_error": m.length_km_se,
                    p + "n_pairs": m.n_pairs, p + "source": m.source})
    out["error_correlation_model"] = (
        "rho(d) = c0 * exp(-d / length_km) (family exponential) or c0 * exp(-d^2 / (2 length_km^2)) (gaussian) "
        "between the errors of two soundings of the same overpass d km apart; 1 at d = 0; 0 between overpasses. "
        "Fitted to pairs of SRA residuals (satcol.validation.error_correlation)")
    return out


def _container(models: dict[str, CorrelationModel], surface: str):
    m = models[surface]
    return ((), np.int8(0), {"long_name": f"error correlation model over {surface} (attributes hold the model)",
                             "family": m.family, "c0": m.c0, "length_km": m.length_km, "c0_standard_error": m.c0_se,
                             "length_km_standard_error": m.length_km_se, "n_pairs": m.n_pairs, "source": m.source})


def _global_attrs(prov: dict, title: str, scale: dict, models, extra: dict) -> dict:
    a = {
        "Conventions": "CF-1.8",
        "title": title,
        "institution": "satcol",
        "source": "MOPITT Level 2 XCO (MOP02J) filtered and bias-corrected by satcol after Hedelius et al. (2019)",
        "references": "Hedelius et al. (2019), AMT 12, 5547, doi:10.5194/amt-12-5547-2019",
        "history": f"satcol {prov['satcol_version']} (git {prov['git_commit']}): export",
        "comment": "No observation is rejected for its distance from a model (no model-data mismatch filtering).",
        "global_scale_factor": scale["value"],
        "global_scale_factor_uncertainty": scale["uncertainty"],
        "global_scale_source": scale["source"],
        "scale_to": scale["scale_to"],
    }
    a.update(netcdf_attrs(prov))
    a.update(correlation_attrs(models))
    a.update(extra)
    return {k: (json.dumps(v) if isinstance(v, (dict, list)) else v) for k, v in a.items()}


#: Rows per block of the float64 profile arithmetic of :func:`_profile_arrays` (cache-sized
#: temporaries; issue #7).
PROFILE_BLOCK_ROWS = 8192


def _profile_arrays(psurf, prior, retrieved, ratio=None) -> dict[str, np.ndarray]:
    """The float32 level arrays of an export, computed in float64 in row blocks: level
    pressures, pressure weights (H19 Eq. 4), prior and retrieved VMR and their log10, and the
    retrieved VMR times ``ratio`` (:func:`profile_ratio`; the retrieved VMR itself when
    ``ratio`` is None). Each value equals the whole-array float64 result cast to float32."""
    n = len(psurf)
    names = ("pressure", "pressure_weight", "prior", "log10_prior", "retrieved", "log10_retrieved",
             "retrieved_corrected", "log10_retrieved_corrected")
    out = {k: np.empty((n, levels.N_LEVELS), dtype=np.float32) for k in names}
    for start in range(0, n, PROFILE_BLOCK_ROWS):
        rows = slice(start, start + PROFILE_BLOCK_ROWS)
        ps = np.asarray(psurf[rows], dtype=np.float64)
        p = levels.level_pressures(ps)
        pr = np.asarray(prior[rows], dtype=np.float64)
        ret = np.asarray(retrieved[rows], dtype=np.float64)
        corr = ret if ratio is None else ret * np.asarray(ratio[rows], dtype=np.float64)[:, None]
        out["pressure"][rows] = p
        out["pressure_weight"][rows] = levels.pressure_weights(ps, p)
        with np.errstate(invalid="ignore", divide="ignore"):
            for key, v in (("prior", pr), ("retrieved", ret), ("retrieved_corrected", corr)):
                out[key][rows] = v
                out[f"log10_{key}"][rows] = np.log10(v)
    return out


def _profile_vars(dim, psurf, prior, retrieved, A, col_ak, ratio=None):
    lv = ("level",)
    a = _profile_arrays(psurf, prior, retrieved, ratio)
    return {
        "surface_pressure": _var((dim,), np.asarray(psurf, dtype=np.float32), "surface pressure of the retrieval",
                                 "hPa", standard_name="surface_air_pressure"),
        "pressure": _var((dim,) + lv, a["pressure"], "pressure of the MOPITT levels", "hPa",
                         standard_name="air_pressure", comment=LEVEL_COMMENT),
        "pressure_weight": _var((dim,) + lv, a["pressure_weight"],
                                "pressure weighting function h of the column average (H19 Eq. 4; the 50-0 hPa layer "
                                "counted in the 100 hPa slot at 0.48 of its VMR)", "1"),
        N["prior_gas_vmr"]: _var((dim,) + lv, a["prior"], "a priori CO mole fraction", VMR_UNITS,
                             standard_name="mole_fraction_of_carbon_monoxide_in_air"),
        N["prior_gas_log10_vmr"]: _var((dim,) + lv, a["log10_prior"], "log10 of the a priori CO mole fraction in ppb "
                                   "(the retrieval state)", "1"),
        N["retrieved_gas_vmr"]: _var((dim,) + lv, a["retrieved"], "retrieved CO mole fraction (product, "
                                 "uncorrected)", VMR_UNITS, standard_name="mole_fraction_of_carbon_monoxide_in_air"),
        N["retrieved_gas_log10_vmr"]: _var((dim,) + lv, a["log10_retrieved"], "log10 of the retrieved CO mole fraction in "
                                       "ppb (product, uncorrected)", "1"),
        N["retrieved_gas_vmr_corrected"]: _var((dim,) + lv, a["retrieved_corrected"],
                                           "retrieved CO mole fraction scaled by xco / xco_original (corrections "
                                           "carried to the profile as one ratio)", VMR_UNITS,
                                           standard_name="mole_fraction_of_carbon_monoxide_in_air"),
        N["retrieved_gas_log10_vmr_corrected"]: _var((dim,) + lv, a["log10_retrieved_corrected"],
                                                 "log10 of retrieved_co_vmr_corrected in ppb", "1"),
        "averaging_kernel": _var((dim,) + lv + ("level_in",), np.asarray(A, dtype=np.float32),
                                 "averaging kernel d log10 x_hat_i / d log10 x_j (row i = retrieved level)", "1"),
        "column_averaging_kernel": _var((dim,) + lv, np.asarray(col_ak, dtype=np.float32),
                                        "column averaging kernel d XCO / d log10 x_j (H19 App. B)", VMR_UNITS),
    }


def _level_coords():
    return {"level": ("level", np.arange(levels.N_LEVELS, dtype=np.int8), {"long_name": "MOPITT profile slot",
                                                                             "comment": LEVEL_COMMENT}),
            "level_in": ("level_in", np.arange(levels.N_LEVELS, dtype=np.int8),
                         {"long_name": "MOPITT profile slot of the true state (averaging kernel column)"})}


# --- per-sounding file ---------------------------------------------------------------------------
def qc_variable(dim: str, qc, registry) -> tuple:
    """The CF-1.8 QC variable of an export: the bitmask as int32 with ``flag_masks`` and
    ``flag_meanings`` from the instrument's registry (:class:`satcol.core.qcbits.QCRegistry`).

    Parameters
    ----------
    dim : str
        The variable's dimension.
    qc : numpy.ndarray
        The uint32 bitmask per sounding.
    registry : satcol.core.qcbits.QCRegistry
        The QC bits of the soundings' instrument.

    Returns
    -------
    tuple
        ``((dim,), int32 array, attrs)`` for an :class:`xarray.Dataset`.

    Raises
    ------
    ValueError
        If a sounding has a bit set that the registry does not declare (a file would then carry
        a bit without a meaning).
    """
    qc = np.asarray(qc, dtype=qcmod.QC_DTYPE)
    # CF-1.8 has no unsigned or 64-bit integers: the bitmask is written as int32 (bits 0-30,
    # which QCRegistry enforces).
    unknown = registry.unregistered(qc)
    if unknown:
        raise ValueError(f"{registry.instrument} QC bitmask has unregistered bit(s) {unknown:#x}")
    attrs = registry.cf_flag_attributes()
    attrs["flag_masks"] = attrs["flag_masks"].astype(np.int32)
    attrs["standard_name"] = "quality_flag"
    return ((dim,), qc.astype(np.int32), attrs)


def sounding_dataset(table: pd.DataFrame, corrected: pd.DataFrame, profiles: dict, scale: dict, models: dict,
                     prov: dict, source_files: list[str], month: str, profiles_of: str = "kept",
                     row_offset: int = 0, profiles_kept_only: bool = False) -> xr.Dataset:
    """Every ingested sounding of a month (store row order), flagged ones included.

    ``profiles`` holds the store's profile arrays of every row of ``table``, or, with
    ``profiles_kept_only``, of the kept soundings (qc == 0) alone, in order. ``profiles_of``
    (``export.profiles``): ``kept`` writes the profile and kernel variables of the kept soundings
    only, along :data:`KEPT_DIM`, whose coordinate holds their indices along ``sounding`` plus
    ``row_offset`` (the position of ``table``'s first row in the month's file; CF-1.8 sect. 8.2,
    compression by gathering); ``all`` writes them for every sounding along ``sounding``.
    """
    if profiles_of not in PROFILE_LAYOUTS:
        raise ValueError(f"export.profiles: {profiles_of!r} is not one of {PROFILE_LAYOUTS}")
    if profiles_kept_only and profiles_of != "kept":
        raise ValueError("sounding_dataset: profiles of the kept soundings only need profiles_of='kept'")
    check_store_order(table, corrected, f"export {month}")
    d = "sounding"
    g = scale["value"]
    t = (table["time"] - pd.Timestamp(0, tz="UTC")).dt.total_seconds().to_numpy()
    xco0 = corrected["xgas"].to_numpy(np.float64)
    fcorr = corrected["feature_correction"].to_numpy(np.float64)
    pcorr = corrected["pixel_correction"].to_numpy(np.float64)
    xco = (xco0 - fcorr - pcorr) / g
    err_obs, complete = observation_error(table["xgas_error"], table[SMOOTHING_ERROR])
    qc = corrected["qc"].to_numpy().astype(qcmod.QC_DTYPE)
    data = {
        "qc": qc_variable(d, qc, qcmod.QC_REGISTRY),
        N["xgas"]: _var((d,), xco.astype(np.float32), "CO column-averaged dry-air mole fraction, bias-corrected and "
                    "scaled: (xco_original - xco_feature_correction - xco_pixel_correction) / global_scale_factor",
                    VMR_UNITS, ancillary_variables=f"{N['xgas_error']} qc"),
        N["xgas_original"]: _var((d,), xco0.astype(np.float32), "CO column-averaged dry-air mole fraction as retrieved "
                             "(1e9 RetrievedCOTotalColumn / DryAirColumn, H19 Eq. A1)", VMR_UNITS),
        N["xgas_feature_correction"]: _var((d,), fcorr.astype(np.float32), "feature-bias correction subtracted from "
                                       "xco_original (H19 Sect. 3.4)", VMR_UNITS),
        N["xgas_pixel_correction"]: _var((d,), pcorr.astype(np.float32), "pixel-bias correction subtracted from "
                                     "xco_original (H19 Sect. 3.4; NaN where no fit applies, e.g. mixed surface)",
                                     VMR_UNITS),
        "global_scale_factor": ((), np.float64(g), {"long_name": "global scale factor xco_original-scale / TCCON-scale "
                                                    "that xco is divided by", "units": "1",
                                                    "comment": scale["source"]}),
        N["xgas_error"]: _var((d,), (err_obs / g).astype(np.float32), "observation error of xco for use with the averaging "
                          "kernel: sqrt(total^2 - smoothing^2) / global_scale_factor", VMR_UNITS,
                          comment="smoothing error removed for every sounding" if complete else
                          "the smoothing diagnostic is missing for some soundings: there the total error is used"),
        N["xgas_error_total"]: _var((d,), (table["xgas_error"].to_numpy(np.float64) / g).astype(np.float32),
                                "total retrieval error of xco as reported (smoothing + measurement + other), scaled",
                                VMR_UNITS),
        N[SMOOTHING_ERROR]: _var((d,), (table[SMOOTHING_ERROR].to_numpy(np.float64) / g).astype(np.float32),
                                    "smoothing error of xco (RetrievedCOTotalColumnDiagnostics), scaled", VMR_UNITS),
        "dof": _var((d,), table["dof"].to_numpy(np.float32), "degrees of freedom for signal (trace of A)", "1"),
        "surface": ((d,), table["surface"].to_numpy(np.int8), {"long_name": "surface type (MOPITT SurfaceIndex)",
                                                               **SURFACE_FLAGS}),
        FOOTPRINT: _var((d,), table[FOOTPRINT].to_numpy(np.int8), "MOPITT pixel (along-track detector) number, 1-4",
                      valid_range=np.array([1, 4], dtype=np.int8)),
        "solar_zenith_angle": _var((d,), table["sza"].to_numpy(np.float32), "solar zenith angle", "degree",
                                   standard_name="solar_zenith_angle"),
        "sensor_zenith_angle": _var((d,), table["vza"].to_numpy(np.float32), "satellite zenith angle", "degree",
                                    standard_name="sensor_zenith_angle"),
        "sounding_date": _var((d,), (table["sounding_id"].to_numpy(np.int64) // 10_000_000).astype(np.int32),
                              "UTC date of the sounding's L2 file as YYYYMMDD; satcol's sounding id is "
                              "sounding_date * 10^7 + source_index"),
        "source_file_index": _var((d,), table["source_file"].to_numpy(np.int32), "index of the source L2 file in the "
                                  "global attribute source_files"),
        "source_index": _var((d,), table["source_index"].to_numpy(np.int32), "index of the sounding in its source file"),
        "error_correlation_land": _container(models, "land"),
        "error_correlation_water": _container(models, "water"),
    }
    psurf = table["psurf"].to_numpy(np.float64)
    ratio = profile_ratio(xco0, xco)
    coords = {"time": _time_coord(d, t),
              "lat": _var((d,), table["lat"].to_numpy(np.float32), "latitude", "degrees_north",
                          standard_name="latitude"),
              "lon": _var((d,), table["lon"].to_numpy(np.float32), "longitude", "degrees_east",
                          standard_name="longitude"),
              **_level_coords()}
    kept = np.flatnonzero(qc == 0)
    n_kept = int(kept.size)
    if profiles_of == "kept":
        prof = [np.asarray(profiles[k]) if profiles_kept_only else np.asarray(profiles[k])[kept] for k in STORE_PROFILES]
        if any(len(a) != n_kept for a in prof):
            raise RuntimeError(f"export {month}: {len(prof[0])} profiles for {n_kept} kept soundings")
        data.update(_profile_vars(KEPT_DIM, psurf[kept], *prof, ratio[kept]))
        coords[KEPT_DIM] = (KEPT_DIM, (kept + row_offset).astype(np.int32), {
            "long_name": "index along sounding of the kept soundings (qc == 0), the soundings that carry profiles "
                         "and kernels", "compress": "sounding",
            "comment": "CF compression by gathering: variables along kept_sounding belong to the sounding at this "
                       "zero-based index; flagged soundings have no profiles in this file (export.profiles: kept)"})
    else:
        data.update(_profile_vars(d, psurf, *(profiles[k] for k in STORE_PROFILES), ratio))
    # Surface pressure is a scalar of every sounding, with the profiles or not.
    data["surface_pressure"] = _var((d,), psurf.astype(np.float32), "surface pressure of the retrieval", "hPa",
                                    standard_name="surface_air_pressure")
    ds = xr.Dataset(data, coords=coords)
    ds.attrs = _global_attrs(prov, f"satcol MOPITT XCO observations for assimilation, per sounding, {month}",
                             scale, models, {"month": month, "n_soundings": len(table), "n_kept": n_kept,
                                                 "n_flagged": len(table) - n_kept, "profiles_of": profiles_of,
                                                 "source_files": "\n".join(source_files)})
    return ds


# --- super-observation file ----------------------------------------------------------------------
def superobs_dataset(so: dict, scale: dict, models: dict, prov: dict, cfg: dict, month: str, n_kept: int) -> xr.Dataset:
    """The super-observations of a month (:func:`satcol.export.superobs.build`) as a CF dataset."""
    d = "superobs"
    n = so["xgas"].size
    lat_b = np.stack([so["lat_center"] - cfg["lat_size_deg"] / 2, so["lat_center"] + cfg["lat_size_deg"] / 2], 1)
    lon_b = np.stack([so["lon_center"] - cfg["lon_size_deg"] / 2, so["lon_center"] + cfg["lon_size_deg"] / 2], 1)
    t_b = pd.to_datetime(np.stack([so["time_start_s"], so["time_end_s"]], 1).ravel(), unit="s").to_numpy().reshape(n, 2)
    prior = 10.0 ** so["prior_log10_vmr"]
    retrieved = 10.0 ** so["retrieved_log10_vmr"]
    data = {
        N["xgas"]: _var((d,), so["xgas"].astype(np.float32), "super-observation CO column-averaged dry-air mole fraction: "
                    "inverse-variance weighted mean (errors at a common XCO) of the kept soundings' bias-corrected, scaled xco", VMR_UNITS,
                    ancillary_variables=f"{N['xgas_error']} n_soundings"),
        N["xgas_error"]: _var((d,), so["xgas_error"].astype(np.float32), "total error of the super-observation: "
                          "sqrt(xco_error_retrieval^2 + xco_error_representation^2)", VMR_UNITS),
        N["xgas_error_retrieval"]: _var((d,), so["xgas_error_retrieval"].astype(np.float32),
                                    "retrieval error of the weighted mean including the error correlation between "
                                    "soundings of one overpass: sqrt(sum_ij w_i w_j rho(d_ij) s_i s_j)", VMR_UNITS),
        N["xgas_error_representation"]: _var((d,), so["xgas_error_representation"].astype(np.float32),
                                         "representation/transport error added in quadrature "
                                         "(config export.superobs.representation_error_ppb)", VMR_UNITS),
        "n_soundings": _var((d,), so["n_soundings"], "number of kept soundings averaged", "1"),
        "n_overpasses": _var((d,), so["n_overpasses"], "number of overpasses contributing", "1"),
        "n_effective": _var((d,), so["n_effective"].astype(np.float32), "effective number of independent soundings: "
                            "n_soundings x (error variance if independent) / xco_error_retrieval^2", "1"),
        "surface": ((d,), so["surface"], {"long_name": "surface type of the members", **SURFACE_FLAGS}),
        "n_levels": _var((d,), so["n_levels"], "number of retrieved MOPITT levels (the same for every member)", "1"),
        "lat_mean": _var((d,), so["lat_mean"].astype(np.float32), "weighted mean latitude of the members",
                         "degrees_north", standard_name="latitude"),
        "lon_mean": _var((d,), so["lon_mean"].astype(np.float32), "weighted mean longitude of the members",
                         "degrees_east", standard_name="longitude"),
        "lat_bnds": ((d, "nv"), lat_b.astype(np.float32), {}),
        "lon_bnds": ((d, "nv"), lon_b.astype(np.float32), {}),
        "time_bnds": ((d, "nv"), t_b, {}),
        "global_scale_factor": ((), np.float64(scale["value"]), {"long_name": "global scale factor the member xco "
                                                                 "were divided by", "units": "1",
                                                                 "comment": scale["source"]}),
        "error_correlation_land": _container(models, "land"),
        "error_correlation_water": _container(models, "water"),
    }
    data.update(_profile_vars(d, so["psurf"], prior, retrieved, so["averaging_kernel"], so["column_averaging_kernel"]))
    for k in (N["retrieved_gas_vmr"], N["retrieved_gas_log10_vmr"]):
        data.pop(k)
    for k, what in ((N["prior_gas_vmr"], "a priori CO mole fraction"),
                    (N["retrieved_gas_vmr_corrected"], "retrieved CO mole fraction, corrected and scaled,")):
        data[k][2]["long_name"] = f"{what} 10^(weighted mean of the members' log10)"
    data["surface_pressure"][2]["long_name"] = "weighted mean surface pressure of the members"
    coords = {"time": _time_coord(d, so["time_s"]),
              "lat": _var((d,), so["lat_center"].astype(np.float32), "latitude of the grid cell centre",
                          "degrees_north", standard_name="latitude", bounds="lat_bnds"),
              "lon": _var((d,), so["lon_center"].astype(np.float32), "longitude of the grid cell centre",
                          "degrees_east", standard_name="longitude", bounds="lon_bnds"),
              **_level_coords()}
    coords["time"][2]["bounds"] = "time_bnds"
    coords["time"][2]["long_name"] = "weighted mean time of the members (UTC)"
    ds = xr.Dataset(data, coords=coords)
    ds.attrs = _global_attrs(prov, f"satcol MOPITT XCO super-observations, {month}", scale, models,
                             {"month": month, "grid_lat_size_deg": cfg["lat_size_deg"],
                              "grid_lon_size_deg": cfg["lon_size_deg"], "time_step_hours": cfg["time_step_hours"],
                              "min_soundings": cfg["min_soundings"],
                              "representation_error_ppb": cfg["representation_error_ppb"],
                              "n_kept_soundings_month": n_kept,
                              "n_soundings_in_superobs": int(so["n_soundings"].sum()),
                              "weights": "w_i = (s_i / xco_i)^-2 / sum (s / xco)^-2, s = per-sounding xco_error: "
                                         "inverse-variance weights with the errors at a common XCO (satcol.export.superobs)",
                              "grouping": "grid cell x time step x surface type x number of retrieved levels"})
    return ds


# --- writing -------------------------------------------------------------------------------------
#: Rows per chunk along the observation dimensions of the export files.
CHUNK_ROWS = 8192


def encoding(ds: xr.Dataset, complevel: int = 0, unlimited: tuple = ()) -> dict:
    """netCDF4 encoding of an export dataset: NaN fill for floats, no fill for integers and
    coordinates, :data:`CHUNK_ROWS` rows a chunk (the whole dimension if shorter, except along
    the ``unlimited`` dimensions, which later blocks append to)."""
    enc = {}
    deflate = {"zlib": True, "complevel": int(complevel), "shuffle": True} if complevel else {}
    for name, v in {**ds.data_vars, **ds.coords}.items():
        e = {}
        if v.dtype.kind == "f" and v.ndim:
            e.update({**deflate, "_FillValue": np.float32(np.nan) if v.dtype == np.float32 else np.nan})
        elif v.dtype.kind in "iu" and v.ndim:
            e.update({**deflate, "_FillValue": None})
        elif v.dtype.kind == "M":
            e.update({"units": "seconds since 1970-01-01 00:00:00", "calendar": "standard", "dtype": "float64",
                      "_FillValue": None})
        elif v.ndim == 0 or name in ("level", "level_in"):
            e["_FillValue"] = None
        if v.ndim and v.dtype.kind != "M" and name not in ("level", "level_in"):
            rows = CHUNK_ROWS if v.dims[0] in unlimited else min(v.shape[0], CHUNK_ROWS)
            if rows > 0:
                e["chunksizes"] = (rows,) + tuple(v.shape[1:])
        enc[name] = e
    for name in ("lat", "lon", "time", "lat_bnds", "lon_bnds", "time_bnds"):
        if name in enc:
            enc[name]["_FillValue"] = None
    return enc


def write_netcdf(ds: xr.Dataset, path, complevel: int = 0) -> None:
    """Write netCDF4 atomically (satcol.core.ioutil: a temporary name, then a rename). ``complevel``
    1-9 deflates the arrays (zlib with shuffle): the files shrink by about a third, and writing
    takes about 12 times longer (benchmarks)."""
    with atomic_path(path) as tmp:
        ds.to_netcdf(tmp, engine="netcdf4", format="NETCDF4", encoding=encoding(ds, complevel))


def generic_sounding_dataset(table: pd.DataFrame, corrected: pd.DataFrame, profiles: dict, instrument, prov: dict,
                             month: str) -> xr.Dataset:
    """The CF-1.8 per-sounding file of an instrument without an exporter of its own.

    Every sounding of the month, named by the instrument's first species
    (:attr:`satcol.instruments.base.Instrument.primary_species`): ``x<gas>`` (the corrected
    column), ``x<gas>_error``, ``x<gas>_prior``, the column averaging kernel, the prior profile
    ``prior_<gas>_vmr`` on the level pressures, and ``qc`` with the instrument's
    ``flag_masks``/``flag_meanings`` (:func:`qc_variable`); ``kept_sounding`` says which pass.

    Parameters
    ----------
    table : pandas.DataFrame
        The month's store table (core columns; ``xgas*`` hold the species' column average).
    corrected : pandas.DataFrame
        The month's corrected table in store order (``sounding_id``, ``qc``, ``xgas_corrected``).
    profiles : dict
        The store's profile arrays: ``prior_vmr`` (n, L) and ``averaging_kernel`` (n, L, L),
        with ``pressure`` (n, L) [hPa, surface first] for an instrument without a fixed grid;
        ``column_averaging_kernel`` (n, L) is used when the store has it.
    instrument : satcol.instruments.base.Instrument
        Whose soundings (species, units, QC registry, title).
    prov : dict
        Provenance (:func:`satcol.core.provenance.provenance`).
    month : str
        YYYY-MM, for the title.

    Returns
    -------
    xarray.Dataset
        Column values in the species' units (``Species.units``), the column AK unitless (the
        pressure-weighted column response to each level, a_j = sum_i h_i A_ij / h_j, Rodgers
        and Connor 2003, doi:10.1029/2002JD002299, with the pressure weights h of
        :func:`satcol.instruments.mopitt.levels.level_pressure_weights`).

    Raises
    ------
    RuntimeError
        If the corrected table is not in the store's order.
    """
    sp = instrument.primary_species
    names = export_names(sp)
    x = names["xgas"]
    if len(corrected) != len(table) or not np.array_equal(corrected["sounding_id"].to_numpy(),
                                                          table["sounding_id"].to_numpy()):
        raise RuntimeError(f"{instrument.name} {month}: corrected soundings not in store order; rerun the month")
    qc = corrected["qc"].to_numpy()
    dim = "sounding"
    col = lambda c: np.asarray(table[c].to_numpy(), dtype=np.float32)  # noqa: E731
    prior = np.asarray(profiles["prior_vmr"], dtype=np.float64)
    if "column_averaging_kernel" in profiles:
        col_ak = np.asarray(profiles["column_averaging_kernel"], dtype=np.float64)
    else:
        h = levels.level_pressure_weights(profiles["pressure"])
        g = np.einsum("...i,...ij->...j", h, np.nan_to_num(np.asarray(profiles["averaging_kernel"], dtype=np.float64)))
        with np.errstate(invalid="ignore", divide="ignore"):
            col_ak = np.where(h > 0, g / h, np.nan)
    t = table["time"].to_numpy().astype("datetime64[us]").astype(np.int64) / 1e6
    data = {
        "sounding_id": _var((dim,), table["sounding_id"].to_numpy(), "satcol sounding id (YYYYMMDD x 10^7 + index)"),
        x: _var((dim,), np.asarray(corrected["xgas_corrected"].to_numpy(), dtype=np.float32), sp.long_name, sp.units,
                standard_name=sp.standard_name),
        names["xgas_error"]: _var((dim,), col("xgas_error"), f"total retrieval error of {x}", sp.units),
        names["xgas_prior"]: _var((dim,), col("xgas_prior"), f"a priori {x}", sp.units),
        names["xgas_column_averaging_kernel"]: _var((dim, "level"), col_ak.astype(np.float32),
                                              f"column averaging kernel of {x} (per level, normalised)", "1"),
        names["prior_gas_vmr"]: _var((dim, "level"), prior.astype(np.float32), f"a priori {sp.name} profile", sp.units),
        "surface": _var((dim,), table["surface"].to_numpy().astype(np.int8), "surface type",
                        flag_values=np.array([0, 1, 2], dtype=np.int8), flag_meanings="water land mixed"),
        "psurf": _var((dim,), col("psurf"), "surface pressure", "hPa", standard_name="surface_air_pressure"),
        "sza": _var((dim,), col("sza"), "solar zenith angle", "degree", standard_name="solar_zenith_angle"),
        "qc": qc_variable(dim, qc, instrument.qc),
        "kept_sounding": _var((dim,), (qc == 0).astype(np.int8), "sounding passes every QC check (qc == 0)",
                              flag_values=np.array([0, 1], dtype=np.int8), flag_meanings="flagged kept"),
    }
    if "pressure" in profiles:
        data["pressure"] = _var((dim, "level"), np.asarray(profiles["pressure"], dtype=np.float32), "level pressure",
                                "hPa", standard_name="air_pressure")
    coords = {"time": _time_coord(dim, t),
              "lat": _var((dim,), col("lat"), "latitude", "degrees_north", standard_name="latitude"),
              "lon": _var((dim,), col("lon"), "longitude", "degrees_east", standard_name="longitude")}
    attrs = {"Conventions": "CF-1.8",
             "title": f"satcol: {instrument.title} {x} soundings {month}",
             "institution": "satcol", "source": f"{instrument.title} Level 2 ({instrument.name}), correction "
                                                f"{instrument.correction!r}",
             "history": f"satcol {prov['satcol_version']} (git {prov['git_commit']}): generic export",
             "satcol_instrument": instrument.name, "satcol_species": sp.name,
             **netcdf_attrs(prov)}
    return xr.Dataset(data, coords=coords, attrs=attrs)


# --- workflow stages -----------------------------------------------------------------------------
def error_correlation_partial(table: pd.DataFrame, corrected: pd.DataFrame, config: dict) -> pd.DataFrame:
    """Pair statistics of one month's kept, corrected soundings within SRA regions (the first SRA's
    regions: cell x overpass), for :mod:`satcol.validation.error_correlation`. Uses the corrected XCO before
    the global scale (a common factor of data and errors) and the observation error."""
    from satcol.instruments.mopitt import sra
    from satcol.instruments.mopitt.qcchain import unix_seconds
    from satcol.validation import error_correlation

    check_store_order(table, corrected, "error correlation")
    s, e = config["sra"], config["export"]["error_correlation"]
    kept = corrected["qc"].to_numpy() == 0
    region = sra.region_ids(table["lat"].to_numpy(), table["lon"].to_numpy(), unix_seconds(table["time"]), kept,
                            s["lat_size_deg"], s["lon_size_deg"], s["time_window"], s["overpass_gap_minutes"])
    sigma, _ = observation_error(table["xgas_error"], table[SMOOTHING_ERROR])
    return error_correlation.pair_partials(region, table["surface"].to_numpy(), table["lat"].to_numpy(),
                                           table["lon"].to_numpy(), corrected["xgas_corrected"].to_numpy(), sigma,
                                           float(e["bin_km"]), float(e["max_km"]))


def load_models(path) -> dict[str, CorrelationModel]:
    """The error-correlation models of a run (``results/export/error_correlation.json``, written
    by the ``error_correlation`` job; docs/methods.md sect. 10).

    Parameters
    ----------
    path : str or Path
        The JSON file.

    Returns
    -------
    dict of str to CorrelationModel
        Per surface (``water``, ``land``): the correlation family, its zero-distance correlation
        ``c0`` (unitless) and length ``length_km`` (km).
    """
    with open(path) as f:
        doc = json.load(f)
    return {name: CorrelationModel(**m) for name, m in doc["models"].items()}


#: What :func:`superobs_from_soundings` reads from a per-sounding file (read nothing else).
SUPEROBS_INPUTS = ["qc", "pressure", "surface", "surface_pressure", N["xgas"], N["xgas_error"], N["prior_gas_vmr"],
                   N["retrieved_gas_vmr_corrected"], "averaging_kernel", "column_averaging_kernel",
                   "global_scale_factor"]


def has_gathered_profiles(ds: xr.Dataset) -> bool:
    """Whether a per-sounding export holds profiles for its kept soundings only (along
    :data:`KEPT_DIM`, ``export.profiles: kept``) rather than for every sounding."""
    return KEPT_DIM in ds.dims


def profile_soundings(ds: xr.Dataset, variables=None, block: int = 500_000, kept_only: bool = False,
                      row_offset: int = 0) -> xr.Dataset:
    """The soundings of a per-sounding export that carry profiles, every variable along
    ``sounding``, loaded: the kept ones when the profiles are gathered (:data:`KEPT_DIM`),
    else every sounding (or the kept ones with ``kept_only``). ``sounding_index`` holds their
    indices in ``ds``.

    ``variables`` (default: all) are read from ``ds`` in contiguous blocks of ``block``
    soundings, so that memory holds one block plus the rows selected, and every read is a slice
    (indexing a file with a list of rows instead was 30 times slower). ``row_offset``: the
    position of ``ds``'s first sounding in its file, when ``ds`` is a block of a file being
    written (:func:`sounding_dataset`).

    Parameters
    ----------
    ds : xarray.Dataset
        An open per-sounding export.
    variables : list of str, optional
        Variables to read (default: all).
    block : int
        Soundings read per slice.
    kept_only : bool
        With profiles for every sounding: return the kept ones only.
    row_offset : int
        Position of ``ds``'s first sounding in its file.

    Returns
    -------
    xarray.Dataset
        The soundings with profiles, loaded, units as in the file, with ``sounding_index``.

    Raises
    ------
    ValueError
        The gathered soundings are not the kept ones (qc == 0): not a file satcol wrote.
    """
    names = list(ds.data_vars) if variables is None else list(variables)
    missing = sorted(set(names) - set(ds.variables))
    if missing:
        raise ValueError(f"not a satcol per-sounding export: no variables {missing}")
    n = ds.sizes["sounding"]
    per_sounding = [v for v in names if ds[v].dims[:1] != (KEPT_DIM,)]
    gathered = [v for v in names if ds[v].dims[:1] == (KEPT_DIM,)]
    qc = ds["qc"].values
    if has_gathered_profiles(ds):
        rows = ds[KEPT_DIM].values.astype(np.int64) - row_offset
        if not np.array_equal(rows, np.flatnonzero(qc == 0)):
            raise ValueError(f"per-sounding export: the {KEPT_DIM} list ({rows.size} soundings) is not the kept "
                             f"soundings (qc == 0: {int(np.count_nonzero(qc == 0))}); not a file satcol wrote")
    else:
        rows = np.flatnonzero(qc == 0) if kept_only else np.arange(n)
    parts = []
    for start in range(0, max(n, 1), block):
        sel = rows[(rows >= start) & (rows < start + block)] - start
        blk = ds[per_sounding].isel(sounding=slice(start, start + block))
        parts.append(blk.load() if sel.size == blk.sizes["sounding"] else blk.isel(sounding=sel).load())
    out = _concat_blocks(parts)
    if gathered:
        prof = ds[gathered].drop_vars(KEPT_DIM, errors="ignore").load().rename({KEPT_DIM: "sounding"})
        out = out.assign({v: prof[v] for v in gathered})
    out = out.drop_vars(KEPT_DIM, errors="ignore")
    out["sounding_index"] = ("sounding", rows + row_offset, {"long_name": "index of the sounding in the per-sounding file"})
    out.attrs = dict(ds.attrs)
    return out


def kept_soundings(ds: xr.Dataset, variables=None, block: int = 500_000, row_offset: int = 0) -> xr.Dataset:
    """The kept soundings (qc == 0) of a per-sounding export, from either profile layout,
    every variable along ``sounding`` (:func:`profile_soundings`).

    Parameters
    ----------
    ds : xarray.Dataset
        An open per-sounding export (or a block of one being written, ``row_offset``).
    variables : list of str, optional
        Variables to read (default: all).
    block : int
        Soundings read per slice.
    row_offset : int
        Position of ``ds``'s first sounding in its file.

    Returns
    -------
    xarray.Dataset
        The kept soundings, loaded, units as in the file, with ``sounding_index``.
    """
    return profile_soundings(ds, variables, block, kept_only=True, row_offset=row_offset)


def read_kept(path, variables=SUPEROBS_INPUTS, block: int = 500_000) -> xr.Dataset:
    """The kept soundings (qc == 0) of a per-sounding file (:func:`kept_soundings`).

    Parameters
    ----------
    path : str or Path
        A per-sounding export, ``results/export/YYYY-MM/mopitt_xco_soundings_YYYY-MM.nc``.
    variables : list of str
        Variables to read (default: what :func:`superobs_from_soundings` needs).
    block : int
        Soundings read per slice (memory holds one block).

    Returns
    -------
    xarray.Dataset
        The kept soundings along ``sounding`` with the file's units (XCO and errors in ppb,
        pressures in hPa, VMRs in ppb) and ``sounding_index``, their positions in the file.
    """
    with xr.open_dataset(path) as f:
        return kept_soundings(f, variables, block)


def superobs_from_soundings(ds: xr.Dataset, models: dict, config: dict, origin_s: float, rows=None) -> dict:
    """Super-observations (:func:`satcol.export.superobs.build`) from a per-sounding export dataset
    (either profile layout, or the kept soundings of one, :func:`kept_soundings`): the kept
    soundings (qc == 0), or the given subset ``rows`` of them (H19 Sect. 5; docs/methods.md
    sect. 10).

    Parameters
    ----------
    ds : xarray.Dataset
        A per-sounding export (:data:`SUPEROBS_INPUTS` are read).
    models : dict
        The error-correlation models (:func:`load_models`).
    config : dict
        The run's config (``export.superobs`` and ``sra.overpass_gap_minutes`` are used).
    origin_s : float
        Time origin of the super-observation time bins, POSIX seconds.
    rows : array_like of int, optional
        Soundings (indices along ``sounding``) to use instead of all kept ones.

    Returns
    -------
    dict
        The super-observations' arrays (:func:`satcol.export.superobs.build`: XCO and its error
        in ppb, profiles, kernels, pressures in hPa); ``members`` are indices along ``ds``'s
        ``sounding``.
    """
    from satcol.export import superobs

    if has_gathered_profiles(ds):
        view = kept_soundings(ds, SUPEROBS_INPUTS)
        index = view["sounding_index"].values
        sub = None if rows is None else np.searchsorted(index, np.intersect1d(rows, index))
        so = superobs_from_soundings(view, models, config, origin_s, rows=sub)
        so["members"] = index[so["members"]]
        return so
    kept = ds["qc"].values == 0
    if rows is not None:
        sel = np.zeros(kept.size, dtype=bool)
        sel[rows] = True
        kept &= sel
    idx = np.flatnonzero(kept)

    def take(name):
        # Every row (the kept soundings the export job holds): the arrays themselves, not copies
        # (a full-density month keeps 1 M soundings, 0.6 GB of profiles; issue #7).
        v = ds[name].values
        return v if idx.size == v.shape[0] else v[idx]

    t = (take("time") - np.datetime64(0, "s")) / np.timedelta64(1, "s")
    pressure = take("pressure")
    table = {"time_s": t, "lat": take("lat").astype(np.float64), "lon": take("lon").astype(np.float64),
             "surface": take("surface"), "n_levels": np.isfinite(pressure).sum(axis=1),
             "psurf": take("surface_pressure"), "xgas": take(N["xgas"]).astype(np.float64)}
    profiles = {"prior_vmr": take(N["prior_gas_vmr"]), "retrieved_vmr": take(N["retrieved_gas_vmr_corrected"]),
                "averaging_kernel": take("averaging_kernel"), "column_averaging_kernel": take("column_averaging_kernel")}
    so = superobs.build(table, profiles, take(N["xgas_error"]).astype(np.float64), models,
                        config["export"]["superobs"], origin_s, 60.0 * config["sra"]["overpass_gap_minutes"])
    so["members"] = idx[so["members"]]
    return so


#: Rows per block of :func:`write_month_soundings`. The largest array of a block is its
#: averaging kernels, 65536 x 10 x 10 float32 = 26 MB: below glibc's largest mmap threshold
#: (32 MB), so the blocks' arrays are carved from the reused heap instead of fresh mappings.
#: Fresh pages are the dominant cost of the export on the benchmark machines (a first touch
#: of 1 GB took 1.6-2.7 s; benchmarks/RESULTS.md, runs 5-9): 500,000-row blocks spent 2.3-5.9 s
#: in the kernel for a 10-day month, 65,536-row blocks 0.8-0.9 s (issue #7).
EXPORT_BLOCK_ROWS = 65536


def write_month_soundings(table: pd.DataFrame, corrected: pd.DataFrame, profiles_path, scale: dict, models: dict,
                          prov: dict, source_files: list[str], month: str, path, complevel: int = 0,
                          block: int = EXPORT_BLOCK_ROWS, kept_variables=SUPEROBS_INPUTS,
                          profiles_of: str = "kept") -> tuple[dict, xr.Dataset]:
    """Write a month's per-sounding file block by block, so that memory stays bounded by the
    block (a full-density month is 6.4 M soundings, 2.6 GB of averaging kernels alone).

    The first block is written by xarray with unlimited ``sounding`` and :data:`KEPT_DIM`
    dimensions, the next ones are appended with netCDF4 into the same variables, through one
    handle; the file is the same as one written at once. ``profiles_of`` as in
    :func:`sounding_dataset`. Returns the counts for the month report and ``kept_variables`` of
    the kept soundings along ``sounding``, the values written (what :func:`read_kept` reads back
    from the file), for the super-observations of the same job: re-reading and re-hashing the
    file was a third of the export's time (issue #7).

    The page cache lets go of the written blocks as they are written back, and of the store's
    profiles once read (:func:`satcol.core.ioutil.drop_from_page_cache`): a full-density month writes
    5.4 GB here with ``profiles_of: all`` (1.3 GB with ``kept``), and with the page cache left to
    grow by it the write of a 30-day month took 12-21 s instead of 9 s on the benchmark machines
    (issue #7).
    """
    import netCDF4

    n = len(table)
    qc = corrected["qc"].to_numpy()
    counts = {"n_soundings": int(n), "n_kept": int(np.count_nonzero(qc == 0)),
              "n_flagged": int(np.count_nonzero(qc != 0))}
    kept = []
    blocks = [slice(start, min(start + block, n)) for start in range(0, max(n, 1), block)]
    dims = ["sounding", KEPT_DIM] if profiles_of == "kept" else ["sounding"]
    # The store's profile arrays through h5py directly: h5netcdf's per-read dimension and
    # padding checks cost more than the reads of a 65,536-row block.
    # The profiles come from the store's profiles.nc in either layout (store_profiles): read
    # back from the L2 files at the kept soundings (the default since issue 22), or from the
    # store's copy; in both only the chunks that hold kept soundings are read.
    from satcol.core.store_profiles import open_profiles

    with atomic_path(path) as tmp, open_profiles(profiles_path) as f:

        def block_dataset(rows: slice) -> xr.Dataset:
            if profiles_of == "kept":
                wanted = rows.start + np.flatnonzero(qc[rows] == 0)
            else:
                wanted = np.arange(rows.start, rows.stop)
            prof = f.read(wanted, STORE_PROFILES)
            ds = sounding_dataset(table.iloc[rows], corrected.iloc[rows], prof, scale, models, prov, source_files,
                                  month, profiles_of, row_offset=rows.start, profiles_kept_only=profiles_of == "kept")
            ds.attrs.update(counts)
            kept.append(kept_soundings(ds, list(kept_variables), row_offset=rows.start))
            return ds

        first = block_dataset(blocks[0])
        _create_with_unlimited(first, tmp, dims, encoding(first, complevel, tuple(dims) if len(blocks) > 1 else ()))
        start = {d: first.sizes.get(d, 0) for d in dims}
        del first
        if len(blocks) > 1:
            with netCDF4.Dataset(tmp, "a") as nc:
                # Blocks are whole chunks (encoding: 8192 rows): written straight through, not
                # held in netCDF's per-variable chunk caches until the file closes.
                for v in nc.variables.values():
                    v.set_var_chunk_cache(size=0, nelems=0, preemption=1.0)
                for rows in blocks[1:]:
                    ds = block_dataset(rows)
                    for name, var in ds.variables.items():
                        if not var.dims or var.dims[0] not in start:
                            continue
                        values = var.values
                        if values.dtype.kind == "M":
                            values = (values - np.datetime64(0, "s")) / np.timedelta64(1, "s")
                        d0 = start[var.dims[0]]
                        if values.shape[0]:
                            nc[name][d0:d0 + values.shape[0]] = values
                    for d in dims:
                        start[d] += ds.sizes.get(d, 0)
                    drop_from_page_cache(tmp)
    if f.storage == "copy":
        drop_from_page_cache(profiles_path)  # the export is the store profiles' last reader
    return counts, _concat_blocks(kept)


def read_rows(dset, rows: np.ndarray) -> np.ndarray:
    """``dset[rows]`` of an h5py dataset for sorted row indices ``rows`` (along its first axis),
    reading only the chunks that hold any of them: one read per run of consecutive such chunks,
    from the first to the last row wanted in it. The kept soundings of a full-density month lie
    in 55 % of the store's 4,096-row chunks: night and flagged swaths come in long runs (issue #7,
    benchmarks/RESULTS.md). The same as :func:`satcol.core.store_profiles.read_rows`."""
    from satcol.core.store_profiles import read_rows as _read_rows

    return _read_rows(dset, rows)


def _create_with_unlimited(ds: xr.Dataset, path, dims: list[str], enc: dict) -> None:
    """Write ``ds`` as a new netCDF4 file whose ``dims`` are unlimited, created in the order given.

    xarray makes a set of the unlimited dimensions and creates them in its iteration order, which
    for two or more names changes from one process to the next (string hashes are randomised):
    the files' HDF5 layouts, and so their bytes, then differ between runs of the same inputs.
    Each call here makes one unlimited dimension: first the variables along ``dims[0]`` (and
    those along neither, the scalars and the global attributes), then those along each next one.
    """
    written = set()
    for k, d in enumerate(dims):
        names = [v for v in ds.data_vars if ds[v].dims[:1] == (d,) or (k == 0 and ds[v].dims[:1] not in
                                                                         [(x,) for x in dims])]
        part = ds[names]
        part = part.drop_vars([v for v in part.variables if v in written])
        part.attrs = dict(ds.attrs) if k == 0 else {}
        part.to_netcdf(path, mode="w" if k == 0 else "a", engine="netcdf4", format="NETCDF4", unlimited_dims=[d],
                       encoding={v: enc[v] for v in part.variables if v in enc})
        written |= set(part.variables)
    missing = set(ds.variables) - written
    if missing:
        raise RuntimeError(f"export: variables {sorted(missing)} are along none of the dimensions {dims}")


def _concat_blocks(parts: list[xr.Dataset]) -> xr.Dataset:
    out = xr.concat(parts, dim="sounding", data_vars="minimal", coords="minimal", compat="override",
                    join="outer") if len(parts) > 1 else parts[0]
    out.attrs = dict(parts[0].attrs)
    return out
