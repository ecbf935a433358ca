"""Assimilation export: error-correlation estimator, super-observation errors, observation
operator, CF export (issue #5)."""

import hashlib
import json
import os
import subprocess
import sys
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from satcol.core.config import instrument_config, load_config
from satcol.export import obsop, superobs
from satcol.export import products as export
from satcol.instruments.mopitt import levels
from satcol.validation import error_correlation as ec
from satcol.validation import fits as validation
from satcol.validation.error_correlation import CorrelationModel

CONSTANT = 1e12  # a correlation length this long makes rho(d) = c0 at every separation


def test_pairs_within_groups_yields_every_pair_once():
    groups = np.repeat([3, 5, 6, 9], [1, 4, 7, 2])
    got = sorted((int(i), int(j)) for a, b in ec.pairs_within_groups(groups) for i, j in zip(a, b, strict=True))
    want = sorted(p for g in np.unique(groups) for p in combinations(np.flatnonzero(groups == g).tolist(), 2))
    assert got == want


def _correlated_sample(rng, n_regions, per_region, c0, L, sigma):
    """Soundings in small regions with errors of covariance s_i s_j c0 exp(-d / L) (plus the
    nugget on the diagonal), drawn exactly by Cholesky factorisation per region."""
    lat, lon, err, region, s_all = [], [], [], [], []
    for r in range(n_regions):
        la = rng.uniform(-0.4, 0.4, per_region)
        lo = rng.uniform(-0.6, 0.6, per_region)
        s = sigma * rng.uniform(0.7, 1.3, per_region)
        d = ec.separation_km(la[:, None], lo[:, None], la[None, :], lo[None, :])
        C = np.outer(s, s) * np.where(d > 0, c0 * np.exp(-d / L), 1.0)
        e = np.linalg.cholesky(C) @ rng.standard_normal(per_region)
        lat.append(la)
        lon.append(lo + 10.0 * r)
        err.append(e)
        region.append(np.full(per_region, r))
        s_all.append(s)
    return tuple(np.concatenate(v) for v in (lat, lon, err, region, s_all))


