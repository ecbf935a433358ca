"""The Snakemake report and the figures in it (issue 23 items 1, 3 and 5).

Unit tests: the figure style (PNG and vector PDF side by side, units in every axis label, the
equal-area map projection) and the report pages (front page from a run summary, tables as
HTML). Workflow tests (one tiny synthetic run for the module): ``snakemake --report`` as HTML
and as ZIP lists every figure and table the run wrote, each with a caption naming the paper
figure or table it reproduces; and the report opened in headless Chromium (Debian's
``chromium``, installed by tests/browser/setup_chromium.sh when running as root with apt-get,
skipped with the reason otherwise) renders with no script error and lists every figure and table
in its menu; a screenshot of the front page is kept in the pytest basetemp
(``report_browser/front_page.png``).
"""

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import TINY, snakemake

from satcol.core.errors import BadInputError
from satcol.instruments.mopitt import figures as mopitt_figures
from satcol.plots import figstyle, reportpages
from satcol.plots import figures as plots

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent


# --- figures ---------------------------------------------------------------------------------------

@pytest.fixture
def captured(monkeypatch):
    """Every figure passed to figstyle.save, with its axis labels, before it is closed."""
    seen = []
    real = figstyle.save

    def spy(fig, path):
        labels = []
        for ax in fig.axes:
            labels += [t for t in (ax.get_xlabel(), ax.get_ylabel()) if t]
        seen.append({"path": Path(path), "labels": labels, "n_axes": len(fig.axes)})
        real(fig, path)

    monkeypatch.setattr(figstyle, "save", spy)
    return seen


_UNIT = re.compile(r"\((unitless|ppb|%|K|km|hPa|deg N|deg|m|count|flags|1|decimal year|UTC|.*\$\^2\$)\)$")


def _check_units(labels):
    bad = [t for t in labels if not (_UNIT.search(t) or t.startswith("TCCON site ("))]
    assert not bad, f"axis labels without a unit: {bad}"


