"""The synthetic GOSAT record: orbit, truth, determinism, outlier harm, and its TCCON files."""

import datetime as dt

import h5py
import numpy as np
import pytest

import satcol
from satcol.core import timeutil
from satcol.core.config import load_config
from satcol.instruments.gosat import reader as gio
from satcol.synthetic import gosat as sg
from satcol.synthetic import tccon as syn_tccon


@pytest.fixture(scope="module")
def sites():
    return syn_tccon.read_site_table(load_config()["tccon_sites"])


def test_same_seed_same_files_other_seed_other_files(tmp_path, sites):
    """Deterministic by seed (fails if any draw uses an unseeded generator)."""
    day = [dt.date(2012, 3, 4)]
    a = sg.write_days(tmp_path / "a", day, {}, sites, species=("CO2",))[0]
    b = sg.write_days(tmp_path / "b", day, {}, sites, species=("CO2",))[0]
    c = sg.write_days(tmp_path / "c", day, {"seed": 7}, sites, species=("CO2",))[0]
    with h5py.File(a) as fa, h5py.File(b) as fb, h5py.File(c) as fc:
        for name in ("Data/mixingRatio/XCO2", "Data/geolocation/latitude", "scanAttribute/scanID",
                     "Data/auxiliaryParameter/aerosolOpticalThickness"):
            assert np.array_equal(fa[name][()], fb[name][()]), name
        xa, xc = fa["Data/mixingRatio/XCO2"][()], fc["Data/mixingRatio/XCO2"][()]
        assert xa.shape != xc.shape or not np.array_equal(xa, xc)


def test_orbit_crosses_the_equator_at_13_local_time_and_repeats_in_3_days():
    """Ascending node at 13:00 local solar time (fails for Terra's 10:30 or a descending daytime
    node) and a 3-day repeat: the sub-satellite tracks 3 days apart coincide."""
    t_node = sg.EPOCH + 100 * sg.ORBIT_PERIOD_S
    lat, lon = sg._track(np.array([t_node, t_node + 60.0]), t_node)
    assert abs(lat[0]) < 1e-9 and lat[1] > lat[0]  # ascending
    lst = ((t_node % 86400.0) / 3600.0 + lon[0] / 15.0) % 24.0
    assert lst == pytest.approx(13.0, abs=1e-6)
    t = t_node + np.linspace(0, sg.ORBIT_PERIOD_S, 50)
    la, lo = sg._track(t, t_node)
    t3 = t + 3 * 86400.0
    la3, lo3 = sg._track(t3, t_node + 44 * sg.ORBIT_PERIOD_S)
    np.testing.assert_allclose(la3, la, atol=1e-9)
    np.testing.assert_allclose((lo3 - lo + 180) % 360 - 180, 0.0, atol=1e-6)


def test_soundings_are_daytime_local_noon_and_three_cross_track_points(tmp_path, sites):
    p = sg.write_days(tmp_path, [dt.date(2014, 6, 15)], {}, sites, species=("CO2",))[0]
    ds = satcol.open_gosat(p)
    orbit = ds["observation_mode"].values == "OB1D"
    lst = ((ds["time"].values % 86400.0) / 3600.0 + ds["lon"].values / 15.0) % 24.0
    assert np.median(np.abs(lst[orbit] - 13.0)) < 1.0
    assert set(np.unique(ds["cross_track"].values[orbit])) == {1, 2, 3}
    assert float(ds["sza"].max()) < 75.0
    assert 150 < ds.sizes["sounding"] < 2000
    # ocean soundings only where sun glint is reachable
    assert float(ds["sza"].values[ds["surface"].values == 0].max()) < 60.0


def test_target_soundings_lie_at_the_sites(tmp_path, sites):
    no_glint = dict(sg.DEFAULTS["ocean_targets"], sites=[])
    p = sg.write_days(tmp_path, [dt.date(2016, 8, 1)], {"target_probability": 1.0, "ocean_targets": no_glint}, sites,
                      species=("CO2",))[0]
    table = gio.read_gosat(p)[0]
    tgt = table["observation_mode"] == "SPOD"
    live = sites[sites["id"].isin(sg.DEFAULTS["target_sites"]) & (sites["start"] <= dt.date(2016, 8, 1))
                 & (sites["end"] >= dt.date(2016, 8, 1))]
    assert tgt.sum() == len(live) * sg.DEFAULTS["target_soundings"]
    d = np.min(np.hypot(table["lat"][tgt, None] - live["lat"].to_numpy()[None, :],
                        table["lon"][tgt, None] - live["lon"].to_numpy()[None, :]), axis=1)
    assert d.max() < 0.08


