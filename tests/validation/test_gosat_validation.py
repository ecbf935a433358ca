"""GOSAT-TCCON match-ups and the S23 statistics: known-answer cases built by hand.

Each test names the plausible wrong implementation it was checked to fail on (the mutation was
applied to src/satcol/validation/gosat.py and the test seen to fail).
"""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from satcol.core.config import load_config
from satcol.core.errors import BadInputError
from satcol.synthetic import gosat as sg
from satcol.synthetic import tccon as syn_tccon
from satcol.validation import gosat as gv

DECADE = 3652.5 * 86400.0  # a decade in seconds, independent of the module
T0 = 1.4e9  # 2014-05-13


def test_decadal_trend_hand_computed():
    """t = 0, 1, 2, 3 decades, y = 1, 3, 2, 5: slope = 5.5 / 5 = 1.1 per decade; residuals
    -0.1, 0.8, -1.3, 0.6, RSS = 2.7, s^2 = 2.7 / (4 - 2), SE = sqrt(1.35 / 5) = 0.5196.
    (Fails with the slope per year, or s^2 = RSS / n.)"""
    tr = gv.decadal_trend(T0 + DECADE * np.arange(4.0), [1.0, 3.0, 2.0, 5.0])
    assert tr["slope"] == pytest.approx(1.1, rel=1e-12)
    assert tr["se"] == pytest.approx(np.sqrt(0.27), rel=1e-12)
    assert tr["n"] == 4


def _mtable(sites_n, biases, years=None):
    """A match-up table: site k has sites_n[k] rows of ΔX = biases[k] ± 1 alternating (an even
    count has mean biases[k] exactly)."""
    rows = []
    for k, (n, b) in enumerate(zip(sites_n, biases, strict=True)):
        d = b + np.where(np.arange(n) % 2 == 0, 1.0, -1.0)
        if n % 2:
            d[-1] = b
        yrs = years[k] if years is not None else np.full(n, 2015)
        t = np.array([dt.datetime(int(y), 6, 1, tzinfo=dt.timezone.utc).timestamp() for y in yrs])
        rows.append(pd.DataFrame({"site": f"s{k}", "delta": d, "time": t, "surface_name": "land", "gain": "H",
                                  "species": "xco2"}))
    return pd.concat(rows, ignore_index=True)


def test_site_statistics_use_sites_with_more_than_ten_matchups():
    """Sites with 12, 11 and 10 match-ups and biases 0.5, -1.5, 9: only the first two count
    (S23: more than 10): average site bias -0.5, site-to-site SD |0.5 + 1.5| / sqrt(2).
    (Fails with >= 10, with ddof = 0, or with a match-up-weighted mean.)"""
    m = _mtable([12, 11, 10], [0.5, -1.5, 9.0])
    sb = gv.site_biases(m)
    assert list(sb["used"]) == [True, True, False]
    np.testing.assert_allclose(sb["bias"], [0.5, -1.5, 9.0], atol=1e-12)
    s = gv.summary_stats(m)
    assert s["n_sites"] == 2
    assert s["average_site_bias"] == pytest.approx(-0.5, abs=1e-12)
    assert s["site_to_site_sd"] == pytest.approx(2.0 / np.sqrt(2.0), rel=1e-12)


def test_annual_mean_sd_and_category_stats():
    """Annual means 1, 2, 4 (years 2012-2014): SD = sqrt(((1-7/3)^2 + (2-7/3)^2 + (4-7/3)^2) / 2)
    = 1.5275; Table 6 categories: a land-M and an ocean-H row land in their own cells and an
    empty category gives N = 0. (Fails with ddof = 0 or with gain ignored.)"""
    years = [np.repeat([2012, 2013, 2014], 4)]
    m = _mtable([12], [0.0], years)
    m["delta"] = np.repeat([1.0, 2.0, 4.0], 4) + np.tile([0.5, -0.5, 0.25, -0.25], 3)
    s = gv.summary_stats(m)
    assert s["n_years"] == 3
    assert s["annual_mean_sd"] == pytest.approx(np.std([1.0, 2.0, 4.0], ddof=1), rel=1e-12)
    m.loc[0, "gain"] = "M"
    m.loc[1, ["surface_name", "gain"]] = ["ocean", "H"]
    c = gv.category_stats(m)
    assert list(zip(c["surface"], c["gain"], c["n"], strict=True)) == [("land", "H", 10), ("land", "M", 1),
                                                                       ("ocean", "H", 1)]
    assert c.loc[1, "bias"] == pytest.approx(1.5) and c.loc[2, "bias"] == pytest.approx(0.5)
    assert c.loc[0, "sd"] == pytest.approx(np.std(m["delta"][2:], ddof=1), rel=1e-12)
    empty = gv.category_stats(m.iloc[:0])
    assert list(empty["n"]) == [0, 0, 0] and empty["bias"].isna().all()


