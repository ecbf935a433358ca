"""GOSAT validation figures (satcol.plots.gosat) on tiny hand-built frames: each figure is
written as PNG and PDF, and the values it plots equal the validation's tables or a hand
computation. Checked to fail (mutations applied to src/satcol/plots/gosat.py): the "after"
stage read from ``delta_corr`` instead of ``delta_loso`` (category and monthly tests), the
site rows not filtered to ``used`` (site tests), the non-primary rows kept (category and monthly
tests: the duplicate's ΔX of 50 moves the means), the partial residual without the other terms
removed (partial-effects test: the slope then takes the correlated term's share).
"""

import numpy as np
import pandas as pd
import pytest

from satcol.plots import gosat as gp
from satcol.validation import gosat as gv

T0 = 1.3e9  # 2011-03-13


def _written(path):
    return path.is_file() and path.stat().st_size > 1000 and path.with_suffix(".pdf").is_file()


@pytest.fixture
def m():
    """24 match-ups: land H (12), land M (6), ocean H (6); delta, delta_corr, delta_loso
    distinct per stage, over three months; regressors with a known linear effect."""
    rng = np.random.default_rng(3)
    n = 24
    surface = np.array([1] * 18 + [0] * 6)
    gain = np.array(["H"] * 12 + ["M"] * 6 + ["H"] * 6)
    aot = rng.uniform(0.0, 0.3, n)
    dps = rng.uniform(-5.0, 5.0, n) + 10.0 * aot  # correlated with AOT
    alb = rng.uniform(0.1, 0.4, n)
    delta = np.where(surface == 1, -0.4 + 5.0 * aot + 0.08 * dps - 2.0 * alb, -6.5 + 4.0 * aot + 0.1 * dps)
    months = np.repeat([0, 1, 2], 8)
    return pd.DataFrame({
        "site": np.tile(["aa", "bb", "cc"], 8), "time": T0 + months * 31 * 86400.0 + np.arange(n) * 60.0,
        "surface": surface, "surface_name": np.where(surface == 1, "land", "ocean"), "gain": gain,
        "aot_1p6": aot, "dps_hpa": dps, "albedo_o2a": np.where(surface == 1, alb, np.nan),
        "delta": delta, "delta_corr": delta * 0.0 + 0.01 * np.arange(n), "delta_loso": 0.5 + 0.02 * np.arange(n),
        "primary": np.ones(n, bool)})


def _with_duplicate(m):
    """The first match-up again at another site (not primary) with an outlying ΔX: a figure that
    counts it twice moves off the tables."""
    dup = m.iloc[[0]].assign(site="zz", primary=False, delta=50.0, delta_loso=50.0, delta_corr=50.0)
    return pd.concat([m, dup], ignore_index=True)


def _coef(rows):
    return pd.DataFrame([{"surface": s, "term": t, "coef": c, "se": 0.1} for s, t, c in rows])


COEF = _coef([("ocean", "intercept", -6.5), ("ocean", "aot_1p6", 4.0), ("ocean", "dps_hpa", 0.1),
              ("land", "intercept", -0.4), ("land", "aot_1p6", 5.0), ("land", "dps_hpa", 0.08),
              ("land", "albedo_o2a", -2.0)])


def test_differences_by_category_plot_the_table6_numbers(m, tmp_path):
    """Before = Table 6 of ``delta``, after = Table 6 of ``delta_loso`` (category_stats), each
    sounding once (a second, non-primary row of a sounding is not drawn)."""
    got = gp.differences_by_category(_with_duplicate(m), "xco2", tmp_path / "c.png").set_index(
        ["stage", "surface", "gain"])
    assert _written(tmp_path / "c.png")
    for stage, col in (("before", "delta"), ("after", "delta_loso")):
        ref = gv.category_stats(m, col)
        for r in ref.itertuples():
            row = got.loc[(stage, r.surface, r.gain)]
            assert row["n"] == r.n and row["bias"] == pytest.approx(r.bias, abs=1e-12)
            assert row["sd"] == pytest.approx(r.sd, abs=1e-12)
    assert got.loc[("before", "ocean", "H"), "bias"] < -5.0 and got.loc[("after", "ocean", "H"), "bias"] > 0.5