def test_fig2_png_and_pdf_with_units(tmp_path, captured):
    bins = pd.DataFrame({"surface": [1, 1, 0, 0], "pixel": [1, 2, 1, 2], "t_mid": [1.25e9, 1.25e9, 1.25e9, 1.25e9],
                         "diff": [0.5, -0.5, 0.2, -0.2]})
    out = tmp_path / "fig2.png"
    mopitt_figures.fig2(bins, [1.25e9], out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pdf = out.with_suffix(".pdf").read_bytes()
    # vector: the PDF draws paths and carries the fonts of its text, no embedded raster image
    assert pdf[:5] == b"%PDF-" and b"/Subtype /Image" not in pdf and b"/FontFile" in pdf
    _check_units(captured[0]["labels"])
    assert "time (UTC)" in captured[0]["labels"]


def _validation_frames(seed=3):
    """Colocated days, soundings, sites and averaging kernels shaped as the validation products
    (satcol.validation.fits, satcol.validation.colocation), with random values."""
    rng = np.random.default_rng(seed)
    sites = pd.DataFrame({"id": ["aa", "bb", "cc"], "lat": [-20.0, 10.0, 50.0], "altitude_m": [10.0, 2300.0, 500.0]})
    n = 60
    site = rng.choice(sites["id"], n)
    x = rng.uniform(60, 140, n)
    days = pd.DataFrame({"site": site, "surface": rng.integers(0, 2, n), "day": 14400 + rng.integers(0, 400, n),
                         "site_lat": sites.set_index("id").loc[site, "lat"].to_numpy()})
    for v in ("standard", "unscaled"):
        days[f"method_II_{v}_x"] = x
        days[f"method_II_{v}_y"] = 1.064 * x + rng.normal(0, 2, n)
        days[f"method_II_{v}_x_sem"] = 0.5
        days[f"method_II_{v}_y_sem"] = 1.0
    snd = pd.DataFrame({"site": site, "method_0_standard_y": x * 0.99, "xgas_profile_at_psurf": x})
    rows = [{"season": s, "pixel": p, "slot": k, "pressure": 1000.0 - 100 * k, "ak": 0.1 * k}
            for s in ("DJF", "MAM", "JJA", "SON") for p in (1, 2, 3, 4) for k in range(10)]
    tccon_ak = {"sza": [20.0, 50.0], "obs_sza": np.array([20.0, 21.0, 50.0]), "ak": rng.uniform(0.8, 1.2, (3, 5)),
                "pressure": np.linspace(1000, 100, 5), "site": "aa"}
    return days, snd, sites, pd.DataFrame(rows), tccon_ak


def test_validation_figures_png_pdf_and_units(tmp_path, captured):
    """H19 Figs. 4-8: every one written as PNG and PDF, every axis labelled with its unit."""
    days, snd, sites, mopitt_ak, tccon_ak = _validation_frames()
    fit = {"slope": 1.064, "intercept": 0.0, "n": len(days), "r2": 0.9, "bias_percent": {"100": 6.4},
           "scale_factor": 1.064}
    plots.fig4(snd, sites, tmp_path / "fig4.png")
    plots.fig5(days, fit, tmp_path / "fig5.png")
    plots.fig6(days, sites, tmp_path / "fig6.png")
    plots.fig7(days, tmp_path / "fig7.png")
    mopitt_figures.fig8(mopitt_ak, tccon_ak, tmp_path / "fig8.png")
    assert [c["path"].name for c in captured] == [f"fig{i}.png" for i in range(4, 9)]
    for c in captured:
        assert c["path"].with_suffix(".pdf").read_bytes()[:5] == b"%PDF-", c["path"]
        _check_units(c["labels"])
    # Fig. 7 has a colour bar per panel, labelled with its unit too
    assert captured[3]["labels"].count("MOPITT - TCCON (%)") == 2


def test_error_correlation_figure_units(tmp_path, captured):
    from satcol.validation.error_correlation import CorrelationModel

    binned = pd.DataFrame({"surface": [1, 1, 0], "d_km": [5.0, 15.0, 5.0], "rho": [0.4, 0.2, 0.5],
                           "bin_hi_km": [10.0, 20.0, 10.0]})
    model = CorrelationModel(family="exponential", c0=0.5, length_km=30.0, source="fit")
    plots.error_correlation(binned, {"land": model, "water": model}, tmp_path / "ec.png")
    assert (tmp_path / "ec.pdf").stat().st_size > 0
    assert captured[0]["labels"] == ["separation (km)", "error correlation (unitless)"]


def test_figure_path_must_be_png(tmp_path):
    import matplotlib.pyplot as plt

    fig = plt.figure()
    with pytest.raises(ValueError, match="must end in .png"):
        figstyle.save(fig, tmp_path / "x.pdf")
    plt.close(fig)


def test_field_labels_carry_units():
    assert figstyle.field_label("tsurf_diff") == "retrieved - prior surface temperature (K)"
    assert figstyle.field_label("dof") == "degrees of freedom (unitless)"
    assert figstyle.field_label("psurf") == "surface pressure (hPa)"
    # every filter candidate of the shipped candidates file has a unit
    import yaml

    cands = yaml.safe_load((TESTS.parent / "config/filters/candidates.yaml").read_text())["candidates"]
    assert set(cands) <= set(figstyle.FIELD_UNITS)


def test_palette_is_okabe_ito():
    # Okabe & Ito (2008): the eight colours, and the pixels and surfaces drawn from them
    assert set(figstyle.OKABE_ITO.values()) == {"#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2",
                                               "#D55E00", "#CC79A7"}
    assert set(figstyle.PIXEL_COLORS.values()) | set(figstyle.SURFACE_COLORS.values()) <= set(figstyle.OKABE_ITO.values())


def test_map_projection_is_equal_area():
    """Eckert IV is equal-area (Snyder 1987, p. 256): the projected area of a 1 x 1 degree cell
    is proportional to its area on the sphere, cos(latitude) at the cell centre to second order.
    An equirectangular map (x = lon, y = lat) would give the same area at every latitude; this
    test fails for it (ratio 1 instead of cos 60 = 0.5)."""
    def cell_area(lat0, lon0, d=1.0):
        corners = np.array([[lon0, lat0], [lon0 + d, lat0], [lon0 + d, lat0 + d], [lon0, lat0 + d]])
        x, y = plots.eckert4(corners[:, 0], corners[:, 1])
        return 0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))

    sphere = lambda lat0, d=1.0: np.radians(d) * (np.sin(np.radians(lat0 + d)) - np.sin(np.radians(lat0)))  # noqa: E731
    ratios = [cell_area(lat, lon) / sphere(lat) for lat, lon in ((0, 0), (59.5, 40), (-30, -170), (75, 100))]
    np.testing.assert_allclose(ratios, ratios[0], rtol=1e-3)
    # the whole map of the unit sphere has the sphere's area, 4 pi
    lat = np.linspace(-90, 90, 2001)
    xr, yr = plots.eckert4(np.full_like(lat, 180.0), lat)
    area = np.trapezoid(2 * xr, yr)  # width 2 x(180 deg) integrated over y
    np.testing.assert_allclose(area, 4 * np.pi, rtol=1e-4)