def _sites():
    return pd.DataFrame({"id": ["aa", "dl"], "lat": [40.0, -10.0], "lon": [10.0, 179.5]})


def _gosat(lat, lon, t, x, surface, gain=None):
    n = len(lat)
    return {"lat": np.array(lat, float), "lon": np.array(lon, float), "time": np.array(t, float),
            "xco2": np.array(x, float), "surface": np.array(surface, np.int8),
            "gain": np.array(gain or ["H"] * n), "scan_id": np.array([f"{i:019d}" for i in range(n)]).astype("S19"),
            "aot_1p6": np.zeros(n), "dps_hpa": np.zeros(n), "albedo_o2a": np.zeros(n)}


def test_matchups_box_window_and_mixed_scenes():
    """Hand-placed soundings: inside the ±2° box (1.9° off), outside (2.1° off), across the
    date line (179.5 E vs 179.0 W: 1.5° apart), a mixed scene and one without TCCON within
    ±30 min. TCCON records at -31, -29, 0, +29.9, +31 min: the mean is of the three inside
    (400, 402, 404 -> 402). (Fails with the window ±60 min, without the longitude wrap, with
    mixed scenes kept, or with ΔX = TCCON - GOSAT.)"""
    tc_t = T0 + 60.0 * np.array([-31.0, -29.0, 0.0, 29.9, 31.0])
    tccon = {"aa": {"time": tc_t, "xco2": np.array([390.0, 400.0, 402.0, 404.0, 500.0])},
             "dl": {"time": tc_t, "xco2": np.array([390.0, 400.0, 402.0, 404.0, 500.0])}}
    g = _gosat(lat=[41.9, 42.1, -10.5, 40.0, 40.0], lon=[10.0, 10.0, -179.0, 10.5, 10.0],
               t=[T0, T0, T0, T0, T0 + 3 * 3600.0], x=[401.0, 401.0, 405.0, 401.0, 401.0], surface=[1, 1, 0, 2, 1])
    m = gv.matchups(g, "xco2", tccon, _sites())
    assert list(zip(m["site"], m["row"], strict=True)) == [("aa", 0), ("dl", 2)]
    np.testing.assert_allclose(m["x_tccon"], [402.0, 402.0])
    np.testing.assert_array_equal(m["n_tccon"], [3, 3])
    np.testing.assert_allclose(m["delta"], [-1.0, 3.0])
    assert list(m["surface_name"]) == ["land", "ocean"]
    assert (m["tccon_variant"] == "GGG2020").all() and (m["box_deg"] == 2.0).all()
    strict = gv.matchups(g, "xco2", tccon, _sites(), box_deg=0.1)
    assert list(strict["row"]) == []
    # rows: a screened-out sounding is not matched
    m2 = gv.matchups(g, "xco2", tccon, _sites(), rows=np.array([False, True, True, True, True]))
    assert list(m2["row"]) == [2]


def test_a_sounding_near_two_sites_counts_once_in_the_surface_statistics():
    """Sites aa (40 N, 10 E) and bb (41 N, 10 E), 1° apart; sounding 0 at 40.2 N lies within ±2°
    of both (0.2° from aa, 0.8° from bb), sounding 1 at 42.5 N near bb only. Match-ups: three
    rows, sounding 0 at both sites, ``primary`` on its nearer site aa. Table 6 land H counts
    two soundings with bias mean(-1, +3) = 1 (not three rows: 5/3), the site table lists
    sounding 0 at both sites, and the regression is fitted on the two soundings. (Fails with
    every row counted, or with the farther site kept.)"""
    sites = pd.DataFrame({"id": ["aa", "bb"], "lat": [40.0, 41.0], "lon": [10.0, 10.0]})
    tc_t = T0 + 60.0 * np.array([-1.0, 0.0, 1.0])
    tccon = {"aa": {"time": tc_t, "xco2": np.full(3, 402.0)}, "bb": {"time": tc_t, "xco2": np.full(3, 402.0)}}
    g = _gosat(lat=[40.2, 42.5], lon=[10.0, 10.0], t=[T0, T0], x=[401.0, 405.0], surface=[1, 1])
    m = gv.matchups(g, "xco2", tccon, sites)
    assert sorted(zip(m["site"], m["row"], m["primary"], strict=True)) == [("aa", 0, True), ("bb", 0, False),
                                                                           ("bb", 1, True)]
    d = m.set_index(["site", "row"])["site_distance_deg"]
    assert d[("aa", 0)] == pytest.approx(0.2, abs=1e-9) and d[("bb", 0)] == pytest.approx(0.8, abs=1e-9)
    c = gv.category_stats(m).set_index(["surface", "gain"]).loc[("land", "H")]
    assert c["n"] == 2 and c["bias"] == pytest.approx(1.0, abs=1e-12)
    sb = gv.site_biases(m, min_matchups=0).set_index("site")
    assert sb.loc["aa", "n"] == 1 and sb.loc["bb", "n"] == 2
    assert gv.summary_stats(m, min_matchups=0)["n"] == 2
    assert gv.loso_summary(m.assign(delta_corr=m["delta"], delta_loso=m["delta"])).set_index("surface").loc[
        "land", "n_in_sample"] == 2