def test_error_correlation_estimator_recovers_an_injected_model():
    """The moment estimator rho_hat(d) and the fit recover c0 and L of the injected covariance
    (the region level, common to a region, cancels in pair differences)."""
    rng = np.random.default_rng(1)
    lat, lon, err, region, s = _correlated_sample(rng, 1500, 25, c0=0.4, L=30.0, sigma=2.0)
    level = rng.normal(100.0, 20.0, region.max() + 1)[region]  # atmosphere, homogeneous per region
    surface = np.ones(lat.size, dtype=np.int8)
    part = ec.pair_partials(region, surface, lat, lon, level + err, s, 10.0, 150.0)
    binned = ec.reduce_partials([part.iloc[: len(part) // 2], part.iloc[len(part) // 2:]], 10.0)
    m = ec.fit_correlation(binned[binned["surface"] == 1], "exponential")
    assert m.c0 == pytest.approx(0.4, abs=0.05)
    assert m.length_km == pytest.approx(30.0, rel=0.25)
    # Partial sums split over months reduce to the same estimate.
    whole = ec.reduce_partials([part], 10.0)
    np.testing.assert_allclose(whole["rho"], binned["rho"])


def test_fit_all_falls_back_or_stops_with_advice():
    cfg = {"mode": "fit", "family": "exponential", "min_pairs": 100, "c0": 0.0, "length_km": 50.0}
    empty = ec.reduce_partials([], 10.0)
    with pytest.raises(ValueError, match="export.error_correlation.mode: fixed"):
        ec.fit_all(empty, cfg)
    fixed = ec.fit_all(empty, {**cfg, "mode": "fixed", "c0": 0.3, "length_km": 20.0})
    assert fixed["land"].c0 == 0.3 and fixed["water"].source == "config"


def _superobs_table(n, sigma, lat0=10.1, lon0=20.1, spread=0.5, t0=86400.0 * 100):
    rng = np.random.default_rng(0)
    table = {"time_s": t0 + np.arange(n) * 0.5, "lat": lat0 + rng.uniform(0, spread, n),
             "lon": lon0 + rng.uniform(0, spread, n), "surface": np.ones(n, dtype=np.int8),
             "n_levels": np.full(n, 10), "psurf": np.full(n, 1000.0), "xgas": np.full(n, 100.0)}
    prof = {"prior_vmr": np.full((n, 10), 80.0), "retrieved_vmr": np.full((n, 10), 85.0),
            "averaging_kernel": np.tile(np.eye(10) * 0.3, (n, 1, 1)), "column_averaging_kernel": np.full((n, 10), 5.0)}
    return table, prof, np.full(n, sigma)


CFG = {"lat_size_deg": 2.0, "lon_size_deg": 2.5, "time_step_hours": 24, "min_soundings": 1,
       "representation_error_ppb": 0.0}


def test_superobs_error_constant_correlation_reference_case():
    """docs/methods.md sect. 10 [D]: sigma = 1, N = 10, c = 0.3 gives 0.608276; c = 0 gives 1/sqrt(N)."""
    table, prof, s = _superobs_table(10, 1.0)
    for c, want in ((0.3, 0.608276), (0.0, 1.0 / np.sqrt(10))):
        m = CorrelationModel("exponential", c, CONSTANT)
        so = superobs.build(table, prof, s, {"land": m, "water": m}, CFG, 0.0, 1800.0)
        assert so["xgas"].size == 1
        assert so["xgas_error_retrieval"][0] == pytest.approx(want, abs=1e-6)
        assert so["xgas_error_if_independent"][0] == pytest.approx(1.0 / np.sqrt(10))
        assert so["n_effective"][0] == pytest.approx(10 * 0.1 / want**2)
    # Representation error adds in quadrature; soundings of another overpass are uncorrelated.
    so = superobs.build(table, prof, s, {"land": m, "water": m}, {**CFG, "representation_error_ppb": 2.0}, 0.0, 1800.0)
    assert so["xgas_error"][0] == pytest.approx(np.hypot(1 / np.sqrt(10), 2.0))


def test_superobs_weights_means_and_overpasses():
    """Inverse-variance weighted mean with the errors at a common XCO, w ~ (xco / s)^2; two overpasses of one cell and day are
    uncorrelated with each other; the averaged kernel and prior are the members' weighted means."""
    table, prof, s = _superobs_table(20, 1.0)
    table["xgas"] = np.random.default_rng(1).normal(100.0, 3.0, 20)
    s = np.r_[np.full(10, 1.0), np.full(10, 2.0)]
    table["time_s"][10:] += 3 * 3600.0  # a second overpass
    m = CorrelationModel("exponential", 0.5, CONSTANT)
    so = superobs.build(table, prof, s, {"land": m, "water": m}, CFG, 0.0, 1800.0)
    w = (table["xgas"] / s) ** 2
    assert so["xgas"][0] == pytest.approx(np.sum(w * table["xgas"]) / w.sum())
    assert so["n_overpasses"][0] == 2
    wn = w / w.sum()
    var = sum(wn[a] * wn[b] * s[a] * s[b] * (1.0 if a == b else 0.5)
              for a in range(20) for b in range(20) if a == b or (a < 10) == (b < 10))
    assert so["xgas_error_retrieval"][0] == pytest.approx(np.sqrt(var))
    np.testing.assert_allclose(so["averaging_kernel"][0], np.eye(10) * 0.3)
    np.testing.assert_allclose(so["prior_log10_vmr"][0], np.log10(80.0))


def test_superobs_of_an_empty_month(tmp_path):
    """A month whose every file was skipped: no super-observation, and still a valid file."""
    table, prof, s = _superobs_table(0, 1.0)
    m = CorrelationModel("exponential", 0.3, 40.0)
    so = superobs.build(table, prof, s, {"land": m, "water": m}, CFG, 0.0, 1800.0)
    assert so["xgas"].size == 0 and so["averaging_kernel"].shape == (0, 10, 10)
    prov = {"satcol_version": "0", "git_commit": "x", "config_sha256": "c", "input_sha256": {}}
    scale = {"value": 1.0, "source": "none", "uncertainty": 0.0, "scale_to": "none"}
    export.write_netcdf(export.superobs_dataset(so, scale, {"land": m, "water": m}, prov, CFG, "2009-08", 0),
                        tmp_path / "empty.nc")
    assert xr.open_dataset(tmp_path / "empty.nc").sizes["superobs"] == 0


def test_superobs_group_by_cell_day_surface_and_levels():
    table, prof, s = _superobs_table(12, 1.0)
    table["surface"][:4] = 0
    table["n_levels"][4:6] = 9
    table["lat"][6:8] += 2.0  # next cell
    table["time_s"][8:10] += 86400.0  # next day
    m = CorrelationModel("exponential", 0.0, 10.0)
    so = superobs.build(table, prof, s, {"land": m, "water": m}, CFG, 0.0, 1800.0)
    assert sorted(so["n_soundings"].tolist()) == [2, 2, 2, 2, 4]
    assert so["n_soundings"].sum() == 12
    cell = superobs.unpack_keys(so["key"], 2.0, 2.5)
    assert set(cell["surface"].tolist()) == {0, 1}


def test_layer_means_on_mopitt_conserve_mass():
    """Box averaging onto MOPITT layers is exact for a piecewise-constant model: a model that is
    constant gives that constant; a fine-layered linear profile gives its exact layer means; the
    edge order does not matter; below the model's surface its lowest layer is extended."""
    psurf = np.array([1000.0, 850.0, 1013.0])
    pe = np.stack([np.linspace(p, 0.01, 301) for p in (1000.0, 860.0, 990.0)])
    mid = 0.5 * (pe[:, 1:] + pe[:, :-1])
    x = 50.0 + 0.05 * mid  # linear in p: the layer mean is the value at the layer's mid-pressure
    got = obsop.layer_means_on_mopitt(psurf, pe, x)
    got_flipped = obsop.layer_means_on_mopitt(psurf, pe[:, ::-1], x[:, ::-1])
    np.testing.assert_allclose(got, got_flipped)
    lo, hi = obsop.columns.mopitt_layer_edges(psurf)
    want = 50.0 + 0.05 * 0.5 * (lo + hi)
    ok = np.isfinite(want) & (lo <= pe[:, :1])  # layers inside the model column
    np.testing.assert_allclose(got[ok], want[ok], rtol=2e-5)
    # Row 2's surface layer reaches below the model's lowest edge (990 hPa): constant extension.
    bottom_layer = x[2, 0]
    frac_inside = (990.0 - 900.0) / (1013.0 - 900.0)
    inside = 50.0 + 0.05 * 0.5 * (990.0 + 900.0)
    assert got[2, 0] == pytest.approx(frac_inside * inside + (1 - frac_inside) * bottom_layer, rel=1e-4)
    const = obsop.layer_means_on_mopitt(psurf, pe, np.full_like(x, 77.0))
    np.testing.assert_allclose(const[np.isfinite(const)], 77.0)
    with pytest.raises(ValueError, match="monotonic"):
        obsop.layer_means_on_mopitt(psurf, np.concatenate([pe[:, :5], pe[:, 3:4], pe[:, 6:]], 1), x)


def test_apply_kernel_limits_and_linearisation():
    """A = I: the model column itself (sum h x_m); A = 0: the prior column; the column form is
    the first-order expansion of the profile form (H19 Eq. 2 vs Eq. 1)."""
    n = 3
    psurf = np.array([1000.0, 950.0, 700.0])
    valid = levels.valid_levels(psurf)
    x_a = np.where(valid, np.linspace(120, 60, 10), np.nan)
    x_m = np.where(valid, x_a * np.linspace(1.3, 0.9, 10), np.nan)
    h = levels.pressure_weights(psurf)
    eye = np.tile(np.eye(10), (n, 1, 1))
    np.testing.assert_allclose(obsop.apply_kernel(x_m, x_a, eye, psurf), np.nansum(h * x_m, 1))
    np.testing.assert_allclose(obsop.apply_kernel(x_m, x_a, 0 * eye, psurf), np.nansum(h * x_a, 1))
    A = 0.15 * eye + 0.05 * np.exp(-np.abs(np.subtract.outer(np.arange(10), np.arange(10))) / 2.0)
    small = np.where(valid, x_a * 1.001, np.nan)
    # Column AK at the prior (x_hat = x_a): a_j = ln10 sum_i h_i x_a,i A_ij (H19 App. B).
    a = np.log(10.0) * np.einsum("ni,nij->nj", np.nan_to_num(h * x_a), np.where(valid[:, :, None] & valid[:, None, :], A, 0))
    prof = obsop.apply_kernel(small, x_a, A, psurf, "profile")
    col = obsop.apply_kernel(small, x_a, A, psurf, "column", column_ak=a)
    np.testing.assert_allclose(prof, col, rtol=1e-6)


def test_operator_on_the_truth_reproduces_the_synthetic_smoothed_truth(synthetic_day):
    """The synthetic retrieval computed each sounding's noise-free XCO by applying its averaging
    kernel to the truth's MOPITT layer means (Gauss-Legendre in pressure). The operator, fed the
    same truth as layer means on a 72-layer model grid, must give the same XCO."""
    from satcol.instruments.mopitt import reader as mopitt
    from satcol.osse import closed_loop

    raw = mopitt.read_mop02(synthetic_day["path"])
    table, prof = mopitt.canonical(raw)
    n = len(table["xgas"])
    obs = xr.Dataset({"surface_pressure": ("sounding", table["psurf"]),
                      "prior_co_vmr": (("sounding", "level"), prof["prior_vmr"]),
                      "averaging_kernel": (("sounding", "level", "level_in"), prof["averaging_kernel"]),
                      "column_averaging_kernel": (("sounding", "level"), prof["column_averaging_kernel"])},
                     coords={"time": ("sounding", table["time"].astype("datetime64[ns]")),
                             "lat": ("sounding", table["lat"]), "lon": ("sounding", table["lon"])})
    h = obsop.model_xco(obs, closed_loop.truth_model(obs)).values
    truth = synthetic_day["truth"]["xco_smoothed_ppb"].to_numpy()
    assert n == truth.size
    np.testing.assert_allclose(h, truth, atol=0.02)


def _write_obs(path, n=4):
    rng = np.random.default_rng(3)
    psurf = np.full(n, 1000.0)
    x_a = np.tile(np.linspace(120, 60, 10), (n, 1))
    ds = xr.Dataset({"surface_pressure": ("sounding", psurf, {"units": "hPa"}),
                     "prior_co_vmr": (("sounding", "level"), x_a),
                     "averaging_kernel": (("sounding", "level", "level_in"), np.tile(np.eye(10), (n, 1, 1))),
                     "column_averaging_kernel": (("sounding", "level"), np.ones((n, 10))),
                     "xco": ("sounding", rng.normal(90, 2, n)), "xco_error": ("sounding", np.full(n, 2.0))},
                    coords={"time": ("sounding", pd.to_datetime(["2009-07-01"] * n).to_numpy()),
                            "lat": ("sounding", np.linspace(-10, 10, n)), "lon": ("sounding", np.linspace(0, 30, n))})
    ds.to_netcdf(path)
    return ds


def test_obsop_cli_per_observation_and_gridded_models(tmp_path):
    obs = _write_obs(tmp_path / "obs.nc")
    pe = np.tile(np.linspace(1013.0, 0.01, 48), (4, 1))
    model = xr.Dataset({"co": (("sounding", "lev"), np.full((4, 47), 0.08), {"units": "1e-6"}),
                        "pressure_edge": (("sounding", "ilev"), pe * 100.0, {"units": "Pa"})})
    model.to_netcdf(tmp_path / "model.nc")
    r = subprocess.run([sys.executable, "-m", "satcol.export.obsop", str(tmp_path / "obs.nc"), str(tmp_path / "model.nc"),
                        "-o", str(tmp_path / "out.nc")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    out = xr.open_dataset(tmp_path / "out.nc")
    # A = I and a constant 80 ppb model: the 80 ppb column with MOPITT's weights (1 - 26/psurf).
    np.testing.assert_allclose(out["xco_model"], 80.0 * (1 - 26.0 / 1000.0), rtol=1e-5)
    np.testing.assert_allclose(out["difference"], obs["xco"] - out["xco_model"], rtol=1e-5)
    # The same model on a lat/lon grid, sampled at the nearest cell.
    grid = xr.Dataset({"co": (("lat", "lon", "lev"), np.full((5, 6, 47), 80.0), {"units": "ppb"}),
                       "pressure_edge": (("lat", "lon", "ilev"), np.tile(pe[0], (5, 6, 1)), {"units": "hPa"})},
                      coords={"lat": np.linspace(-20, 20, 5), "lon": np.linspace(-10, 40, 6)})
    g = obsop.model_xco(obs, grid)
    np.testing.assert_allclose(g, 80.0 * (1 - 26.0 / 1000.0), rtol=1e-5)
    bad = model.copy()
    bad["co"].attrs["units"] = "furlongs"
    bad.to_netcdf(tmp_path / "bad.nc")
    r = subprocess.run([sys.executable, "-m", "satcol.export.obsop", str(tmp_path / "obs.nc"), str(tmp_path / "bad.nc"),
                        "-o", str(tmp_path / "out2.nc")], capture_output=True, text=True)
    assert r.returncode == 2 and "unknown mixing-ratio units 'furlongs'" in r.stderr


def test_global_scale_choices():
    val = {"method_II": {"standard": {"n": 40, "scale_factor": 1.066, "scale_factor_err": 0.002},
                         "unscaled": {"n": 40, "scale_factor": 1.0075}}}
    cfg = {"scale_to": "tccon_standard", "scale_factor": None}
    assert export.global_scale(val, cfg)["value"] == 1.066
    assert export.global_scale(val, {**cfg, "scale_to": "tccon_unscaled"})["value"] == 1.0075
    assert export.global_scale(val, {**cfg, "scale_to": "none"})["value"] == 1.0
    assert export.global_scale({}, {**cfg, "scale_factor": 1.05})["value"] == 1.05
    with pytest.raises(ValueError, match="export.scale_to: tccon_standard"):
        export.global_scale({"method_II": {"standard": {"n": 0}}}, cfg)


def test_observation_error_removes_the_smoothing_part():
    e, complete = export.observation_error([5.0, 5.0], [3.0, np.nan])
    np.testing.assert_allclose(e, [4.0, 5.0])
    assert complete is False


def test_scale_factor_error_is_the_standard_error_of_the_mean_at_the_centroid():
    """Equal y errors and exact x (York reduces to OLS): at the centroid the line is the mean of
    y, so s.e.(s) = sigma / (sqrt(n) xbar)."""
    rng = np.random.default_rng(4)
    x = np.linspace(50, 150, 30)
    days = pd.DataFrame({"method_II_standard_x": x, "method_II_standard_y": 1.06 * x + rng.normal(0, 2.0, 30),
                         "method_II_standard_x_sem": 1e-6, "method_II_standard_y_sem": 2.0, "surface": 1})
    fit = validation.york_fit(days, "method_II", "standard")
    expect = 2.0 / (np.sqrt(30) * x.mean()) * np.sqrt(max(1.0, fit["reduced_chi2"]))
    assert fit["scale_factor_err"] == pytest.approx(expect, rel=1e-6)


def test_export_datasets_pass_the_cf_checker(tmp_path):
    """A per-sounding and a super-observation file written from small inputs: CF-1.8 with no
    errors (IOOS compliance-checker), flagged soundings present with their QC meanings."""
    n = 40
    rng = np.random.default_rng(5)
    t = pd.Timestamp("2009-07-16", tz="UTC") + pd.to_timedelta(np.arange(n) * 0.4, unit="s")
    psurf = rng.uniform(950, 1010, n)
    table = pd.DataFrame({"sounding_id": np.arange(n), "source_file": 0, "source_index": np.arange(n), "time": t,
                          "lat": 10 + rng.uniform(0, 1, n), "lon": 20 + rng.uniform(0, 1, n),
                          "pixel": rng.integers(1, 5, n), "surface": np.ones(n, np.int8), "sza": 30.0, "vza": 10.0,
                          "psurf": psurf, "xgas": 100.0, "xgas_error": 3.0, "xgas_error_smoothing": 1.5, "dof": 1.5})
    qc = np.zeros(n, np.uint32)
    qc[:5] = 2  # night
    corrected = pd.DataFrame({"sounding_id": np.arange(n), "qc": qc, "xgas": rng.normal(100, 3, n),
                              "feature_correction": 0.5, "pixel_correction": -0.2})
    corrected["xgas_corrected"] = corrected["xgas"] - 0.3
    valid = levels.valid_levels(psurf)
    prof = {"retrieved_vmr": np.where(valid, 90.0, np.nan), "prior_vmr": np.where(valid, 80.0, np.nan),
            "averaging_kernel": np.where(valid[:, :, None] & valid[:, None, :], 0.1, np.nan),
            "column_averaging_kernel": np.where(valid, 3.0, np.nan)}
    m = CorrelationModel("exponential", 0.3, 40.0)
    models = {"land": m, "water": m}
    scale = {"value": 1.064, "source": "test", "uncertainty": 0.002, "scale_to": "tccon_standard"}
    prov = {"satcol_version": "0", "git_commit": "x", "config_sha256": "c", "input_sha256": {"a": "b"}}
    ds = export.sounding_dataset(table, corrected, prof, scale, models, prov, ["f.he5"], "2009-07")
    export.write_netcdf(ds, tmp_path / "snd.nc")
    snd = xr.open_dataset(tmp_path / "snd.nc")
    assert snd.sizes["sounding"] == n and int((snd["qc"] != 0).sum()) == 5
    assert "night" in snd["qc"].attrs["flag_meanings"]
    np.testing.assert_allclose(snd["xco"], (corrected["xgas"] - 0.3) / 1.064, rtol=1e-6)
    np.testing.assert_allclose(snd["xco_error"], np.sqrt(3.0**2 - 1.5**2) / 1.064, rtol=1e-6)
    config = {"export": {"superobs": CFG}, "sra": {"overpass_gap_minutes": 30}}
    so = export.superobs_from_soundings(snd.load(), models, config, 0.0)
    assert so["n_soundings"].sum() == n - 5
    sds = export.superobs_dataset(so, scale, models, prov, CFG, "2009-07", n - 5)
    export.write_netcdf(sds, tmp_path / "so.nc")
    for path in (tmp_path / "snd.nc", tmp_path / "so.nc"):
        for suite in ("cf:1.8", "cf"):
            assert cf_errors(path, suite) == [], (path.name, suite)


def _month_inputs(tmp_path, n=23, seed=6):
    """Arguments of :func:`export.write_month_soundings` up to the output path: a small month of
    ``n`` soundings, about half of them flagged, with its store profiles in ``tmp_path``."""
    import h5netcdf

    rng = np.random.default_rng(seed)
    t = pd.Timestamp("2009-07-16", tz="UTC") + pd.to_timedelta(np.arange(n) * 0.4, unit="s")
    psurf = rng.uniform(950, 1010, n)
    table = pd.DataFrame({"sounding_id": np.arange(n), "source_file": 0, "source_index": np.arange(n), "time": t,
                          "lat": rng.uniform(0, 1, n), "lon": rng.uniform(0, 1, n), "pixel": rng.integers(1, 5, n),
                          "surface": np.ones(n, np.int8), "sza": 30.0, "vza": 10.0, "psurf": psurf, "xgas": 100.0,
                          "xgas_error": 3.0, "xgas_error_smoothing": 1.5, "dof": 1.5})
    corrected = pd.DataFrame({"sounding_id": np.arange(n), "qc": rng.integers(0, 2, n).astype(np.uint32),
                              "xgas": rng.normal(100, 3, n), "feature_correction": 0.5, "pixel_correction": -0.2})
    valid = levels.valid_levels(psurf)
    prof = {"retrieved_vmr": np.where(valid, rng.uniform(60, 120, (n, 10)), np.nan).astype(np.float32),
            "prior_vmr": np.where(valid, 80.0, np.nan).astype(np.float32),
            "averaging_kernel": np.where(valid[:, :, None] & valid[:, None, :], rng.uniform(0, 0.3, (n, 10, 10)),
                                         np.nan).astype(np.float32),
            "column_averaging_kernel": np.where(valid, 3.0, np.nan).astype(np.float32)}
    with h5netcdf.File(tmp_path / "profiles.nc", "w") as f:
        f.dimensions = {"sounding": n, "level": 10, "level_in": 10}
        for k, v in prof.items():
            # Chunked along sounding like the real store, in chunks smaller than the test's blocks.
            f.create_variable(k, ("sounding", "level", "level_in")[: v.ndim], data=v, chunks=(3,) + v.shape[1:])
    m = CorrelationModel("exponential", 0.3, 40.0)
    return (table, corrected, tmp_path / "profiles.nc", {"value": 1.05, "source": "t", "uncertainty": 0.0,
            "scale_to": "tccon_standard"}, {"land": m, "water": m},
            {"satcol_version": "0", "git_commit": "x", "config_sha256": "c", "input_sha256": {}}, [], "2009-07")


@pytest.mark.parametrize("profiles_of", export.PROFILE_LAYOUTS)
def test_month_written_in_blocks_equals_one_write(tmp_path, profiles_of):
    """The per-sounding file written block by block (bounded memory) holds the same numbers as
    the dataset written at once, in either profile layout."""
    args = _month_inputs(tmp_path)
    corrected, n = args[1], len(args[0])
    counts, kept_written = export.write_month_soundings(*args, tmp_path / "blocks.nc", block=5,
                                                        profiles_of=profiles_of)
    export.write_month_soundings(*args, tmp_path / "whole.nc", block=1000, profiles_of=profiles_of)
    assert counts == {"n_soundings": n, "n_kept": int((corrected["qc"] == 0).sum()),
                      "n_flagged": int((corrected["qc"] != 0).sum())}
    kept = export.read_kept(tmp_path / "blocks.nc", block=4)
    assert kept.sizes["sounding"] == counts["n_kept"] and (kept["qc"] == 0).all()
    np.testing.assert_array_equal(kept["sounding_index"], np.flatnonzero(corrected["qc"] == 0))
    # The kept soundings the export returns (for the super-observations of the same job) are
    # the values in the file, and give the same super-observations.
    assert set(kept_written.variables) == set(kept.variables)
    for name in kept.variables:
        np.testing.assert_array_equal(kept_written[name].values, kept[name].values, err_msg=name)
    cfg = instrument_config(load_config())
    so_mem = export.superobs_from_soundings(kept_written, args[4], cfg, 0.0)
    so_file = export.superobs_from_soundings(kept, args[4], cfg, 0.0)
    for key in ("xgas", "xgas_error", "n_soundings", "members"):
        np.testing.assert_array_equal(so_mem[key], so_file[key], err_msg=key)
    np.testing.assert_array_equal(kept["xco"], xr.open_dataset(tmp_path / "whole.nc")["xco"].values[corrected["qc"] == 0])
    assert float(kept["global_scale_factor"]) == 1.05
    with xr.open_dataset(tmp_path / "blocks.nc") as a, xr.open_dataset(tmp_path / "whole.nc") as b:
        assert a.sizes["sounding"] == n and a.attrs["profiles_of"] == profiles_of
        assert set(a.variables) == set(b.variables)
        for name in b.variables:
            np.testing.assert_array_equal(a[name].values, b[name].values, err_msg=name)
        assert a.attrs["n_kept"] == counts["n_kept"]


WRITE_MONTH = """
import sys
from pathlib import Path
sys.path[:0] = [{here!r}, {tests!r}]
from test_export import _month_inputs
from satcol.export import products as export
d = Path(sys.argv[1])
export.write_month_soundings(*_month_inputs(d), d / "out.nc", block=int(sys.argv[2]))
"""


@pytest.mark.parametrize("block", [5, 1000])
def test_month_file_has_the_same_bytes_in_every_process(tmp_path, block):
    """The per-sounding file has two unlimited dimensions. xarray creates unlimited dimensions in
    the order of a set, which follows Python's per-process string hashes: written as one call,
    the HDF5 layout (and so the bytes) changed between runs. Four processes with different hash
    seeds, in blocks and at once, write the same bytes."""
    script = tmp_path / "write_month.py"
    script.write_text(WRITE_MONTH.format(here=str(Path(__file__).parent), tests=str(Path(__file__).parents[1])))
    digests = set()
    for seed in range(4):
        d = tmp_path / f"seed{seed}"
        d.mkdir()
        env = {**os.environ, "PYTHONHASHSEED": str(seed)}
        subprocess.run([sys.executable, str(script), str(d), str(block)], check=True, env=env)
        digests.add(hashlib.sha256((d / "out.nc").read_bytes()).hexdigest())
    assert len(digests) == 1


def test_gathered_profiles_are_those_of_the_kept_soundings(tmp_path):
    """export.profiles: kept writes the kept soundings' profiles along kept_sounding (CF
    gathering: the list holds their indices along sounding). Every value is the one the full
    layout holds for that sounding; the scalars of every sounding are the same; the kept
    soundings, the super-observations and the observation operator's values agree."""
    args = _month_inputs(tmp_path)
    qc = args[1]["qc"].to_numpy()
    export.write_month_soundings(*args, tmp_path / "kept.nc", block=5, profiles_of="kept")
    export.write_month_soundings(*args, tmp_path / "all.nc", block=5, profiles_of="all")
    kept_rows = np.flatnonzero(qc == 0)
    assert 0 < kept_rows.size < qc.size
    with xr.open_dataset(tmp_path / "kept.nc") as g, xr.open_dataset(tmp_path / "all.nc") as f:
        assert export.has_gathered_profiles(g) and not export.has_gathered_profiles(f)
        np.testing.assert_array_equal(g[export.KEPT_DIM], kept_rows)
        assert g[export.KEPT_DIM].attrs["compress"] == "sounding"
        n_gathered = 0
        for name, v in f.data_vars.items():
            if g[name].dims[:1] == (export.KEPT_DIM,):
                n_gathered += 1
                assert v.dims[0] == "sounding" and g[name].dims[1:] == v.dims[1:], name
                np.testing.assert_array_equal(g[name].values, v.values[kept_rows], err_msg=name)
            else:
                np.testing.assert_array_equal(g[name].values, v.values, err_msg=name)
        assert n_gathered == 10  # the level and kernel arrays; surface_pressure stays per sounding
        assert g["surface_pressure"].dims == ("sounding",)
        kg, kf = export.kept_soundings(g), export.kept_soundings(f)
        assert set(kg.variables) == set(kf.variables)
        for name in kf.variables:
            np.testing.assert_array_equal(kg[name].values, kf[name].values, err_msg=name)
        cfg = instrument_config(load_config())
        so_g = export.superobs_from_soundings(g.load(), args[4], cfg, 0.0, rows=kept_rows[::2])
        so_f = export.superobs_from_soundings(f.load(), args[4], cfg, 0.0, rows=kept_rows[::2])
        for key in ("xgas", "xgas_error", "n_soundings", "members"):
            np.testing.assert_array_equal(so_g[key], so_f[key], err_msg=key)
        # The observation operator sees the kept soundings of the gathered file.
        from satcol.osse import closed_loop

        h_g = obsop.model_xco(g, closed_loop.truth_model(obsop.with_kernels(g)))
        h_f = obsop.model_xco(f, closed_loop.truth_model(f))
        assert h_g.sizes["sounding"] == kept_rows.size
        np.testing.assert_array_equal(h_g.values, h_f.values[kept_rows])
        # A list that is not the kept soundings is not a file satcol wrote.
        bad = g.load().copy()
        bad["qc"].values[kept_rows[0]] = 1
        with pytest.raises(ValueError, match="not the kept soundings"):
            export.kept_soundings(bad)


def cf_errors(path, suite="cf:1.8"):
    """High-priority ('Errors') failures of the IOOS compliance checker."""
    exe = Path(sys.executable).with_name("compliance-checker")
    r = subprocess.run([str(exe), "--test", suite, "-f", "json", "-o", "-", str(path)], capture_output=True, text=True)
    report = json.loads(r.stdout)
    res = next(iter(report.values()))
    return [(c["name"], c["msgs"]) for c in res["high_priorities"] if c["value"][0] < c["value"][1]]


class _RecordingDataset:
    """An h5py dataset that records the row ranges read from it."""

    def __init__(self, dset):
        self.dset, self.shape, self.chunks, self.dtype, self.name = dset, dset.shape, dset.chunks, dset.dtype, dset.name
        self.reads = []

    def __getitem__(self, rows: slice):
        self.reads.append((rows.start, rows.stop))
        return self.dset[rows]


def test_read_rows_reads_only_the_chunks_that_hold_the_rows(tmp_path):
    """export.read_rows gives dset[rows] and reads no chunk that holds none of them, in one read
    per run of consecutive chunks; bad row lists are errors, not wrong rows."""
    import h5py

    data = np.arange(50 * 3, dtype=np.float32).reshape(50, 3)
    with h5py.File(tmp_path / "d.h5", "w") as f:
        f.create_dataset("chunked", data=data, chunks=(4, 3))
        f.create_dataset("contiguous", data=data)
        rows = np.array([1, 2, 5, 9, 30, 31, 49])  # chunks 0, 1, 2, 7, 12 -> runs 0-2, 7, 12
        rec = _RecordingDataset(f["chunked"])
        np.testing.assert_array_equal(export.read_rows(rec, rows), data[rows])
        assert rec.reads == [(1, 10), (30, 32), (49, 50)]
        wanted_chunks = set(rows // 4)
        assert all(set(range(lo // 4, (hi - 1) // 4 + 1)) <= wanted_chunks for lo, hi in rec.reads)
        rec = _RecordingDataset(f["contiguous"])
        np.testing.assert_array_equal(export.read_rows(rec, rows), data[rows])
        assert rec.reads == [(1, 50)]
        assert export.read_rows(f["chunked"], np.array([], dtype=np.int64)).shape == (0, 3)
        for bad in ([3, 2], [4, 4], [-1, 2], [10, 50]):
            with pytest.raises(ValueError, match="increasing and within 0-49"):
                export.read_rows(f["chunked"], np.array(bad))


def test_profiles_of_the_kept_soundings_only_must_be_theirs(tmp_path):
    """sounding_dataset with the kept soundings' profiles alone (what write_month_soundings reads)
    gives the dataset of the full profiles; a count that is not the kept soundings' is an error."""
    import h5py

    table, corrected, path, scale, models, prov, files, month = _month_inputs(tmp_path)
    kept = np.flatnonzero(corrected["qc"].to_numpy() == 0)
    with h5py.File(path, "r") as f:
        full = {k: f[k][()] for k in export.STORE_PROFILES}
    a = export.sounding_dataset(table, corrected, full, scale, models, prov, files, month)
    b = export.sounding_dataset(table, corrected, {k: v[kept] for k, v in full.items()}, scale, models, prov, files,
                                month, profiles_kept_only=True)
    for name in a.variables:
        np.testing.assert_array_equal(a[name].values, b[name].values, err_msg=name)
    with pytest.raises(RuntimeError, match=f"{kept.size - 1} profiles for {kept.size} kept soundings"):
        export.sounding_dataset(table, corrected, {k: v[kept[1:]] for k, v in full.items()}, scale, models, prov,
                                files, month, profiles_kept_only=True)
    with pytest.raises(ValueError, match="need profiles_of='kept'"):
        export.sounding_dataset(table, corrected, full, scale, models, prov, files, month, profiles_of="all",
                                profiles_kept_only=True)


def test_profile_arrays_blocked_equal_whole_array_float64():
    """The export's level arrays, computed in row blocks (issue #7), equal the whole-array float64
    definitions cast to float32, bit for bit: pressures and weights (H19 Eq. 4), log10 VMRs and
    the corrected profile = retrieved x xco / xco_original."""
    n = 2 * export.PROFILE_BLOCK_ROWS + 5
    rng = np.random.default_rng(3)
    psurf = rng.uniform(500.0, 1050.0, n)
    valid = levels.valid_levels(psurf)
    prior = np.where(valid, rng.uniform(40.0, 200.0, (n, 10)), np.nan).astype(np.float32)
    retrieved = np.where(valid, rng.uniform(30.0, 300.0, (n, 10)), np.nan).astype(np.float32)
    xco0 = rng.uniform(60.0, 120.0, n)
    xco = xco0 - rng.uniform(-5.0, 5.0, n)
    a = export._profile_arrays(psurf, prior, retrieved, export.profile_ratio(xco0, xco))
    p = levels.level_pressures(psurf)
    corrected = retrieved.astype(np.float64) * (xco / xco0)[:, None]
    expected = {"pressure": p, "pressure_weight": levels.pressure_weights(psurf, p),
                "prior": prior, "log10_prior": np.log10(prior.astype(np.float64)),
                "retrieved": retrieved, "log10_retrieved": np.log10(retrieved.astype(np.float64)),
                "retrieved_corrected": corrected, "log10_retrieved_corrected": np.log10(corrected)}
    assert set(a) == set(expected)
    for k, v in expected.items():
        np.testing.assert_array_equal(a[k], v.astype(np.float32), err_msg=k)
    same = export._profile_arrays(psurf, prior, retrieved)
    np.testing.assert_array_equal(same["retrieved_corrected"], retrieved)


def test_closed_loop_rows_at_the_injected_scale():
    """recovery_rows: with the global scale recovered 3.4 % off, the plain mean differences carry
    that error and the rows at the injected scale leave only what was added to the export (0 ppb
    over land, +0.1 ppb over water), overall and per surface. The overall row at the injected
    scale is the scored one (the scale's own error is scored by the global_scale rows); without
    an injected scale the plain row is scored and there is no row at the injected scale. An
    export error of 0.3 ppb fails the scored row whatever the scale's error."""
    from satcol.osse import closed_loop

    injected, recovered = 1.064, 1.1
    h = {"land": np.array([100.0, 90.0, 95.0]), "water": np.array([80.0, 85.0])}
    offset = {"land": 0.0, "water": 0.1}
    y = {s: (h[s] + offset[s]) * injected / recovered for s in h}  # exported xco = original / recovered scale
    sums = {s: {"n": h[s].size, "sum_diff": float(np.sum(y[s] - h[s])), "sum_sq_diff": 0.0, "sum_z2": float(h[s].size),
                "sum_xco": float(y[s].sum())} for s in h}
    sums["all"] = {k: sums["land"][k] + sums["water"][k] for k in sums["land"]}
    partial = {"soundings": sums, "global_scale_factor": recovered,
               "superobs_subsets": {"n": 0, "sum_z2": 0.0, "sum_z2_independent": 0.0, "sum_n_soundings": 0,
                                    "sum_error_ratio": 0.0}}
    rows = {r["quantity"]: r for r in closed_loop.recovery_rows([partial], injected)}
    for surf, name in (("all", "closed_loop_mean_difference"), ("land", "closed_loop_mean_difference_land"),
                       ("water", "closed_loop_mean_difference_water")):
        hh = np.concatenate([h["land"], h["water"]]) if surf == "all" else h[surf]
        yy = np.concatenate([y["land"], y["water"]]) if surf == "all" else y[surf]
        assert rows[f"{name}_ppb"]["recovered"] == pytest.approx(np.mean(yy - hh), abs=1e-12)
        assert rows[f"{name}_ppb"]["recovered"] < -2.0  # the scale's error, 3.4 % of ~90 ppb
        at = rows[f"{name}_at_injected_scale_ppb"]
        assert at["scored"] == (surf == "all") and not rows[f"{name}_ppb"]["scored"]
        expected = 0.1 * 2 / 5 if surf == "all" else offset[surf]
        assert at["recovered"] == pytest.approx(expected, abs=1e-9)
    assert rows["closed_loop_mean_difference_at_injected_scale_ppb"]["ok"]
    without = {r["quantity"]: r for r in closed_loop.recovery_rows([partial], None)}
    assert not any(q.endswith("at_injected_scale_ppb") for q in without)
    assert without["closed_loop_mean_difference_ppb"]["scored"] and not without["closed_loop_mean_difference_ppb"]["ok"]
    # An export 0.3 ppb off everywhere fails the scored row at the injected scale.
    off = {s: {**sums[s], "sum_diff": sums[s]["sum_diff"] + 0.3 * injected / recovered * sums[s]["n"],
               "sum_xco": sums[s]["sum_xco"] + 0.3 * injected / recovered * sums[s]["n"]} for s in sums}
    bad = {r["quantity"]: r for r in closed_loop.recovery_rows([{**partial, "soundings": off}], injected)}
    assert bad["closed_loop_mean_difference_at_injected_scale_ppb"]["recovered"] == pytest.approx(0.3 + 0.04, abs=1e-9)
    assert not bad["closed_loop_mean_difference_at_injected_scale_ppb"]["ok"]