# --- report pages ----------------------------------------------------------------------------------

def _summary():
    return {
        "synthetic": True,
        "provenance": {"satcol_version": "9.9.9", "git_commit": "abc123", "config_sha256": "f" * 64,
                       "input_sha256": {"a.he5": "0", "b.nc": "1"}},
        "qc": {"soundings": {"total": 20000, "kept": 5000, "flagged": 15000},
               "sra": {"rms_prefiltered_ppb": 3.84, "rms_filtered_ppb": 2.55, "rms_second_sra_ppb": 2.4},
               "feature_bias": {"accepted": ["dof/land"]}},
        "tccon": {"method_II": {"standard": {"n": 42, "slope": 1.064, "intercept": -0.5, "r2": 0.81,
                                             "scale_factor": 1.0612, "scale_factor_err": 0.0031,
                                             "drift_percent_per_year": -0.25, "drift_interval_95": [-0.4, -0.1]}}},
        "export": {"global_scale": {"value": 1.0612, "source": "fit"}, "superobs": {"n": 300, "n_soundings_used": 5000},
                   "error_correlation": {"land": {"c0": 0.3, "length_km": 40.0, "source": "fit"}}},
        "osse_recovery": {"n_scored": 10, "n_ok": 9, "failed": ["pixel1_land_offset_ppb"]},
        "skipped": {"total": 1},
    }


def test_front_page_shows_provenance_and_headline_numbers():
    from docutils.core import publish_parts

    rst = reportpages.front_page(_summary())
    text = publish_parts(rst, writer="html", settings_overrides={"report_level": 2, "halt_level": 2})["body"]
    for expected in ("9.9.9", "abc123", "f" * 64, "2 files", "20,000 / 5,000 (25.0 %)", "3.84 -&gt; 2.55 -&gt; 2.40",
                     "dof/land", "42, 1.064, -0.50, 0.810", "1.0612 +- 0.0031", "-0.25 [-0.40, -0.10]",
                     "300 / 5,000", "0.30, 40 (fit)", "9 of 10 (not: pixel1_land_offset_ppb)"):
        assert expected in text, expected
    assert "system-message" not in text  # docutils renders it without warnings


def test_front_page_without_colocation_and_bad_summary():
    s = _summary()
    s["tccon"]["method_II"]["standard"] = {"n": 0}
    assert "0 colocated days: no fit" in reportpages.front_page(s)
    del s["provenance"]
    with pytest.raises(BadInputError, match="provenance"):
        reportpages.front_page(s)
    with pytest.raises(BadInputError, match="qc.soundings"):
        reportpages.headline_numbers({"provenance": {"config_sha256": "x"}})


def test_table_html_formats_and_flags_rows():
    df = pd.DataFrame({"quantity": ["a<b", "c"], "injected": [1.23456789, np.nan], "n": [14231.0, 3.0],
                       "ok": [True, False]})
    page = reportpages.table_html(df, "T", "note", "x.csv", flag_column="ok")
    rows = re.findall(r"<tr(?: class=\"(\w+)\")?>(.*?)</tr>", page.split("<tbody>")[1])
    assert [r[0] for r in rows] == ["", "bad"]
    assert "<td class=\"text\">a&lt;b</td><td>1.235</td><td>14231</td>" in rows[0][1]
    assert "<td></td><td>3</td>" in rows[1][1]
    assert "<script" not in page
    with pytest.raises(BadInputError, match="x.csv.*no column 'missing'"):
        reportpages.table_html(df, "T", source="x.csv", flag_column="missing")