def test_matchups_overpass_centre():
    """centre='overpass': two soundings 20 min apart form one overpass and share the window
    around their median time (the earlier, lower median), so both see the same TCCON mean."""
    tc_t = T0 + 60.0 * np.arange(-60.0, 61.0, 1.0)
    tccon = {"aa": {"time": tc_t, "xco2": 400.0 + (tc_t - T0) / 60.0}}
    g = _gosat(lat=[40.0, 40.1], lon=[10.0, 10.1], t=[T0, T0 + 1200.0], x=[401.0, 401.0], surface=[1, 1])
    per_sounding = gv.matchups(g, "xco2", tccon, _sites())
    np.testing.assert_allclose(per_sounding["x_tccon"], [400.0, 420.0])
    per_overpass = gv.matchups(g, "xco2", tccon, _sites(), centre="overpass")
    np.testing.assert_allclose(per_overpass["x_tccon"], [400.0, 400.0])


def test_load_tccon_refuses_the_other_ggg_version(tmp_path):
    """The purpose's TCCON version is enforced: GGG2020 files asked for as GGG2014 (training)
    are a BadInputError naming the file."""
    sites = syn_tccon.read_site_table(load_config()["tccon_sites"])
    paths = sg.write_tccon(tmp_path, sites[sites["id"] == "oc"], [dt.date(2016, 6, 1), dt.date(2016, 6, 2)],
                           {"target_sites": ["oc"]})
    assert paths
    rec = gv.load_tccon(paths, "GGG2020")
    assert set(rec) == {"oc"} and np.all(np.diff(rec["oc"]["time"]) >= 0)
    assert 380 < np.nanmean(rec["oc"]["xco2"]) < 420 and 1800 < np.nanmean(rec["oc"]["xch4"]) < 1900
    with pytest.raises(BadInputError, match=paths[0].name):
        gv.load_tccon(paths, "GGG2014")
    with pytest.raises(ValueError, match="GGG2019"):
        gv.load_tccon(paths, "GGG2019")


def test_recovery_row_is_scored_only_when_its_tolerance_is_smaller_than_the_effect():
    """A coefficient of 0.1 with tolerance 0.6 is reported unscored (ok stays True, said in the
    note); with tolerance 0.05 it is scored and a recovered 0.2 fails."""
    loose = gv._row("q", 0.1, 0.2, 0.6, 0.1)
    assert not loose["scored"] and loose["ok"] and "not scored" in loose["note"]
    tight = gv._row("q", 0.1, 0.2, 0.05, 0.1)
    assert tight["scored"] and not tight["ok"]
    assert gv._row("q", 0.1, 0.12, 0.05, 0.1)["ok"]


def test_term_injected_as_zero_is_scored_as_a_null_test():
    """A term the truth injects as 0 (here the ocean AOT slope) is scored as a null test,
    |recovered| ≤ k_se · SE: 0.05 ± 0.01 fails at 4 SE (0.04), 0.03 ± 0.01 holds; the non-zero
    intercept (−6.5, recovered −6.45 ± 0.05) keeps the effect rule. Fails if zero-injected rows
    stay unscored (the old rule: tolerance not smaller than an effect of 0)."""
    from satcol.instruments.gosat.mlr import MLRFit

    truth = {"xco2_bias_ppm": {"ocean": {"intercept": -6.5, "aot": 0.0, "dps_hpa": 0.1}}}

    def rows(aot):
        f = MLRFit("xco2", "ocean", ("aot_1p6",), np.array([-6.45, aot]), np.array([0.05, 0.01]), 60, 0.5, 0.3, 5.0, 1.0)
        return {r["quantity"]: r for r in gv.recovery_rows({"ocean": f}, truth, "xco2", k_se=4.0)}

    bad = rows(0.05)["gosat_xco2_mlr_ocean_aot"]
    assert bad["scored"] and not bad["ok"] and bad["tolerance"] == pytest.approx(0.04) and "null test" in bad["note"]
    good = rows(0.03)["gosat_xco2_mlr_ocean_aot"]
    assert good["scored"] and good["ok"]
    icpt = rows(0.03)["gosat_xco2_mlr_ocean_intercept"]
    assert icpt["scored"] and icpt["ok"] and "null test" not in icpt["note"]