def test_site_figures_plot_the_used_site_biases(tmp_path):
    """Map and bars plot the site table's rows of the sites used (> 10 match-ups), before and
    after LOSO, with their lat/lon; the in-sample stage and unused sites are not drawn."""
    table = pd.DataFrame({"site": ["aa", "bb", "cc"] * 3, "n": [20, 5, 30] * 3,
                          "bias": [1.0, 9.0, -2.0, 0.3, 9.0, -0.1, 0.2, 8.0, -0.4],
                          "sd": [1.5, 1.0, 2.0] * 3, "used": [True, False, True] * 3,
                          "stage": ["before"] * 3 + ["after_in_sample"] * 3 + ["after_loso"] * 3})
    sites = pd.DataFrame({"id": ["aa", "bb", "cc"], "lat": [45.0, 0.0, -30.0], "lon": [10.0, 20.0, 150.0]})
    for fn in (gp.site_bias_map, gp.site_bias_bars):
        path = tmp_path / f"{fn.__name__}.png"
        got = fn(table, sites, "xco2", path).set_index(["stage", "site"])
        assert _written(path)
        assert set(got.index) == {("before", "aa"), ("before", "cc"), ("after", "aa"), ("after", "cc")}
        assert got.loc[("before", "aa"), "bias"] == 1.0 and got.loc[("after", "cc"), "bias"] == -0.4
        assert got.loc[("after", "aa"), "lat"] == 45.0 and got.loc[("before", "cc"), "lon"] == 150.0


def test_monthly_differences_are_the_monthly_means(m, tmp_path):
    """Monthly means per surface and stage, with SE = SD / sqrt(N), computed by hand."""
    got = gp.monthly_differences(_with_duplicate(m), "xco2", tmp_path / "t.png")
    assert _written(tmp_path / "t.png")
    month = pd.to_datetime(m["time"], unit="s").dt.month
    for stage, col in (("before", "delta"), ("after", "delta_loso")):
        for surf in ("land", "ocean"):
            for mo in sorted(set(month[m["surface_name"] == surf])):
                v = m.loc[(m["surface_name"] == surf) & (month == mo), col].to_numpy()
                row = got[(got["stage"] == stage) & (got["surface"] == surf) & (got["month"].dt.month == mo)]
                assert len(row) == 1 and row["n"].iloc[0] == v.size
                assert row["mean"].iloc[0] == pytest.approx(v.mean(), abs=1e-12)
                if v.size > 1:
                    assert row["se"].iloc[0] == pytest.approx(v.std(ddof=1) / np.sqrt(v.size), rel=1e-12)


def test_partial_effects_recover_each_term_and_nothing_after(m, tmp_path):
    """The match-ups' delta is exactly the fitted model (no noise): every partial residual lies
    on the fitted line (slope = the coefficient, although ΔPs correlates with AOT), and the
    corrected difference delta − model has no slope. One panel per fitted term, 5 here."""
    model = np.where(m["surface"] == 1, -0.4 + 5.0 * m["aot_1p6"] + 0.08 * m["dps_hpa"] - 2.0 * m["albedo_o2a"],
                     -6.5 + 4.0 * m["aot_1p6"] + 0.1 * m["dps_hpa"])
    mm = m.assign(delta_corr=m["delta"] - model)
    got = gp.partial_effects(mm, COEF, "xco2", tmp_path / "p.png").set_index(["surface", "term"])
    assert _written(tmp_path / "p.png") and len(got) == 5
    for (surf, term), r in got.iterrows():
        assert r["slope_before"] == pytest.approx(r["coef"], abs=1e-9), (surf, term)
        assert abs(r["slope_after"]) < 1e-9
    assert got.loc[("land", "aot_1p6"), "n"] == 18 and got.loc[("ocean", "dps_hpa"), "n"] == 6
    only_land = gp.partial_effects(mm, COEF[COEF["surface"] == "land"], "xco2", tmp_path / "q.png")
    assert set(only_land["surface"]) == {"land"}
    # a record too short for any fit (both surfaces below mlr_min_matchups): an empty table and
    # a figure that says so, not a failed job (the default run on 3 months of 2 days hit this)
    none = gp.partial_effects(mm, COEF.iloc[:0], "xch4", tmp_path / "r.png")
    assert none.empty and list(none.columns)[:2] == ["surface", "term"] and _written(tmp_path / "r.png")