def test_superobs_table_names_missing_field():
    t = reportpages.superobs_table([{"month": "2009-07", "n_superobs": 2, "n_soundings_used": 9, "n_kept": 9,
                                     "median_n_effective_over_n": 0.6}])
    assert t.iloc[0].to_dict() == {"month": "2009-07", "n_superobs": 2, "n_soundings_used": 9, "n_kept": 9,
                                   "median_n_effective_over_n": 0.6}
    with pytest.raises(BadInputError, match="2009-08/superobs_report.json.*missing n_kept"):
        reportpages.superobs_table([{"month": "2009-08", "n_superobs": 1, "n_soundings_used": 1,
                                     "median_n_effective_over_n": 1.0}])


# --- the report of a tiny run ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def tiny_report(tmp_path_factory):
    wd = tmp_path_factory.mktemp("report_run")
    snakemake(wd, config=TINY)
    snakemake(wd, "--report", str(wd / "report.html"), config=TINY)
    snakemake(wd, "--report", str(wd / "report.zip"), config=TINY)
    return wd


def _run_outputs(wd):
    """Every figure and table page the run wrote, found on disk (not from the rules)."""
    res = wd / "results"
    found = sorted(res.glob("figures/*.png")) + sorted(res.glob("figures/fig3/*.png")) + sorted(
        res.glob("report/tables/*.html"))
    return [str(p.relative_to(wd)) for p in found]


def _embedded(html, name):
    """A variable the report embeds in its own <script id=...> element."""
    m = re.search(rf'<script id="{name.replace("_", "-")}">\s*var {name} = (.*?);\s*</script>', html, re.S)
    return json.loads(m.group(1))


@pytest.mark.workflow
def test_report_lists_every_output_with_a_caption(tiny_report):
    wd = tiny_report
    expected = _run_outputs(wd)
    assert len(expected) >= 35  # 11 figures, 22 Fig. 3 panels, table pages
    for png in expected:
        if png.endswith(".png"):
            assert (wd / png).with_suffix(".pdf").stat().st_size > 0, png
    html = (wd / "report.html").read_text()
    results = _embedded(html, "results")
    assert sorted(results) == sorted(expected)
    for path, r in results.items():
        caption = re.sub(r"<[^>]+>", "", r["caption"])
        assert len(caption) > 200 and "How to read it" in caption, path
        m = re.match(r"fig(\d)", Path(path).name)
        if m:
            assert f"H19 Fig. {m.group(1)}" in caption, path
        if "fig3_" in path:
            assert Path(path).stem.removeprefix("fig3_") in caption, path  # the panel's own candidate
    assert "H19 Table 3" in re.sub(r"<[^>]+>", "", results["results/report/tables/table3_filters.html"]["caption"])
    categories = _embedded(html, "categories")
    assert sorted(categories) == ["1 QC and bias correction (H19 Sect. 3)", "2 TCCON validation (H19 Sect. 4)",
                                  "3 Assimilation export (H19 Sect. 5)", "4 OSSE: recovery of the synthetic truth",
                                  "5 Papers beside the run"]
    # front page: the run's own provenance and numbers
    summary = json.loads((wd / "results/summary.json").read_text())
    desc = _embedded(html, "workflow_desc")
    assert summary["provenance"]["config_sha256"] in desc and summary["provenance"]["git_commit"] in desc
    assert f"{summary['qc']['soundings']['total']:,} / {summary['qc']['soundings']['kept']:,}" in desc
    assert "System Message" not in desc and "system-message" not in desc

    with zipfile.ZipFile(wd / "report.zip") as z:
        names = z.namelist()
    assert "report/report.html" in names
    assert sum(n.endswith(".png") for n in names) == sum(p.endswith(".png") for p in expected)


# --- the report in a real browser -------------------------------------------------------------------

@pytest.fixture(scope="module")
def chromium():
    r = subprocess.run(["bash", str(TESTS / "browser" / "setup_chromium.sh")], capture_output=True, text=True,
                       timeout=900)
    if r.returncode == 3:
        pytest.skip(f"headless Chromium not available: {r.stderr.strip()}")
    if r.returncode != 0:
        raise AssertionError(f"setup_chromium.sh failed ({r.returncode}):\n{r.stderr}")
    return r.stdout.strip().splitlines()[-1]


