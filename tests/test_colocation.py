"""Colocation: the grid index equals a brute-force box test; window averages equal a direct
computation; a site with a known MOPITT/TCCON ratio gives that ratio back."""

import numpy as np
import pandas as pd
import pytest

from satcol import colocation, comparison, levels, stats


def test_grid_index_query_equals_brute_force():
    rng = np.random.default_rng(0)
    lat, lon = rng.uniform(-90, 90, 50_000), rng.uniform(-180, 180, 50_000)
    index = colocation.GridIndex(lat, lon)
    for box in [(33.4, 34.3, -118.8, -116.7), (-1.0, 1.0, -2.0, 2.0), (76.0, 80.0, -90.0, -82.0),
                (-90.0, -85.0, 170.0, 180.0), (10.2, 10.3, 5.5, 5.6)]:
        brute = np.flatnonzero((lat >= box[0]) & (lat <= box[1]) & (lon >= box[2]) & (lon <= box[3]))
        np.testing.assert_array_equal(index.query(*box), brute)


def test_candidates_only_kept_soundings_in_each_box():
    lat = np.array([34.0, 34.0, 40.0, 34.9])
    lon = np.array([-118.0, -118.0, -118.0, -117.9])
    kept = np.array([True, False, True, True])
    sites = pd.DataFrame({"id": ["ci", "df"], "box_lat_min": [33.4, 34.5], "box_lat_max": [34.3, 35.958],
                          "box_lon_min": [-118.8, -119.882], "box_lon_max": [-116.7, -115.882]})
    c = colocation.candidates(lat, lon, kept, sites)
    assert c.groupby("site")["row"].apply(list).to_dict() == {"ci": [0], "df": [3]}


def test_window_means_equal_direct_computation():
    rng = np.random.default_rng(1)
    n = 300
    t = np.sort(rng.uniform(0, 86400 * 5, n))
    tc = {"time_s": t, "xco": rng.normal(90, 5, n), "xco_error": rng.uniform(1, 3, n),
          "xco_unscaled": rng.normal(96, 5, n), "pout": rng.normal(980, 3, n),
          "prior_co": rng.normal(80, 2, (n, 5)), "prior_pressure": rng.normal(500, 1, (n, 5)), "ak": rng.normal(1, .1, (n, 4))}
    centres = np.array([3600.0 * 10, 86400 + 3600 * 11, 86400 * 4.5])
    start, stop = colocation.window_ranges(t, centres, 1800.0)
    got = colocation.tccon_window_means(tc, start, stop)
    for i, c in enumerate(centres):
        m = np.abs(t - c) <= 1800.0
        assert got["n_tccon"][i] == m.sum()
        if m.sum() == 0:
            continue
        assert got["xco"][i] == pytest.approx(stats.weighted_mean(tc["xco"][m], tc["xco_error"][m]))
        if m.sum() > 1:
            assert got["xco_sem"][i] == pytest.approx(stats.gatz_smith_sem(tc["xco"][m], tc["xco_error"][m]), rel=1e-7)
        np.testing.assert_allclose(got["prior_co"][i], tc["prior_co"][m].mean(axis=0))


def test_colocated_days_recover_a_known_scale():
    """MOPITT = g x (its retrieval of a truth that is a scaled TCCON prior); TCCON reports the
    scaled prior column. Method II per day gives g; the ids trace back."""
    g, gamma = 1.05, 1.1
    rng = np.random.default_rng(2)
    n_days, per_day = 4, 25
    t_day = (np.arange(n_days) * 86400 + 10.5 * 3600)[:, None] + rng.uniform(-60, 60, (n_days, per_day))
    t = t_day.ravel()
    n = t.size
    psurf = rng.uniform(960, 1010, n)
    z = np.arange(0, 71.0)
    p_prior = 1013.25 * np.exp(-z / 7.6)
    x_prior = 60 + 50 * np.exp(-(1013 - p_prior) / 200)
    tt = np.sort(np.concatenate([d * 86400 + 10.5 * 3600 + np.arange(-3000, 3001, 240.0) for d in range(n_days - 1)]))
    nt = tt.size
    p_t = 990.0
    p_lev, x_lev = comparison.tccon_levels(np.array([p_t]), p_prior[None], x_prior[None])
    c_at = comparison.tccon_prior_column(p_lev, x_lev)[0]
    tccon = {"time_s": tt, "xco": np.full(nt, gamma * c_at), "xco_error": np.full(nt, 1.0),
             "xco_unscaled": np.full(nt, gamma * c_at / 0.937), "pout": np.full(nt, p_t),
             "prior_co": np.tile(x_prior, (nt, 1)), "prior_pressure": np.tile(p_prior, (nt, 1)),
             "ak": np.ones((nt, 71)), "ak_pressure": p_prior}
    valid = levels.valid_levels(psurf)
    i, j = np.indices((10, 10))
    A = np.where(valid[:, :, None] & valid[:, None, :], (0.1 * np.eye(10) + 0.05 * np.exp(-np.abs(i - j) / 2))[None], 0)
    x_at = comparison.tccon_prior_on_mopitt_layers(psurf, np.full(n, p_t), np.tile(p_lev, (n, 1)), np.tile(x_lev, (n, 1)))
    x_a = np.where(valid, 0.9 * x_at + 8, np.nan)
    x_hat = g * 10 ** (np.log10(x_a) + np.einsum("nij,nj->ni", A, np.nan_to_num(np.log10(gamma * x_at) - np.log10(x_a))))
    xco = levels.column_average(x_hat, psurf)
    cand = {"sounding_id": np.arange(n), "time_s": t, "surface": np.where(np.arange(n) % 2, 1, 0), "xco": xco,
            "xco_corrected": xco, "xco_err": rng.uniform(2, 4, n), "psurf": psurf, "retrieved_vmr": x_hat,
            "prior_vmr": x_a, "averaging_kernel": A}
    snd, days, counts = colocation.colocate_site(cand, tccon)
    assert counts["days_without_tccon_in_window"] == 1 and counts["soundings_without_tccon"] == per_day
    assert counts["soundings_compared"] + counts["soundings_without_tccon"] == counts["candidates"] == n
    assert len(days) == 2 * (n_days - 1)
    np.testing.assert_allclose(days["method_II_standard_y"] / days["method_II_standard_x"], g, rtol=1e-9)
    # Against the unscaled column the MOPITT AK sees only part of the larger TCCON scaling:
    # x = sum h x_aT gamma_u^(sum_k A_jk) (exact method II), y unchanged.
    from satcol import columns

    h = columns.surface_adjusted_weights(psurf, np.full(n, p_t))
    sens = A.sum(axis=-1)
    y_exp = columns.column(h, g * x_at * gamma ** sens)
    x_exp = columns.column(h, x_at * (gamma / 0.937) ** sens)
    first_day = snd["day"] == snd["day"].min()
    ratio = (y_exp / x_exp)[: first_day.sum()]
    np.testing.assert_allclose(snd.loc[first_day, "method_II_unscaled_y"] / snd.loc[first_day, "method_II_unscaled_x"],
                               ratio, rtol=1e-9)
    assert g * 0.937 < ratio.min() and ratio.max() < g
    assert (days["tccon_record_count"] == 15).all()  # records every 240 s within +-30 min
    assert set(snd["sounding_id"]) == set(range((n_days - 1) * per_day))
