"""GOSAT super-observations (issue 21 item 9; satcol.export.gosat.superobs) on a tiny frame built
here: the averages against a direct computation, the error against its double sum, the
observation operator on a synthetic linear case, and the CF-1.8 file through compliance-checker.

Checked to fail (each mutation of satcol.export.gosat run once, then reverted): unweighted means
(equal weights instead of 1/s^2); the flagged sounding taken in; latitudes rounded before the
binning (mis-binned boxes); the kernel and prior averaged separately with w alone (the operator
test); the correlated share dropped (the error is then the SEM, 0.39 instead of 0.51 ppm).
"""

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from satcol.core.provenance import provenance
from satcol.export import gosat as gx

L = 15
CFG = {"lat_size_deg": 2.0, "lon_size_deg": 2.5, "time_step_hours": 24, "min_soundings": 1,
       "overpass_gap_minutes": 10.0, "representation_error": {"xco2_ppm": 0.3, "xch4_ppb": 0.0}}
T0 = 1.4e9 - (1.4e9 % 86400)  # a day start (UTC)


def tiny():
    """Rows 0-2: land, box (lat 0-2, lon 0-2.5), one overpass; row 3: the same box over water;
    row 4: land at lat 2.1 (the next box north); row 5: land in box 0-2 but flagged, 2 ppm off;
    row 6: land, the first box, the next day (another time step); row 7: land, first box, the same
    day 3 h later (a second overpass within the step)."""
    rng = np.random.default_rng(1)
    n = 8
    lat = np.array([0.5, 1.0, 1.9, 1.5, 2.1, 1.2, 0.7, 1.1])
    lon = np.array([0.3, 1.0, 2.4, 1.0, 1.0, 1.1, 0.5, 2.0])
    t = T0 + 4 * 3600 + np.array([0, 4, 8, 20, 30, 12, 86400 + 60, 3 * 3600])
    surface = np.array([1, 1, 1, 0, 1, 1, 1, 1])
    err = np.array([0.5, 1.0, 2.0, 0.7, 0.6, 0.5, 0.8, 0.9])
    noise = np.array([0.3, 0.6, 1.0, 0.4, 0.3, 0.3, 0.5, 0.5])
    x = 400.0 + np.array([0.0, 1.0, 3.0, -1.0, 0.5, 2.0, 0.2, 1.5])
    xa = 399.0 + rng.normal(0.0, 0.5, n)
    table = pd.DataFrame({"sounding_id": np.arange(n, dtype=np.int64), "time": t, "lat": lat, "lon": lon,
                          "surface": surface.astype(np.int8), "psurf_hpa": 1000.0 - 10 * np.arange(n),
                          "xco2": x + 0.4, "xco2_error": err, "xco2_retrieval_noise": noise, "xco2_apriori": xa})
    qc = np.zeros(n, np.uint32)
    qc[5] = 4
    corrected = pd.DataFrame({"sounding_id": table["sounding_id"], "qc": qc, "xco2_corrected": x})
    h = rng.uniform(0.5, 1.5, (n, L))
    h /= h.sum(1, keepdims=True)
    profiles = {"pressure_weight": h, "column_ak": rng.uniform(0.4, 1.3, (n, L)),
                "xco2_apriori_profile": xa[:, None] + rng.normal(0.0, 2.0, (n, L)),
                "layer_pressure_hpa": np.linspace(950, 50, L)[None, :] + rng.normal(0, 5, (n, L))}
    return table, corrected, profiles