def test_glint_targets_lie_over_water_near_their_coastal_sites(tmp_path, sites):
    """ocean_targets with probability 1: each coastal site operating on the day gets its
    ``soundings`` glint soundings, all over open water (surface ocean, land fraction 0), between
    min_deg and box_deg of the site in both latitude and longitude, in
    sun-glint reach (SZA < 60) near 13:00 local time; with the list empty there are none (the
    SPOD count drops by exactly those). Fails if the water test is dropped (Tsukuba's and
    Wollongong's boxes are largely land) or the offsets ignore min_deg."""
    day = dt.date(2016, 8, 1)
    spec = dict(sg.DEFAULTS["ocean_targets"], probability=1.0)
    p = sg.write_days(tmp_path / "a", [day], {"target_probability": 0.0, "ocean_targets": spec}, sites,
                      species=("CO2",))[0]
    t = gio.read_gosat(p)[0]
    g = t["observation_mode"] == "SPOD"
    live = sites[sites["id"].isin(spec["sites"]) & (sites["start"] <= day) & (sites["end"] >= day)]
    assert len(live) >= 8
    assert (t["surface"][g] == 0).all() and (t["land_fraction"][g] == 0).all()
    dlat = np.abs(t["lat"][g, None] - live["lat"].to_numpy()[None, :])
    dlon = np.abs((t["lon"][g, None] - live["lon"].to_numpy()[None, :] + 180.0) % 360.0 - 180.0)
    inside = (dlat <= spec["box_deg"] + 1e-6) & (dlon <= spec["box_deg"] + 1e-6)
    # each sounding lies in the ring of some site (a neighbour's box may hold it too: Caltech/JPL)
    ring = inside & (np.minimum(dlat, dlon) >= spec["min_deg"] - 1e-6)
    assert ring.any(axis=1).all()
    assert (t["sza"][g] < 60.0).all()
    lst = ((t["time"][g] % 86400.0) / 3600.0 + t["lon"][g] / 15.0) % 24.0
    assert np.abs(lst - 13.0).max() < 0.2
    per_site = inside.sum(axis=0)
    assert per_site.max() <= spec["soundings"] * 2 and g.sum() >= spec["soundings"] * len(live) * 0.7
    none = sg.write_days(tmp_path / "b", [day], {"target_probability": 0.0, "ocean_targets": dict(spec, sites=[])},
                         sites, species=("CO2",))[0]
    assert (gio.read_gosat(none)[0]["observation_mode"] == "SPOD").sum() == 0


def test_truth_trends_and_gradient():
    """2.3 ppm and 8 ppb per year (fails for a per-decade slip), NH above SH in the annual mean."""
    t0 = timeutil.day_start_unix(dt.date(2010, 1, 1))
    days = t0 + np.arange(0, 365 * 86400, 86400.0)
    for f, rate in ((sg.truth_xco2_ppm, 2.3), (sg.truth_xch4_ppb, 8.0)):
        a = f(np.zeros(days.size), days).mean()
        b = f(np.zeros(days.size), days + 5 * 365.25 * 86400).mean()
        assert (b - a) / 5 == pytest.approx(rate, rel=0.01)
        assert f(np.full(days.size, 45.0), days).mean() > f(np.full(days.size, -45.0), days).mean()


def test_outlier_harm_is_zero_at_onset_and_grows_smoothly():
    """No step at the threshold: the harm is continuous (0 at the onset) and grows linearly."""
    spec = {"onset": 0.1, "direction": "above"}
    q = np.array([0.05, 0.1, 0.1 + 1e-6, 0.2, 0.3])
    ex = sg._excess(q, spec)
    np.testing.assert_allclose(ex, [0.0, 0.0, 1e-6, 0.1, 0.2], atol=1e-12)
    ex = sg._excess(np.array([1.2, 1.0, 0.9]), {"onset": 1.0, "direction": "below"})
    np.testing.assert_allclose(ex, [0.0, 0.0, 0.1], atol=1e-12)


