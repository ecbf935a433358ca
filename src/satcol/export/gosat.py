"""CF-1.8 per-sounding files of GOSAT XCO2/XCH4 for assimilation (issue 21 item 9).

One file per species and month (``gosat_fts_swir_<species>_soundings_YYYY-MM.nc``), every
ingested sounding (flagged ones too, with the GOSAT QC bitmask from the instrument's registry via
:func:`satcol.export.products.qc_variable`): the MLR-corrected column and its correction, the column
before correction, the total error, the a priori column, and per retrieval layer (surface first)
the column averaging kernel, the a priori profile, the pressure weights and the layer pressures,
so that a model profile x_m gives the GOSAT-equivalent column
X_m = X_a + sum_j h_j a_j (x_m,j - x_a,j) (state space ``vmr``; docs/formats-gosat.md). Built
from the CF helpers of :mod:`satcol.export.products`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from satcol.core.provenance import netcdf_attrs
from satcol.core.qcbits import QC_DTYPE, QCRegistry
from satcol.core.store import check_store_order
from satcol.export import products as ex
from satcol.instruments.gosat.instrument import INSTRUMENT

#: Species name -> (Species of the declaration, units of the store's values).
_SPECIES = {s.export_name: s for s in INSTRUMENT.species}
_GAS = {"xco2": "co2", "xch4": "ch4"}


def file_name(species: str, month: str) -> str:
    """``gosat_fts_swir_<species>_soundings_YYYY-MM.nc`` (docs/instruments.md, the export's names)."""
    return f"gosat_fts_swir_{species}_soundings_{month}.nc"


def sounding_dataset(table: pd.DataFrame, corrected: pd.DataFrame, profiles: dict, registry: QCRegistry,
                     species: str, prov: dict, month: str) -> xr.Dataset:
    """The CF-1.8 dataset of one species and month.

    Parameters
    ----------
    table : DataFrame
        The store's soundings of the month (:func:`satcol.pipeline.gosat.read_store_months`).
    corrected : DataFrame
        The same soundings in the same order, from the corrected record (``qc`` after screening,
        ``<species>_corrected``, ``<species>_mlr_correction``; ppm or ppb).
    profiles : dict of (n, 15) arrays
        The store's profiles (surface first): ``column_ak``, ``pressure_weight``,
        ``<species>_apriori_profile``, ``layer_pressure_hpa``.
    registry : QCRegistry
        GOSAT's QC bits (flag_masks / flag_meanings of the ``qc`` variable).
    species : {"xco2", "xch4"}
    prov : dict
        Provenance (:func:`satcol.core.provenance.provenance`), written as global attributes.
    month : str
        'YYYY-MM'.

    Returns
    -------
    xarray.Dataset
        Dimensions ``sounding`` and ``layer``.

    Raises
    ------
    RuntimeError
        If the corrected soundings are not the store's, in its order.
    """
    check_store_order(table, corrected, f"GOSAT export {species} {month}")
    sp = _SPECIES[species]
    gas = _GAS[species]
    d, lay = "sounding", "layer"
    units = sp.units
    qc = corrected["qc"].to_numpy().astype(QC_DTYPE)
    n_layers = np.asarray(profiles["column_ak"]).shape[1]
    f32 = np.float32
    data = {
        "qc": ex.qc_variable(d, qc, registry),
        species: ex._var((d,), corrected[f"{species}_corrected"].to_numpy(f32), f"{sp.long_name}, bias-corrected: "
                         f"{species}_original - {species}_mlr_correction (Someya et al. 2023 Sect. 4.5)", units,
                         standard_name=sp.standard_name, ancillary_variables=f"{species}_error qc"),
        f"{species}_original": ex._var((d,), table[species].to_numpy(f32), f"{sp.long_name} as retrieved", units,
                                       standard_name=sp.standard_name),
        f"{species}_mlr_correction": ex._var((d,), corrected[f"{species}_mlr_correction"].to_numpy(f32),
                                             "MLR bias correction subtracted from the retrieved column (0 where the "
                                             "species is not corrected)", units),
        f"{species}_error": ex._var((d,), table[f"{species}_error"].to_numpy(f32), "total retrieval error of the "
                                    "column: root sum of squares of the four NIES error components", units),
        f"{species}_apriori": ex._var((d,), table[f"{species}_apriori"].to_numpy(f32),
                                      "a priori column-averaged dry-air mole fraction X_a", units),
        f"prior_{gas}_vmr": ex._var((d, lay), np.asarray(profiles[f"{species}_apriori_profile"], f32),
                                    "a priori dry-air mole fraction per retrieval layer x_a", units),
        "column_averaging_kernel": ex._var((d, lay), np.asarray(profiles["column_ak"], f32),
                                           "column averaging kernel per retrieval layer a_j", "1"),
        "pressure_weight": ex._var((d, lay), np.asarray(profiles["pressure_weight"], f32),
                                   "pressure weight h_j: dry-air partial column of the layer / total (sums to 1)",
                                   "1"),
        "layer_pressure": ex._var((d, lay), np.asarray(profiles["layer_pressure_hpa"], f32),
                                  "pressure at the middle of the layer's dry-air column", "hPa",
                                  standard_name="air_pressure"),
        "surface_pressure": ex._var((d,), table["psurf_hpa"].to_numpy(f32), "retrieved surface pressure", "hPa",
                                    standard_name="surface_air_pressure"),
        "surface": ((d,), table["surface"].to_numpy(np.int8),
                    {"long_name": "surface type (land fraction: 0 ocean, 1 land, 2 mixed)",
                     "flag_values": np.array([0, 1, 2], dtype=np.int8), "flag_meanings": "water land mixed"}),
        "gain_m": ex._var((d,), (table["gain"].astype(str).to_numpy() == "M").astype(np.int8),
                          "1 where the sounding was observed with gain M, 0 gain H"),
        "solar_zenith_angle": ex._var((d,), table["sza"].to_numpy(f32), "solar zenith angle", "degree",
                                      standard_name="solar_zenith_angle"),
        "sounding_date": ex._var((d,), (table["sounding_id"].to_numpy(np.int64) // 1_000_000).astype(np.int32),
                                 "UTC date of the sounding's L2 file as YYYYMMDD; satcol's sounding id is "
                                 "sounding_date * 10^6 + source_index"),
        "source_index": ex._var((d,), table["source_index"].to_numpy(np.int32),
                                "index of the sounding in its source file"),
    }
    coords = {"time": ex._time_coord(d, table["time"].to_numpy(np.float64)),
              "lat": ex._var((d,), table["lat"].to_numpy(f32), "latitude", "degrees_north", standard_name="latitude"),
              "lon": ex._var((d,), table["lon"].to_numpy(f32), "longitude", "degrees_east", standard_name="longitude"),
              lay: (lay, np.arange(n_layers, dtype=np.int32),
                    {"long_name": "retrieval layer, 0 = the layer at the surface", "comment": INSTRUMENT.grid.description})}
    ds = xr.Dataset(data, coords=coords)
    n_kept = int(np.count_nonzero(qc == 0))
    attrs = {"Conventions": "CF-1.8",
             "title": f"satcol GOSAT TANSO-FTS SWIR {species.upper()} observations for assimilation, per sounding, "
                      f"{month}",
             "institution": "satcol",
             "source": "GOSAT TANSO-FTS SWIR L2 (NIES) screened and bias-corrected by satcol after Someya et al. (2023)",
             "references": "Someya et al. (2023), AMT 16, 1477, doi:10.5194/amt-16-1477-2023",
             "history": f"satcol {prov['satcol_version']} (git {prov['git_commit']}): GOSAT export",
             "comment": "Observation operator: X_m = X_a + sum_j pressure_weight_j column_averaging_kernel_j "
                        "(x_m,j - x_a,j) on the file's layers (state space: mole fraction).",
             "month": month, "n_soundings": len(table), "n_kept": n_kept, "n_flagged": len(table) - n_kept,
             **netcdf_attrs(prov)}
    ds.attrs = attrs
    return ds


def observation_operator(ds: xr.Dataset, species: str, model_vmr) -> np.ndarray:
    """The column a sounding of the file would see for a model profile ``model_vmr`` (n, layer)
    on the file's layers, in the file's units: X_a + sum_j h_j a_j (x_m,j - x_a,j)."""
    gas = _GAS[species]
    h = ds["pressure_weight"].to_numpy().astype(np.float64)
    a = ds["column_averaging_kernel"].to_numpy().astype(np.float64)
    xa = ds[f"prior_{gas}_vmr"].to_numpy().astype(np.float64)
    return ds[f"{species}_apriori"].to_numpy().astype(np.float64) + np.sum(h * a * (np.asarray(model_vmr, np.float64) - xa),
                                                                  axis=1)


def write(ds: xr.Dataset, path) -> None:
    """Write atomically with the export's encoding (:func:`satcol.export.products.write_netcdf`)."""
    ex.write_netcdf(ds, path)


# --- super-observations (issue 21 item 9) ----------------------------------------------------------
def superobs_file_name(species: str, month: str) -> str:
    """``gosat_fts_swir_<species>_superobs_YYYY-MM.nc``."""
    return f"gosat_fts_swir_{species}_superobs_{month}.nc"


def superobs(table: pd.DataFrame, corrected: pd.DataFrame, profiles: dict, species: str, cfg: dict,
             origin_s: float) -> dict:
    """Super-observations of one species and month: the kept soundings averaged per grid box, time
    step and surface type (docs/methods-gosat.md, "Super-observations").

    Members are the soundings with QC 0 after screening and correction, a finite corrected column
    and a positive error. The grouping is :func:`satcol.export.superobs.cell_keys` (grid box of
    ``lat_size_deg`` x ``lon_size_deg``, time step ``time_step_hours`` from ``origin_s``, surface
    type 0 water, 1 land, 2 mixed); a box with fewer than ``min_soundings`` members is left out.
    With s_i the member's total error and w_i = s_i^-2 / sum_k s_k^-2 (inverse-variance weights;
    GOSAT's state is the mole fraction itself, its errors do not scale with the retrieved value,
    unlike MOPITT's log10 state, so plain 1/s^2 weights are unbiased):

        X     = sum_i w_i X_i                                                  (corrected column)
        X_a   = sum_i w_i X_a,i
        h_j   = sum_i w_i h_ij,   a_j = sum_i w_i h_ij a_ij / h_j
        x_a,j = sum_i w_i h_ij a_ij x_a,ij / sum_i w_i h_ij a_ij   (plain weighted mean where that is 0)

    so that the observation operator on the averaged quantities is the weighted mean of the
    members' operators for any model profile x_m common to the box, exactly:
    X_a + sum_j h_j a_j (x_m,j - x_a,j) = sum_i w_i [X_a,i + sum_j h_ij a_ij (x_m,j - x_a,ij)].
    The error (the generalised-least-squares variance of the weighted mean, as
    :func:`satcol.export.superobs.error_variance` for MOPITT, with GOSAT's correlation taken from
    the NIES error budget): each member's error splits into the retrieval noise n_i (independent
    between soundings) and the rest c_i = sqrt(s_i^2 - n_i^2) (external, interference and
    smoothing errors: aerosol, spectroscopy, prior, common to the soundings of one overpass),
    taken as fully correlated within an overpass and independent between overpasses:

        sigma_retrieval^2 = sum_i w_i^2 s_i^2 + sum_o [(sum_{i in o} w_i c_i)^2 - sum_{i in o} w_i^2 c_i^2]
        sigma^2 = sigma_retrieval^2 + sigma_representation^2

    i.e. R_ij = c_i c_j / (s_i s_j) within an overpass; at equal errors and correlated share
    f = c^2/s^2 in one overpass this is s^2 [(1 - f)/N + f] (docs/methods.md sect. 10), and with
    no correlated part the standard error of the weighted mean.

    Parameters
    ----------
    table : DataFrame
        The store's soundings of the month (``lat``, ``lon``, ``time`` in Unix s, ``surface``,
        ``psurf_hpa``, ``<species>``, ``<species>_error``, ``<species>_retrieval_noise``,
        ``<species>_apriori``; ppm or ppb).
    corrected : DataFrame
        The same soundings in the same order from the corrected record (``qc``,
        ``<species>_corrected``).
    profiles : dict of (n, 15) arrays
        ``column_ak``, ``pressure_weight``, ``<species>_apriori_profile``, ``layer_pressure_hpa``.
    species : {"xco2", "xch4"}
    cfg : dict
        ``instruments.gosat.export.superobs``: ``lat_size_deg``, ``lon_size_deg``,
        ``time_step_hours``, ``min_soundings``, ``overpass_gap_minutes``,
        ``representation_error`` (``xco2_ppm``, ``xch4_ppb``).
    origin_s : float
        Start of the first time step (Unix s; the month's first day).

    Returns
    -------
    dict of arrays, one entry per super-observation (ppm or ppb; profiles (G, 15)), plus the
    members (``members``: row in ``table``, ``member_group``, ``member_weight``).
    """
    from satcol.export import superobs as so

    check_store_order(table, corrected, f"GOSAT super-observations {species}")
    lat_size, lon_size = float(cfg["lat_size_deg"]), float(cfg["lon_size_deg"])
    step_s = float(cfg["time_step_hours"]) * 3600.0
    t = table["time"].to_numpy(np.float64)
    x = corrected[f"{species}_corrected"].to_numpy(np.float64)
    s = table[f"{species}_error"].to_numpy(np.float64)
    noise = table[f"{species}_retrieval_noise"].to_numpy(np.float64)
    surface = table["surface"].to_numpy(np.int64)
    lat, lon = table["lat"].to_numpy(np.float64), table["lon"].to_numpy(np.float64)
    use = ((corrected["qc"].to_numpy() == 0) & np.isfinite(x) & np.isfinite(s) & (s > 0) & np.isfinite(t)
           & np.isin(surface, (0, 1, 2)))
    idx = np.flatnonzero(use)
    keys = so.cell_keys(lat[idx], lon[idx], t[idx], surface[idx], np.zeros(idx.size, np.int64), lat_size, lon_size,
                        step_s, origin_s)
    order = np.lexsort((t[idx], keys))
    rows, keys = idx[order], keys[order]
    _, group, counts = np.unique(keys, return_inverse=True, return_counts=True)
    big = counts[group] >= int(cfg["min_soundings"])
    rows, keys = rows[big], keys[big]
    uniq, group, counts = np.unique(keys, return_inverse=True, return_counts=True)
    G = uniq.size
    inv = 1.0 / s[rows] ** 2
    w = inv / np.bincount(group, weights=inv, minlength=G)[group]

    def wsum(v, weights=w):
        v = np.asarray(v, dtype=np.float64)[rows]
        if v.ndim == 1:
            return np.bincount(group, weights=weights * v, minlength=G)
        out = np.zeros((G, v.shape[1]))
        np.add.at(out, group, weights[:, None] * v)
        return out

    # error: noise independent, the rest fully correlated within an overpass
    ov = so.overpass_ids(t[rows], group, float(cfg["overpass_gap_minutes"]) * 60.0)
    c = np.sqrt(np.clip(s[rows] ** 2 - np.nan_to_num(noise[rows]) ** 2, 0.0, None))
    var_ind = np.bincount(group, weights=(w * s[rows]) ** 2, minlength=G)
    wc_ov = np.bincount(ov, weights=w * c)
    ov_group = np.zeros(wc_ov.size, np.int64)
    ov_group[ov] = group
    var = var_ind + np.bincount(ov_group, weights=wc_ov ** 2, minlength=G) \
        - np.bincount(group, weights=(w * c) ** 2, minlength=G)
    n_overpasses = np.bincount(ov_group, minlength=G).astype(np.int32)
    repr_err = float(cfg["representation_error"]["xco2_ppm" if species == "xco2" else "xch4_ppb"])

    h = np.asarray(profiles["pressure_weight"], dtype=np.float64)
    a = np.asarray(profiles["column_ak"], dtype=np.float64)
    xa = np.asarray(profiles[f"{species}_apriori_profile"], dtype=np.float64)
    h_mean = wsum(h)
    ha = wsum(h * a)
    hax = wsum(h * a * xa)
    xa_plain = wsum(xa)
    with np.errstate(invalid="ignore", divide="ignore"):
        ak_mean = np.where(h_mean > 0, ha / h_mean, np.nan)
        xa_mean = np.where(ha != 0, hax / ha, xa_plain)
    cell = so.unpack_keys(uniq, lat_size, lon_size)
    return {
        "lat_center": -90.0 + (cell["i_lat"] + 0.5) * lat_size,
        "lon_center": -180.0 + (cell["i_lon"] + 0.5) * lon_size,
        "surface": cell["surface"].astype(np.int8),
        "time_s": wsum(t),
        "time_start_s": origin_s + cell["step"] * step_s,
        "time_end_s": origin_s + (cell["step"] + 1) * step_s,
        "lat_mean": wsum(lat),
        "lon_mean": so._circular_wmean(lon[rows], w, group, G),
        species: wsum(x),
        f"{species}_original": wsum(table[species].to_numpy(np.float64)),
        f"{species}_apriori": wsum(table[f"{species}_apriori"].to_numpy(np.float64)),
        f"{species}_error_retrieval": np.sqrt(var),
        f"{species}_error_representation": np.full(G, repr_err),
        f"{species}_error": np.sqrt(var + repr_err ** 2),
        f"{species}_error_if_independent": np.sqrt(var_ind),
        "n_soundings": counts.astype(np.int32),
        "n_overpasses": n_overpasses,
        "n_effective": counts * var_ind / var,
        "surface_pressure": wsum(table["psurf_hpa"].to_numpy(np.float64)),
        "pressure_weight": h_mean,
        "column_averaging_kernel": ak_mean,
        "prior_profile": xa_mean,
        "layer_pressure": wsum(profiles["layer_pressure_hpa"]),
        "members": rows,
        "member_group": group,
        "member_weight": w,
    }


def superobs_dataset(so: dict, species: str, cfg: dict, prov: dict, month: str, n_kept: int) -> xr.Dataset:
    """The super-observations of a month (:func:`superobs`) as a CF-1.8 dataset: dimensions
    ``superobs`` and ``layer``, the same operator variables as the per-sounding file (so
    :func:`observation_operator` applies to it unchanged), grid-box and time-step bounds."""
    sp = _SPECIES[species]
    gas = _GAS[species]
    d, lay = "superobs", "layer"
    u = sp.units
    f32 = np.float32
    n = so[species].size
    n_layers = np.asarray(so["pressure_weight"]).reshape(n, -1).shape[1] if n else INSTRUMENT.grid.n_levels
    lat_b = np.stack([so["lat_center"] - cfg["lat_size_deg"] / 2, so["lat_center"] + cfg["lat_size_deg"] / 2], 1)
    lon_b = np.stack([so["lon_center"] - cfg["lon_size_deg"] / 2, so["lon_center"] + cfg["lon_size_deg"] / 2], 1)
    t_b = pd.to_datetime(np.stack([so["time_start_s"], so["time_end_s"]], 1).ravel(), unit="s").to_numpy().reshape(n, 2)
    prof = {k: np.asarray(so[k], f32).reshape(n, n_layers) for k in
            ("pressure_weight", "column_averaging_kernel", "prior_profile", "layer_pressure")}
    data = {
        species: ex._var((d,), so[species].astype(f32), f"{sp.long_name}, bias-corrected: inverse-variance weighted "
                         "mean of the kept soundings' corrected columns", u, standard_name=sp.standard_name,
                         ancillary_variables=f"{species}_error n_soundings"),
        f"{species}_original": ex._var((d,), so[f"{species}_original"].astype(f32), "weighted mean of the members' "
                                       "columns as retrieved (before the MLR correction)", u),
        f"{species}_error": ex._var((d,), so[f"{species}_error"].astype(f32), "total error of the super-observation: "
                                    f"sqrt({species}_error_retrieval^2 + {species}_error_representation^2)", u),
        f"{species}_error_retrieval": ex._var((d,), so[f"{species}_error_retrieval"].astype(f32),
                                              "retrieval error of the weighted mean: retrieval noise independent "
                                              "between soundings, the other NIES error components fully correlated "
                                              "within an overpass", u),
        f"{species}_error_representation": ex._var((d,), so[f"{species}_error_representation"].astype(f32),
                                                   "representation error added in quadrature (config instruments."
                                                   "gosat.export.superobs.representation_error)", u),
        f"{species}_error_if_independent": ex._var((d,), so[f"{species}_error_if_independent"].astype(f32),
                                                   "retrieval error of the weighted mean if every error were "
                                                   "independent (the standard error of the weighted mean)", u),
        f"{species}_apriori": ex._var((d,), so[f"{species}_apriori"].astype(f32),
                                      "weighted mean of the members' a priori columns X_a", u),
        f"prior_{gas}_vmr": ex._var((d, lay), prof["prior_profile"], "a priori mole fraction per layer x_a: the "
                                    "members' priors averaged with weights w_i h_ij a_ij (the linear operator on the "
                                    "averages is then the weighted mean of the members' operators)", u),
        "column_averaging_kernel": ex._var((d, lay), prof["column_averaging_kernel"], "column averaging kernel per "
                                           "layer a_j = sum_i w_i h_ij a_ij / pressure_weight_j", "1"),
        "pressure_weight": ex._var((d, lay), prof["pressure_weight"], "weighted mean pressure weight h_j of the "
                                   "members (sums to 1)", "1"),
        "layer_pressure": ex._var((d, lay), prof["layer_pressure"], "weighted mean pressure at the middle of the "
                                  "layer's dry-air column", "hPa", standard_name="air_pressure"),
        "surface_pressure": ex._var((d,), so["surface_pressure"].astype(f32), "weighted mean retrieved surface "
                                    "pressure of the members", "hPa", standard_name="surface_air_pressure"),
        "n_soundings": ex._var((d,), so["n_soundings"], "number of kept soundings averaged", "1"),
        "n_overpasses": ex._var((d,), so["n_overpasses"], "number of overpasses contributing", "1"),
        "n_effective": ex._var((d,), so["n_effective"].astype(f32), "effective number of independent soundings: "
                               f"n_soundings x {species}_error_if_independent^2 / {species}_error_retrieval^2", "1"),
        "surface": ((d,), so["surface"], {"long_name": "surface type of the members (land fraction: 0 ocean, "
                                          "1 land, 2 mixed)", **ex.SURFACE_FLAGS}),
        "lat_mean": ex._var((d,), so["lat_mean"].astype(f32), "weighted mean latitude of the members", "degrees_north",
                            standard_name="latitude"),
        "lon_mean": ex._var((d,), so["lon_mean"].astype(f32), "weighted mean longitude of the members", "degrees_east",
                            standard_name="longitude"),
        "lat_bnds": ((d, "nv"), lat_b.astype(f32), {}),
        "lon_bnds": ((d, "nv"), lon_b.astype(f32), {}),
        "time_bnds": ((d, "nv"), t_b, {}),
    }
    coords = {"time": ex._time_coord(d, so["time_s"]),
              "lat": ex._var((d,), so["lat_center"].astype(f32), "latitude of the grid box centre", "degrees_north",
                             standard_name="latitude", bounds="lat_bnds"),
              "lon": ex._var((d,), so["lon_center"].astype(f32), "longitude of the grid box centre", "degrees_east",
                             standard_name="longitude", bounds="lon_bnds"),
              lay: (lay, np.arange(n_layers, dtype=np.int32),
                    {"long_name": "retrieval layer, 0 = the layer at the surface", "comment": INSTRUMENT.grid.description})}
    coords["time"][2]["bounds"] = "time_bnds"
    coords["time"][2]["long_name"] = "weighted mean time of the members (UTC)"
    ds = xr.Dataset(data, coords=coords)
    ds.attrs = {"Conventions": "CF-1.8",
                "title": f"satcol GOSAT TANSO-FTS SWIR {species.upper()} super-observations for assimilation, {month}",
                "institution": "satcol",
                "source": "GOSAT TANSO-FTS SWIR L2 (NIES) screened and bias-corrected by satcol after Someya et al. "
                          "(2023), averaged in grid boxes",
                "references": "Someya et al. (2023), AMT 16, 1477, doi:10.5194/amt-16-1477-2023",
                "history": f"satcol {prov['satcol_version']} (git {prov['git_commit']}): GOSAT super-observations",
                "comment": "Observation operator: X_m = X_a + sum_j pressure_weight_j column_averaging_kernel_j "
                           "(x_m,j - x_a,j) on the file's layers (state space: mole fraction); for a model profile "
                           "common to the box it equals the weighted mean of the members' operators.",
                "weights": "w_i = s_i^-2 / sum_k s_k^-2, s = the member's total error (inverse-variance weights)",
                "grouping": "grid box x time step x surface type; members: QC 0 after screening and correction",
                "month": month, "grid_lat_size_deg": float(cfg["lat_size_deg"]),
                "grid_lon_size_deg": float(cfg["lon_size_deg"]), "time_step_hours": float(cfg["time_step_hours"]),
                "min_soundings": int(cfg["min_soundings"]), "overpass_gap_minutes": float(cfg["overpass_gap_minutes"]),
                "n_kept_soundings_month": int(n_kept), "n_soundings_in_superobs": int(np.sum(so["n_soundings"])),
                **netcdf_attrs(prov)}
    return ds