def test_surface_without_enough_matchups_is_reported_unscored():
    """The truth model of a surface with no more match-ups than coefficients (the default
    record's ocean) is not fitted: its injected coefficients appear as rows with recovered NaN,
    scored false and the reason in the note, and the land rows are unaffected (fails if the
    fit raises or the ocean rows are silently missing)."""
    rng = np.random.default_rng(5)
    n = 60
    m = pd.DataFrame({"surface": np.r_[np.ones(n - 2, np.int8), np.zeros(2, np.int8)],
                      "aot_1p6": rng.uniform(0, 0.1, n), "dps_hpa": rng.normal(0, 5, n),
                      "albedo_o2a": rng.uniform(0.1, 0.4, n), "gain": "H",
                      "time": T0 + rng.uniform(0, 2 * DECADE, n)})
    m["delta"] = -0.4 + 5 * m["aot_1p6"] + rng.normal(0, 0.01, n)
    terms = {"land": ("aot_1p6",), "ocean": ("aot_1p6", "dps_hpa")}
    fits = gv.truth_model_fits(m, terms, "xco2", "2014-01-01")
    assert set(fits) == {"land"}
    truth = {"xco2_bias_ppm": {"land": {"intercept": -0.4, "aot": 5.0}, "ocean": {"intercept": -6.5, "aot": 4.0}}}
    rows = {r["quantity"]: r for r in gv.recovery_rows(fits, truth, "xco2")}
    oc = rows["gosat_xco2_mlr_ocean_intercept"]
    assert np.isnan(oc["recovered"]) and not oc["scored"] and "not fitted" in oc["note"]
    assert "gosat_xco2_mlr_ocean_aot" in rows and rows["gosat_xco2_mlr_land_aot"]["scored"]


def test_ggg2014_file_gives_xco2_ppm_and_xch4_ppb_for_training(tmp_path):
    """A GGG2014 public file built independently (tests/instruments/mopitt/test_readers.py) with ``xco2_ppm`` and
    ``xch4_ppm`` (both ppm, as the public files hold them): the reader returns XCO2 in ppm and
    XCH4 in ppb (x 1000), and load_tccon(variant='GGG2014') gives both for the match-ups; the
    GGG2020 variant refuses the file. A value without its error variable, and a GGG2014 file
    without XCO2, are clear errors naming the variable. (Fails with XCH4 left in ppm.)"""
    import netCDF4
    from test_readers import write_independent_ggg2014

    from satcol.validation import tccon as tio

    path = tmp_path / "pa20100601_20100601.public.nc"
    write_independent_ggg2014(path)
    with netCDF4.Dataset(path, "a") as nc:
        n = nc.dimensions["time"].size
        for name, val, units in (("xco2_ppm", 389.5, "ppm"), ("xco2_ppm_error", 0.4, "ppm"),
                                 ("xch4_ppm", 1.805, "ppm"), ("xch4_ppm_error", 0.003, "ppm")):
            v = nc.createVariable(name, "f8", ("time",))
            v[:] = np.full(n, val)
            v.units = units
    rec = tio.read(path)
    np.testing.assert_allclose(rec["xco2"], 389.5)
    np.testing.assert_allclose(rec["xch4"], 1805.0)
    np.testing.assert_allclose(rec["xch4_error"], 3.0)
    tc = gv.load_tccon([path], "GGG2014")
    assert tc["pa"]["xch4"].size == n and np.allclose(tc["pa"]["xco2"], 389.5)
    with pytest.raises(BadInputError, match="wrong_tccon_version"):
        gv.load_tccon([path], "GGG2020")
    no_err = tmp_path / "e" / path.name
    no_err.parent.mkdir()
    write_independent_ggg2014(no_err)
    with netCDF4.Dataset(no_err, "a") as nc:
        nc.createVariable("xch4_ppm", "f8", ("time",))[:] = np.full(n, 1.8)
    with pytest.raises(BadInputError, match="xch4_ppm_error"):
        tio.read(no_err)
    bare = tmp_path / "b" / path.name
    bare.parent.mkdir()
    write_independent_ggg2014(bare)
    with pytest.raises(BadInputError, match="xco2"):
        gv.load_tccon([bare], "GGG2014")