_JS = r"""
window.__t = {
  click(text) {
    const a = [...document.querySelectorAll('#app a')].find(x => x.innerText.trim() === text);
    if (!a) return false;
    a.click();
    return true;
  },
  menuCategories() {
    const items = [...document.querySelectorAll('#app a')].map(x => x.innerText.trim());
    return items.filter(t => /^\d /.test(t));
  },
  rows() {
    const t = document.querySelector('table.table-auto');
    return t ? [...t.querySelectorAll('tbody tr')].map(tr => tr.querySelector('td').innerText.trim()) : null;
  },
  rowButton(i, k) { document.querySelectorAll('table.table-auto tbody tr')[i].querySelectorAll('a')[k].click(); return true; },
  shown() {
    const img = document.querySelector('#app img[src^="data:image/png"]');
    if (img) return img.complete && img.naturalWidth > 0 ? 'img ' + img.naturalWidth : null;
    const f = document.querySelector('#app iframe[src^="data:text/html"]');
    return f ? 'html' : null;
  },
  description() {
    // the heading is upper-cased by CSS: compare the text content, not the rendered text
    const h = [...document.querySelectorAll('#app li')].find(x => x.textContent.trim() === 'Description');
    return h && h.nextElementSibling ? h.nextElementSibling.textContent : null;
  },
};
true
"""


@pytest.mark.workflow
def test_report_in_headless_chromium(tiny_report, chromium, tmp_path_factory):
    sys.path.insert(0, str(TESTS / "browser"))
    import cdp

    wd = tiny_report
    artifacts = tmp_path_factory.getbasetemp() / "report_browser"
    artifacts.mkdir(exist_ok=True)
    proc, page = cdp.launch(chromium, tmp_path_factory.mktemp("chromium_profile"))
    try:
        page.call("Runtime.enable")
        page.call("Log.enable")
        page.call("Page.enable")
        page.call("Page.navigate", url=(wd / "report.html").as_uri())
        page.wait_for("document.readyState === 'complete' && document.querySelector('#app').children.length > 0")
        page.wait_for("document.querySelector('#loading-screen').style.display === 'none'")
        page.evaluate(_JS)
        front = page.evaluate("document.querySelector('#app').innerText")
        assert "Headline numbers" in front and "Provenance" in front
        page.screenshot(artifacts / "front_page.png")

        summary = json.loads((wd / "results/summary.json").read_text())
        assert summary["provenance"]["config_sha256"] in front

        listed = {}
        categories = page.evaluate("__t.menuCategories()")
        assert len(categories) == 5, categories
        for cat in categories:
            page.evaluate("app.setView({navbarMode: 'menu'})")  # back to the menu, as the home button does
            page.wait_for(f"__t.click({json.dumps(cat)})")
            # a category with one subcategory opens its list; otherwise the subcategories are listed
            subcats = page.wait_for("__t.rows() ? ['(single)'] : [...document.querySelectorAll('#app a')]"
                                    ".map(x => x.innerText.trim()).filter(t => t.startsWith('MOPITT') || "
                                    "t.startsWith('synthetic'))")
            for sub in subcats:
                if sub != "(single)":
                    page.evaluate(f"app.setView({{navbarMode: 'category', category: {json.dumps(cat)}}})")
                    page.wait_for(f"__t.click({json.dumps(sub)})")
                rows = page.wait_for("__t.rows()")
                for i, name in enumerate(rows):
                    page.evaluate(f"__t.rowButton({i}, 0)")  # the eye: show it
                    kind = page.wait_for("__t.shown()", timeout=30)
                    page.evaluate(f"__t.rowButton({i}, 1)")  # the info button: its caption
                    caption = page.wait_for("__t.description()", timeout=30)
                    listed[name] = (kind, caption)
                    back = {"navbarMode": "subcategory", "category": cat,
                            "subcategory": sub if sub != "(single)" else None}
                    page.evaluate(f"app.setView({json.dumps(back)})" if sub != "(single)"
                                  else f"app.showCategory({json.dumps(cat)})")
                    page.wait_for("__t.rows()")
        page.evaluate("app.setView({navbarMode: 'menu', content: 'rulegraph'})")
        errors = page.errors()
    finally:
        proc.terminate()
        proc.wait(30)

    assert sorted(listed) == sorted(_run_outputs(wd))  # the report lists each by its path in the run
    for name, (kind, caption) in listed.items():
        assert kind.startswith("img" if name.endswith(".png") else "html"), (name, kind)
        assert "How to read it" in caption, name
    assert not errors, errors
    png = (artifacts / "front_page.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20000