def test_averages_bins_and_error_against_a_direct_computation():
    table, corr, prof = tiny()
    so = gx.superobs(table, corr, prof, "xco2", CFG, T0)
    # groups: {0,1,2,7} land first box day 1 (7 a second overpass), {3} water, {4} next box north, {6} next day
    key = pd.DataFrame({"lat": so["lat_center"], "surf": so["surface"], "n": so["n_soundings"],
                        "step": np.round((so["time_start_s"] - T0) / 86400).astype(int)})
    assert sorted(map(tuple, key.to_numpy().tolist())) == [(1.0, 0, 1, 0), (1.0, 1, 1, 1), (1.0, 1, 4, 0),
                                                           (3.0, 1, 1, 0)]
    g = int(np.flatnonzero(so["n_soundings"] == 4)[0])
    m = np.array([0, 1, 2, 7])
    s = table["xco2_error"].to_numpy()[m]
    w = s ** -2 / np.sum(s ** -2)
    x = corr["xco2_corrected"].to_numpy()[m]
    assert so["xco2"][g] == pytest.approx(np.sum(w * x), abs=1e-12)
    assert abs(np.mean(x) - np.sum(w * x)) > 0.3  # an unweighted mean would fail the line above
    assert so["xco2_original"][g] == pytest.approx(np.sum(w * (x + 0.4)), abs=1e-12)
    h, a, xa = prof["pressure_weight"][m], prof["column_ak"][m], prof["xco2_apriori_profile"][m]
    np.testing.assert_allclose(so["pressure_weight"][g], w @ h, rtol=1e-12)
    np.testing.assert_allclose(so["column_averaging_kernel"][g], (w @ (h * a)) / (w @ h), rtol=1e-12)
    np.testing.assert_allclose(so["prior_profile"][g], (w @ (h * a * xa)) / (w @ (h * a)), rtol=1e-12)
    np.testing.assert_allclose(so["layer_pressure"][g], w @ prof["layer_pressure_hpa"][m], rtol=1e-12)
    # error: R_ij = c_i c_j / (s_i s_j) within an overpass (rows 0-2), 0 with row 7 (3 h later)
    c = np.sqrt(s ** 2 - table["xco2_retrieval_noise"].to_numpy()[m] ** 2)
    cov = np.diag(s ** 2)
    for i in range(3):
        for j in range(3):
            if i != j:
                cov[i, j] = c[i] * c[j]
    var = w @ cov @ w
    assert so["xco2_error_retrieval"][g] == pytest.approx(np.sqrt(var), rel=1e-12)
    assert so["xco2_error"][g] == pytest.approx(np.sqrt(var + 0.3 ** 2), rel=1e-12)
    assert so["xco2_error_if_independent"][g] == pytest.approx(np.sqrt(np.sum(w ** 2 * s ** 2)), rel=1e-12)
    assert so["n_overpasses"][g] == 2 and so["n_effective"][g] == pytest.approx(4 * np.sum(w ** 2 * s ** 2) / var)
    assert np.sqrt(var) > 1.2 * so["xco2_error_if_independent"][g]  # the SEM would fail the line above
    # min_soundings drops the single-member boxes
    so2 = gx.superobs(table, corr, prof, "xco2", {**CFG, "min_soundings": 2}, T0)
    assert so2["n_soundings"].tolist() == [4]


def test_a_month_without_super_observations_gives_empty_arrays():
    """No box reaches ``min_soundings`` (a sparse month of a short record): empty arrays of every
    variable. Failed before the fix with numpy's "weights and list don't have the same length"
    (the overpass numbering gave one overpass for no rows)."""
    table, corr, prof = tiny()
    so = gx.superobs(table, corr, prof, "xco2", {**CFG, "min_soundings": 5}, T0)
    assert so["n_soundings"].size == 0 and so["xco2"].size == 0 and so["xco2_error"].size == 0
    assert so["members"].size == 0


def test_observation_operator_of_a_superobs_is_the_members_mean_on_a_linear_case():
    """Members retrieved exactly linearly from one true profile x_t of the box:
    X_i = X_a,i + sum_j h_ij a_ij (x_t,j - x_a,ij). The super-observation's operator applied to
    x_t returns the super-observation's column (to rounding); averaging h, a and x_a each with
    w alone would be off by 0.04 ppm here (asserted > 0.02)."""
    table, corr, prof = tiny()
    xt = 405.0 + np.linspace(0.0, -8.0, L)
    h, a, xa = prof["pressure_weight"], prof["column_ak"], prof["xco2_apriori_profile"]
    x_lin = table["xco2_apriori"].to_numpy() + np.sum(h * a * (xt - xa), axis=1)
    corr["xco2_corrected"] = x_lin
    so = gx.superobs(table, corr, prof, "xco2", CFG, T0)
    prov = provenance({"superobs": CFG})
    ds = gx.superobs_dataset(so, "xco2", CFG, prov, "2014-05", 7)
    model = np.broadcast_to(xt, (ds.sizes["superobs"], L))
    np.testing.assert_allclose(gx.observation_operator(ds, "xco2", model), ds["xco2"].to_numpy(), atol=2e-4)
    g = int(np.flatnonzero(so["n_soundings"] == 4)[0])
    m = np.array([0, 1, 2, 7])
    s = table["xco2_error"].to_numpy()[m]
    w = s ** -2 / np.sum(s ** -2)
    naive = w @ table["xco2_apriori"].to_numpy()[m] + np.sum((w @ h[m]) * (w @ a[m]) * (xt - w @ xa[m]))
    assert abs(naive - so["xco2"][g]) > 0.02


def test_superobs_file_passes_the_cf_checker(tmp_path):
    table, corr, prof = tiny()
    so = gx.superobs(table, corr, prof, "xco2", CFG, T0)
    ds = gx.superobs_dataset(so, "xco2", CFG, provenance({"superobs": CFG}), "2014-05", 7)
    path = tmp_path / gx.superobs_file_name("xco2", "2014-05")
    gx.write(ds, path)
    venv = Path(sys.executable).parent / "compliance-checker"
    checker = str(venv) if venv.exists() else shutil.which("compliance-checker")
    if checker is None:
        pytest.skip("compliance-checker not installed")
    r = subprocess.run([checker, "--test", "cf:1.8", "--criteria", "strict", str(path)], capture_output=True, text=True)
    assert r.returncode == 0 and "All tests passed!" in r.stdout, r.stdout[-3000:]