def test_tccon_files_carry_the_truth(tmp_path, sites):
    """GGG2020 files for the target sites: XCO2 (ppm) and XCH4 (read as ppb) are the GOSAT
    truth at the site plus the configured noise (fails if XCH4 is written in ppb where the
    real files hold ppm, or if the TCCON columns come from another field)."""
    days = [dt.date(2016, 5, d) for d in (1, 2, 3, 4, 5, 6)]
    paths = sg.write_tccon(tmp_path, sites, days, {})
    assert len(paths) >= 3
    n_all = 0
    for p in paths:
        ds = satcol.open_tccon(p)
        t = (ds["time"].values - np.datetime64("1970-01-01T00:00:00")) / np.timedelta64(1, "s")
        lat = np.full(t.size, ds.attrs["lat"])
        d2 = ds["xco2"].values - sg.truth_xco2_ppm(lat, t)
        d4 = ds["xch4"].values - sg.truth_xch4_ppb(lat, t)
        n = t.size
        n_all += n
        assert abs(d2.mean()) < 4 * 0.4 / np.sqrt(n) and d2.std() == pytest.approx(0.4, rel=0.35)
        assert abs(d4.mean()) < 4 * 3.0 / np.sqrt(n)
        assert set(np.unique(np.floor(t / 86400.0))) <= {timeutil.day_start_unix(d) // 86400 for d in days}
    assert n_all > 100


def test_write_record_covers_the_configured_days(tmp_path, sites):
    """start/end/days_per_month select the days as for MOPITT (calendar.all_days): 2 months x 2
    days x 2 species files, and TCCON files for every site operating then (tccon_sites: all,
    the default), or for the target sites only (tccon_sites: targets)."""
    syn = {"start": "2015-01-01", "end": "2015-02-28", "days_per_month": 2}
    out = sg.write_record(tmp_path / "all", syn, sites)
    names = sorted(p.name for p in out["gosat"])
    assert len(names) == 8 and names[0] == "GOSATTFTS20150108_02C01SV0305R150108GU000.h5"
    ids = {p.name[:2] for p in out["tccon"]}
    live = sites[(sites["start"] <= dt.date(2015, 2, 28)) & (sites["end"] >= dt.date(2015, 1, 1))]
    # every file of a site operating then (polar sites in winter night have none); coastal ones too
    assert ids <= set(live["id"]) and len(ids) > len(set(sg.DEFAULTS["target_sites"]) & ids) and "bu" not in ids
    assert {"wg", "db", "iz", "ae"} <= ids  # Burgos starts 2017; Wollongong, Darwin, Izana, Ascension are no targets
    tgt = sg.write_tccon(tmp_path / "targets", sites, [dt.date(2015, 1, 8)], dict(syn, tccon_sites="targets"))
    ids = {p.name[:2] for p in tgt}
    assert ids and ids <= set(sg.DEFAULTS["target_sites"]) and "wg" not in ids


def test_files_say_they_are_synthetic_with_the_config_hash(tmp_path, sites):
    """The config hash follows the synthetic.gosat block (fails if a changed coefficient leaves it)."""
    day = [dt.date(2013, 2, 2)]
    a = sg.write_days(tmp_path / "a", day, {}, sites, species=("CO2",))[0]
    truth = dict(sg.DEFAULTS["truth"], xco2_gain_m_offset_ppm=1.0)
    b = sg.write_days(tmp_path / "b", day, {"truth": truth}, sites, species=("CO2",))[0]
    with h5py.File(a) as fa, h5py.File(b) as fb:
        assert "not NIES data" in fa.attrs["satcol_note"] and fa.attrs["satcol_version"] == satcol.__version__
        assert fa.attrs["satcol_config_sha256"] != fb.attrs["satcol_config_sha256"]


def test_merged_config_merges_truth_at_every_depth():
    """One coefficient given under synthetic.gosat.truth changes that coefficient and keeps the
    others (a one-level merge dropped the land block and the other ocean keys: KeyError in the
    simulation); the outlier ramp is 0 before the onset, e²/(2s) within the smooth width, then
    linear (continuous at s)."""
    cfg = sg.merged_config({"truth": {"xco2_bias_ppm": {"ocean": {"intercept": -3.0}}}})
    b = cfg["truth"]["xco2_bias_ppm"]
    assert b["ocean"] == dict(sg.DEFAULTS["truth"]["xco2_bias_ppm"]["ocean"], intercept=-3.0)
    assert b["land"] == sg.DEFAULTS["truth"]["xco2_bias_ppm"]["land"]
    assert cfg["truth"]["outliers"] == sg.DEFAULTS["truth"]["outliers"]
    spec = {"onset": 0.07, "smooth": 0.03, "direction": "above"}
    got = sg._excess(np.array([0.05, 0.07, 0.085, 0.10, 0.13]), spec)
    np.testing.assert_allclose(got, [0.0, 0.0, 0.015**2 / 0.06, 0.015, 0.045], atol=1e-12)
    np.testing.assert_allclose(sg._excess(np.array([0.9, 1.2]), {"onset": 1.0, "direction": "below"}), [0.1, 0.0])
