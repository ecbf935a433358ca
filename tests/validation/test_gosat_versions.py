"""GOSAT version comparison by scan ID and the growth-rate check (S23 Sects. 4.2 and 4.4).

Mutations checked to fail (applied to src/satcol/validation/gosat_versions.py): old − new instead of
new − old, pairing by position instead of scan ID, the trend of the difference per year, the
box half-width taken as 12° instead of 6°, GOSAT − in situ reversed.
"""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from helpers import REPO

from satcol.core.config import load_config
from satcol.core.errors import BadInputError, ConfigError
from satcol.instruments.gosat import reader as gio
from satcol.synthetic import gosat as sg
from satcol.synthetic import gosat_insitu
from satcol.synthetic import tccon as syn_tccon
from satcol.validation import gosat_versions as gver

STATIONS = REPO / "config/instruments/gosat/insitu_stations.tsv"
DECADE = 3652.5 * 86400.0  # a decade in seconds, independent of the module


def _read(paths):
    tabs = [gio.read_gosat(p)[0] for p in paths]
    return {k: np.concatenate([t[k] for t in tabs]) for k in tabs[0]}


def test_versions_paired_by_scan_id_differ_by_the_injected_change(tmp_path):
    """The same soundings written as V02.90 (ocean intercept −2.0, land intercept 0, drift −2.0
    ppm/decade) and V03.05 (the defaults: −6.5, −0.4, −0.6): new − old is −4.5 ppm over the
    ocean and −0.4 over land, plus (−0.6 + 2.0) ppm/decade × (t − 2014-01-01); the noise
    draws are shared, so the differences are exact to float32 (1e-4 ppm). The V03 table is
    shuffled first: pairing must go by scan ID."""
    sites = syn_tccon.read_site_table(load_config()["tccon_sites"])
    days = [dt.date(2012, 1, 15), dt.date(2016, 1, 15)]
    old_truth = dict(sg.DEFAULTS["truth"], xco2_drift_ppm_per_decade=-2.0,
                     xco2_bias_ppm={"land": dict(sg.DEFAULTS["truth"]["xco2_bias_ppm"]["land"], intercept=0.0),
                                    "ocean": dict(sg.DEFAULTS["truth"]["xco2_bias_ppm"]["ocean"], intercept=-2.0)})
    old = _read(sg.write_days(tmp_path / "v02", days, {}, sites, species=("CO2",), version="02.90", truth_cfg=old_truth))
    new = _read(sg.write_days(tmp_path / "v03", days, {}, sites, species=("CO2",), version="03.05"))
    perm = np.random.default_rng(1).permutation(len(new["time"]))
    new = {k: v[perm] for k, v in new.items()}
    keep_old = np.ones(len(old["time"]), bool)
    keep_old[:10] = False
    pairs = gver.pair_versions(old, new, "xco2", rows_old=keep_old)
    assert pairs.attrs["n_paired"] == len(old["time"]) - 10 == len(pairs)
    ref = dt.datetime(2014, 1, 1, tzinfo=dt.timezone.utc).timestamp()
    expected = np.where(pairs["surface"] == 0, -4.5, -0.4) + 1.4 * (pairs["time"] - ref) / DECADE
    np.testing.assert_allclose(pairs["diff"], expected, atol=2e-4)
    stats = gver.version_stats(pairs).set_index("surface")
    assert stats.loc["ocean", "n"] > 50 and stats.loc["land", "n"] > 200
    assert stats.loc["all", "n"] == len(pairs)
    assert stats.loc["land", "trend_per_decade"] == pytest.approx(1.4, abs=0.01)
    assert stats.loc["ocean", "trend_per_decade"] == pytest.approx(1.4, abs=0.01)
    land = pairs["surface"] == 1
    assert stats.loc["land", "mean"] == pytest.approx(expected[land].mean(), abs=2e-4)
    assert stats.loc["land", "n_old"] == keep_old.sum()


