"""The MOPITT observation operator: model profiles -> model-equivalent XCO (issue #5).

For each exported observation (a sounding or a super-observation) and a model CO profile on
the model's own pressure layers:

1. Mass-conserving regridding: the model layer means are averaged over each MOPITT layer
   (slot k covers [p_k, next retrieved level above], the 100 hPa slot 100->50 hPa) with
   pressure-thickness (dry-air mass) weights, i.e. the integral of the piecewise-constant model
   profile over the layer divided by its thickness. This is the box averaging of the GEOS-Chem
   adjoint MOPITT operator (``mopitt_obs_mod.f``; docs/methods.md sect. 10). Below the model's
   lowest edge its lowest layer is extended at constant mixing ratio.
2. The MOPITT prior and averaging kernel in log10 VMR (H19 Eq. 1; docs/methods.md sect. 10):

       log10 x_hat_m = log10 x_a + A (log10 x_m - log10 x_a)

3. The column average with the MOPITT pressure weighting function (H19 Eq. 4, the 50-0 hPa
   layer at 0.48 of the 100 hPa VMR):  XCO_m = sum_k h_k x_hat_m,k   (form 'profile', default)

   or, linearised with the column averaging kernel a (ppb per unit log10 VMR; H19 Eq. 2 and
   App. B; GEOS-Chem's  C_m = sum T x_a + AC (log10 x_m - log10 x_a)):

       XCO_m = sum_k h_k x_a,k + sum_k a_k (log10 x_m,k - log10 x_a,k)   (form 'column')

Compare XCO_m with the exported ``xco``, which is bias-corrected and scaled (see the file's
``global_scale_factor``); the prior and kernels in the file are the product's own.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import xarray as xr

from satcol.core.errors import SatcolError
from satcol.instruments.mopitt import levels
from satcol.validation import regrid as columns

#: Multipliers to ppb for the mixing-ratio units a model file may use.
VMR_UNITS = {"1e-9": 1.0, "ppb": 1.0, "ppbv": 1.0, "nmol mol-1": 1.0, "nmol/mol": 1.0,
             "1e-6": 1e3, "ppm": 1e3, "ppmv": 1e3, "umol mol-1": 1e3,
             "1": 1e9, "mol mol-1": 1e9, "mol/mol": 1e9, "v/v": 1e9, "1e-12": 1e-3, "ppt": 1e-3, "pptv": 1e-3}
#: Multipliers to hPa.
PRESSURE_UNITS = {"hPa": 1.0, "hpa": 1.0, "mbar": 1.0, "mb": 1.0, "Pa": 0.01, "pa": 0.01, "kPa": 10.0}


def layer_means_on_mopitt(psurf, p_edges, vmr) -> np.ndarray:
    """Mass-weighted means of model layers over the MOPITT layers (n, 10), NaN where a slot is
    below the surface.

    Exact for a piecewise-constant model profile: the cumulative integral of the model over
    pressure is piecewise linear between edges, so it is interpolated exactly (step 1 of the
    module docstring; docs/methods.md sect. 10).

    Parameters
    ----------
    psurf : array_like (n,)
        MOPITT surface pressure, hPa.
    p_edges : array_like (n, L+1)
        Model layer edges, hPa (any order per row).
    vmr : array_like (n, L)
        Model layer means, ppb.

    Returns
    -------
    numpy.ndarray (n, 10)
        Model means over the MOPITT layers, ppb; NaN below the surface.
    """
    psurf = np.asarray(psurf, dtype=np.float64)
    pe = np.asarray(p_edges, dtype=np.float64)
    v = np.asarray(vmr, dtype=np.float64)
    if pe.shape[:-1] != v.shape[:-1] or pe.shape[-1] != v.shape[-1] + 1:
        raise ValueError(f"model edges {pe.shape} and layers {v.shape} do not match (need L+1 edges for L layers)")
    steps = np.diff(pe, axis=-1)
    if not np.isfinite(pe).all() or not (np.all(steps > 0, axis=-1) | np.all(steps < 0, axis=-1)).all():
        raise ValueError("model layer edge pressures must be finite and strictly monotonic in every profile")
    # Order each row from the top (low pressure) down, layers with their edges.
    order = np.argsort(pe, axis=-1)
    pe_s = np.take_along_axis(pe, order, -1)
    flip = order[:, 0] > order[:, -1]  # edges given surface first
    v_s = np.where(flip[:, None], v[:, ::-1], v)
    # Extend the lowest layer down to well below any MOPITT surface.
    bottom = np.maximum(pe_s[:, -1], psurf) + 10.0
    pe_x = np.concatenate([pe_s, bottom[:, None]], axis=1)
    v_x = np.concatenate([v_s, v_s[:, -1:]], axis=1)
    cum = np.concatenate([np.zeros((pe.shape[0], 1)), np.cumsum(v_x * np.diff(pe_x, axis=1), axis=1)], axis=1)
    lo, hi = columns.mopitt_layer_edges(psurf)  # bottom (high p), top (low p)
    valid = np.isfinite(lo)
    lo_f, hi_f = np.where(valid, lo, 1000.0), np.where(valid, hi, 900.0)
    c_lo = columns.interp_rows(lo_f, pe_x, cum)
    c_hi = columns.interp_rows(hi_f, pe_x, cum)
    return np.where(valid, (c_lo - c_hi) / (lo_f - hi_f), np.nan)


def apply_kernel(x_model, prior_vmr, A, psurf, form="profile", column_ak=None) -> np.ndarray:
    """Model-equivalent XCO from model means on the MOPITT layers: the prior and averaging
    kernel in log10 VMR, then the column (module docstring; H19 Eqs. 1, 2, 4; docs/methods.md
    sect. 10).

    Parameters
    ----------
    x_model : array_like (n, 10)
        Model means on the MOPITT layers (:func:`layer_means_on_mopitt`), ppb.
    prior_vmr : array_like (n, 10)
        MOPITT prior, ppb (NaN below the surface).
    A : array_like (n, 10, 10)
        MOPITT averaging kernel in log10 VMR (rows = retrieved levels).
    psurf : array_like (n,)
        Surface pressure, hPa.
    form : {"profile", "column"}
        The exact profile form (default) or the linearised column form.
    column_ak : array_like (n, 10), optional
        Column averaging kernel, ppb per unit log10 VMR; needed by ``form="column"``.

    Returns
    -------
    numpy.ndarray (n,)
        Model-equivalent XCO, ppb.

    Raises
    ------
    ValueError
        An unknown ``form``, or ``form="column"`` without ``column_ak``.
    """
    x_m = np.asarray(x_model, dtype=np.float64)
    x_a = np.asarray(prior_vmr, dtype=np.float64)
    valid = np.isfinite(x_a) & np.isfinite(x_m)
    dlog = np.where(valid, np.log10(np.where(valid, x_m, 1.0)) - np.log10(np.where(valid, x_a, 1.0)), 0.0)
    h = levels.pressure_weights(psurf)
    if form == "profile":
        Av = np.where(valid[:, :, None] & valid[:, None, :], np.nan_to_num(np.asarray(A, dtype=np.float64)), 0.0)
        log_hat = np.log10(np.where(valid, x_a, 1.0)) + np.einsum("nij,nj->ni", Av, dlog)
        return np.sum(np.where(valid, h * 10.0**log_hat, 0.0), axis=-1)
    if form == "column":
        if column_ak is None:
            raise ValueError("form 'column' needs the column averaging kernel")
        a = np.nan_to_num(np.asarray(column_ak, dtype=np.float64))
        return np.sum(np.where(valid, h * x_a, 0.0), axis=-1) + np.sum(np.where(valid, a * dlog, 0.0), axis=-1)
    raise ValueError(f"unknown operator form {form!r} (profile | column)")


def with_kernels(obs: xr.Dataset) -> xr.Dataset:
    """The observations of an export file that carry kernels: a super-observation file, or a
    per-sounding file with profiles for every sounding (``export.profiles: all``), as it is;
    from a per-sounding file with gathered profiles (``export.profiles: kept``, the default),
    its kept soundings along ``sounding``, loaded, with their ``sounding_index`` in the file
    (:func:`satcol.export.products.profile_soundings`)."""
    from satcol.export.products import has_gathered_profiles, profile_soundings

    return profile_soundings(obs) if has_gathered_profiles(obs) else obs


def _obs_dim(obs: xr.Dataset) -> str:
    for d in ("sounding", "superobs"):
        if d in obs.dims:
            return d
    raise ValueError(f"not a satcol export file: no 'sounding' or 'superobs' dimension (dims {dict(obs.sizes)})")


def _to_ppb(da: xr.DataArray, what: str) -> np.ndarray:
    units = str(da.attrs.get("units", "")).strip()
    if units not in VMR_UNITS:
        raise ValueError(f"model variable {what!r}: unknown mixing-ratio units {units!r} (one of {sorted(VMR_UNITS)})")
    return np.asarray(da.values, dtype=np.float64) * VMR_UNITS[units]


def _to_hpa(da: xr.DataArray, what: str) -> np.ndarray:
    units = str(da.attrs.get("units", "")).strip()
    if units not in PRESSURE_UNITS:
        raise ValueError(f"model variable {what!r}: unknown pressure units {units!r} (one of {sorted(PRESSURE_UNITS)})")
    return np.asarray(da.values, dtype=np.float64) * PRESSURE_UNITS[units]


def sample_model(model: xr.Dataset, obs: xr.Dataset, co="co", p_edge="pressure_edge") -> xr.Dataset:
    """The model columns at the observations.

    Either the model is already per observation (its variables carry the observation dimension
    of ``obs``, 'sounding' or 'superobs', in the same order), or it is gridded with 'lat'/'lon'
    (and optionally 'time') dimensions and is sampled at the nearest grid point (and time).
    """
    dim = _obs_dim(obs)
    if co not in model or p_edge not in model:
        raise ValueError(f"model file needs variables {co!r} (layer mean mixing ratio) and {p_edge!r} (layer edge "
                         f"pressure); found {sorted(model.data_vars)}")
    if dim in model[co].dims:
        if model.sizes[dim] != obs.sizes[dim]:
            raise ValueError(f"model has {model.sizes[dim]} profiles along {dim!r}, the observations {obs.sizes[dim]}")
        return model[[co, p_edge]]
    if not {"lat", "lon"} <= set(model[co].dims):
        raise ValueError(f"model variable {co!r} has neither the {dim!r} dimension nor lat/lon dimensions: {model[co].dims}")
    sel = {"lat": xr.DataArray(obs["lat"].values, dims=dim), "lon": xr.DataArray(obs["lon"].values, dims=dim)}
    if "time" in model[co].dims:
        sel["time"] = xr.DataArray(obs["time"].values, dims=dim)
    return model[[co, p_edge]].sel(sel, method="nearest")


def model_xco(obs: xr.Dataset, model: xr.Dataset, co="co", p_edge="pressure_edge", form="profile") -> xr.DataArray:
    """Model-equivalent XCO (ppb) of every observation in an export file that carries kernels
    (:func:`with_kernels`: in a per-sounding file with gathered profiles, the kept soundings;
    see module docstring).

    Parameters
    ----------
    obs : xarray.Dataset
        An export file (per sounding or super-observations) with ``surface_pressure`` (hPa),
        ``prior_co_vmr`` (ppb), ``averaging_kernel`` and, for ``form="column"``,
        ``column_averaging_kernel``.
    model : xarray.Dataset
        CO layer means ``co`` (its ``units`` attribute one of :data:`VMR_UNITS`) and layer edge
        pressures ``p_edge`` (``units`` one of :data:`PRESSURE_UNITS`), per observation or
        gridded (:func:`sample_model`); the vertical dimension of ``co`` is the last one,
        ``p_edge`` has one more entry.
    co, p_edge : str
        Names of those variables in ``model``.
    form : {"profile", "column"}
        Operator form (:func:`apply_kernel`).

    Returns
    -------
    xarray.DataArray
        ``xco_model`` along the observations' dimension, ppb (``units`` ``1e-9``).
    """
    obs = with_kernels(obs)
    dim = _obs_dim(obs)
    m = sample_model(model, obs, co, p_edge)
    vmr = _to_ppb(m[co].transpose(dim, ...), co)
    pe = _to_hpa(m[p_edge].transpose(dim, ...), p_edge)
    psurf = obs["surface_pressure"].values.astype(np.float64)
    x_m = layer_means_on_mopitt(psurf, pe, vmr)
    out = apply_kernel(x_m, obs["prior_co_vmr"].values, obs["averaging_kernel"].values, psurf, form,
                       obs["column_averaging_kernel"].values if form == "column" else None)
    return xr.DataArray(out.astype(np.float32), dims=(dim,), name="xco_model",
                        attrs={"long_name": "model-equivalent CO column-averaged dry-air mole fraction "
                               "(MOPITT prior and averaging kernel applied)", "units": "1e-9",
                               "comment": f"satcol.export.obsop form={form}"})


def main(argv=None, prog="satcol-obsop") -> int:
    """satcol obsop (alias satcol-obsop): model-equivalent XCO for a satcol export file (per sounding
    or super-observation). Exit codes: 0 done; 2 bad arguments, or an input file that is missing or
    cannot be used (the message names the file and the variable)."""
    ap = argparse.ArgumentParser(prog=prog, description=main.__doc__.split(". Exit codes")[0] + ".",
                                 epilog="exit codes: 0 done; 2 bad arguments, or an input file that is missing "
                                        "or cannot be used (the message names the file and the variable)")
    ap.add_argument("observations", help="satcol export netCDF (mopitt_xco_soundings_*.nc or mopitt_xco_superobs_*.nc)")
    ap.add_argument("model", help="netCDF with model CO layer means and layer edge pressures, per observation or gridded (lat, lon[, time])")
    ap.add_argument("-o", "--output", required=True, help="netCDF to write: xco_model, xco, xco_error, difference")
    ap.add_argument("--co-var", default="co", help="model mixing-ratio variable (default: co)")
    ap.add_argument("--pedge-var", default="pressure_edge", help="model layer-edge pressure variable (default: pressure_edge)")
    ap.add_argument("--form", choices=("profile", "column"), default="profile")
    a = ap.parse_args(argv)
    for what, path in (("observations", a.observations), ("model", a.model)):
        if not Path(path).is_file():
            print(f"{prog}: {what} file not found: {path}", file=sys.stderr)
            return 2
    try:
        with xr.open_dataset(a.observations) as f, xr.open_dataset(a.model) as model:
            obs = with_kernels(f)
            xm = model_xco(obs, model, a.co_var, a.pedge_var, a.form)
            out = xr.Dataset({"xco_model": xm, "xco": obs["xco"], "xco_error": obs["xco_error"]},
                             coords={k: obs[k] for k in ("time", "lat", "lon")})
            if "sounding_index" in obs:
                out["sounding_index"] = obs["sounding_index"]
            out["difference"] = (out["xco"] - out["xco_model"]).assign_attrs(
                long_name="observation minus model equivalent", units="1e-9")
            out.attrs = {"Conventions": "CF-1.8", "title": "satcol observation operator output",
                         "source_observations": a.observations, "source_model": a.model}
            out.load().to_netcdf(a.output)
    except KeyError as exc:
        print(f"{prog}: variable {exc} not found ({a.observations} / {a.model})", file=sys.stderr)
        return 2
    except (OSError, ValueError, SatcolError) as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 2
    print(f"{prog}: {xm.size} observations -> {a.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