def test_monthly_box_means_and_growth_rate_known_answer():
    """Hand-built GOSAT soundings: per month two in the box (±6° of the station) and one 6.5°
    off; GOSAT = in situ + 1.0 − 0.8 ppm/decade × (t − t0) exactly (in situ rises 25 ppm/decade):
    trend_gosat = 24.2, trend_insitu = 25.0, trend_difference = −0.8 per decade with SE 0."""
    st = pd.DataFrame({"id": ["s1"], "lat": [20.0], "lon": [130.0]})
    years, months = np.repeat([2015, 2016, 2017], 12), np.tile(np.arange(1, 13), 3)
    tm = gver.month_mid_time(years, months)
    t0 = tm[0]
    insitu = pd.DataFrame({"station": "s1", "year": years, "month": months,
                           "co2_ppm": 400.0 + 25.0 * (tm - t0) / DECADE})
    g_x = 401.0 + (25.0 - 0.8) * (tm - t0) / DECADE
    # two soundings a month at ±1 ppm around the value (the mean is the value), one outside the box
    table = {"lat": np.concatenate([np.full(36, 25.9), np.full(36, 14.1), np.full(36, 26.5)]),
             "lon": np.full(108, 130.0), "time": np.tile(tm, 3), "surface": np.full(108, 1, np.int8)}
    x = np.concatenate([g_x + 1.0, g_x - 1.0, g_x + 50.0])
    gm = gver.monthly_box_means(table, x, st, 12.0)
    assert len(gm) == 36 and (gm["n"] == 2).all() and (gm["surface"] == "land").all()
    np.testing.assert_allclose(gm["x_gosat"], g_x, atol=1e-9)
    res = gver.growth_rate_check(gm, insitu)
    r = res["stations"].iloc[0]
    assert r["n_months"] == 36
    assert r["trend_gosat"] == pytest.approx(24.2, abs=1e-8)
    assert r["trend_insitu"] == pytest.approx(25.0, abs=1e-8)
    assert r["trend_difference"] == pytest.approx(-0.8, abs=1e-8) and r["trend_difference_se"] < 1e-8
    s = res["surfaces"].set_index("surface")
    assert s.loc["land", "trend_difference"] == pytest.approx(-0.8, abs=1e-8) and s.loc["land", "n_stations"] == 1
    assert s.loc["ocean", "n_stations"] == 0 and np.isnan(s.loc["ocean", "trend_difference"])
    short = gver.growth_rate_check(gm.iloc[:11], insitu)  # fewer than 12 months: no row
    assert short["stations"].empty


def test_station_table_and_synthetic_monthly_values():
    """The shipped station table loads (S23 Table B2 stations); the synthetic monthly values rise
    at the truth's 2.3 ppm/yr (annual means 2.3 ppm apart, within 0.02: the seasonal cycle cancels
    over whole years) and a month is the mean of the truth over its days plus the offset."""
    st = gver.load_stations(STATIONS)
    assert {"hat", "coi", "mid", "gmi", "cgo", "bhd"} <= set(st["id"]) and st["lat"].between(-90, 90).all()
    v = gosat_insitu.monthly_values(st, "2014-01-01", "2018-12-31", offset_ppm=2.0)
    assert len(v) == 60 * len(st)
    for sid, g in v.groupby("station"):
        annual = g.groupby("year")["co2_ppm"].mean().to_numpy()
        np.testing.assert_allclose(np.diff(annual), 2.3, atol=0.02, err_msg=sid)
    lat = float(st.loc[st["id"] == "hat", "lat"].iloc[0])
    jan = v[(v["station"] == "hat") & (v["year"] == 2016) & (v["month"] == 1)]["co2_ppm"].iloc[0]
    days = np.arange(31) * 86400.0 + dt.datetime(2016, 1, 1, 12, tzinfo=dt.timezone.utc).timestamp()
    assert jan == pytest.approx(np.mean(sg.truth_xco2_ppm(np.full(31, lat), days)) + 2.0, abs=1e-9)


def test_bad_station_and_insitu_tables(tmp_path):
    p = tmp_path / "st.tsv"
    p.write_text("id\tname\tlat\tlon\tplatform\tsetting\nx\tX\t95.0\t10.0\tstation\tland\n")
    with pytest.raises(ConfigError, match="column lat"):
        gver.load_stations(p)
    p.write_text("id\tname\tlat\tlon\tplatform\nx\tX\t5.0\t10.0\tstation\n")
    with pytest.raises(ConfigError, match="setting"):
        gver.load_stations(p)
    q = tmp_path / "m.tsv"
    q.write_text("station\tyear\tmonth\tco2_ppm\nhat\t2015\t13\t400.0\n")
    with pytest.raises(BadInputError, match=r"m\.tsv \[dataset month\]"):
        gver.read_insitu_monthly(q)
    q.write_text("station\tyear\tmonth\nhat\t2015\t1\n")
    with pytest.raises(BadInputError, match="co2_ppm"):
        gver.read_insitu_monthly(q)
    q.write_text("station\tyear\tmonth\tco2_ppm\nhat\t2015\t1\t400.5\nhat\t2015\t2\t\n")
    got = gver.read_insitu_monthly(q)
    assert got["co2_ppm"].iloc[0] == 400.5 and np.isnan(got["co2_ppm"].iloc[1])
    assert got["time"].iloc[0] == pytest.approx(dt.datetime(2015, 1, 16, 12, tzinfo=dt.timezone.utc).timestamp())
    # NOAA's monthly files mark a month without data with -999.99: missing, not out of range;
    # another negative value is still an error (fails if every value < 250 is made NaN)
    q.write_text("station\tyear\tmonth\tco2_ppm\nmlo\t2015\t1\t400.5\nmlo\t2015\t2\t-999.99\n")
    got = gver.read_insitu_monthly(q)
    assert got["co2_ppm"].iloc[0] == 400.5 and np.isnan(got["co2_ppm"].iloc[1])
    q.write_text("station\tyear\tmonth\tco2_ppm\nmlo\t2015\t1\t-99.99\n")
    with pytest.raises(BadInputError, match="co2_ppm"):
        gver.read_insitu_monthly(q)
