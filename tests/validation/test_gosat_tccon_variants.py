"""GGG2014 to train the GOSAT MLR, GGG2020 to validate it (S23 Sect. 4.5; issue 21 item 4), at
library level on a small synthetic record (12 days of 2014).

The synthetic GGG2014 files repeat the GGG2020 measurements (same times, same noise draws) plus
an injected version difference, here +0.8 ppm XCO2 and +6 ppb XCH4. So every GOSAT - TCCON
difference against GGG2014 is the GGG2020 one minus the offset, and the known answer is exact:
the MLR fitted on the GGG2014 match-ups has its intercepts 0.8 ppm lower and the same slopes; the
validation statistics before the correction are those against GGG2020 (the offset must not show
there); after the correction, in sample and leave-one-site-out, the GGG2014-trained product is
0.8 ppm above the GGG2020-trained one at every match-up.

Checked to fail (mutations run once, then reverted): the leave-one-site-out refits on the
validation match-ups instead of the training ones (``train`` ignored in add_corrected_deltas:
the LOSO difference is 0, not 0.8); the GGG2014 writer without the offset (the file and
intercept assertions). The workflow's wiring (the fit reads the training match-ups, the
validation the GGG2020 ones) is checked by a dry run in tests/pipeline/test_gosat_workflow.py.
"""

import numpy as np
import pytest
from helpers import REPO

from satcol.core.config import load_config
from satcol.instruments.gosat import mlr
from satcol.instruments.gosat import reader as gio
from satcol.instruments.gosat import screening as gs
from satcol.pipeline import gosat as gw
from satcol.synthetic import gosat as sg
from satcol.synthetic import tccon as syn_tccon
from satcol.validation import gosat as gv

GOSAT_CFG = REPO / "config/instruments/gosat"
OFFSET = {"xco2_ppm": 0.8, "xch4_ppb": 6.0}
SYN = {"start": "2014-01-01", "end": "2014-12-31", "ocean_fraction": 1.0, "ggg2014_minus_ggg2020": OFFSET,
       "truth": dict(sg.DEFAULTS["truth"], noise={"xco2_ppm": 0.3, "xch4_ppb": 2.0},
                     tccon_noise={"xco2_ppm": 0.1, "xch4_ppb": 0.5})}
DAYS = [f"2014-{m:02d}-{d:02d}" for m in range(1, 7) for d in (5, 20)]


@pytest.fixture(scope="module")
def rec(tmp_path_factory):
    out = tmp_path_factory.mktemp("gosat_variants")
    sites = syn_tccon.read_site_table(load_config()["tccon_sites"])
    files = gw.synthesize_month(out / "gosat", DAYS, SYN, sites)
    t20 = gw.synthesize_tccon(out / "ggg2020", DAYS, SYN, sites, "GGG2020")
    t14 = gw.synthesize_tccon(out / "ggg2014", DAYS, SYN, sites, "GGG2014")
    tabs = [gio.read_gosat(p)[0] for p in sorted(files) if "_02C01SV" in p.name]
    co2 = {k: np.concatenate([t[k] for t in tabs]) for k in tabs[0]}
    kept = gs.screen(co2, gs.load_screening(GOSAT_CFG / "screening_s23.yaml"), "03") == 0
    return {"sites": sites, "co2": co2, "kept": kept, "t20": t20, "t14": t14,
            "terms": mlr.load_terms(GOSAT_CFG / "mlr_terms.yaml")["xco2"]}


def test_ggg2014_files_are_the_ggg2020_measurements_plus_the_offset(rec):
    a, b = gv.load_tccon(rec["t20"], "GGG2020"), gv.load_tccon(rec["t14"], "GGG2014")
    assert sorted(a) == sorted(b) and len(a) >= 9
    for site in a:
        np.testing.assert_array_equal(a[site]["time"], b[site]["time"])
        np.testing.assert_allclose(b[site]["xco2"] - a[site]["xco2"], OFFSET["xco2_ppm"], atol=1e-4)  # float32 in the GGG2020 files
        np.testing.assert_allclose(b[site]["xch4"] - a[site]["xch4"], OFFSET["xch4_ppb"], atol=1e-3)
    with pytest.raises(Exception, match="GGG2014|ggg2014"):
        gv.load_tccon(rec["t14"], "GGG2020")  # one version per purpose, never mixed


def test_training_on_ggg2014_shows_the_offset_in_the_fit_not_in_the_validation(rec):
    co2, sites, terms = rec["co2"], rec["sites"], rec["terms"]
    m = {}
    for v, files in (("GGG2020", rec["t20"]), ("GGG2014", rec["t14"])):
        tccon = gv.load_tccon(files, v)
        for box in (2.0, 0.1):
            m[v, box] = gv.matchups(co2, "xco2", tccon, sites, box, rows=rec["kept"], tccon_variant=v)
    w20, w14 = m["GGG2020", 2.0], m["GGG2014", 2.0]
    assert len(w20) == len(w14) > 200 and np.array_equal(w20["scan_id"], w14["scan_id"])
    tables = {v: gw.fit(m[v, 2.0], terms, "xco2", 30)[0] for v in ("GGG2020", "GGG2014")}
    coef = {v: t.set_index(["surface", "term"])["coef"] for v, t in tables.items()}
    diff = coef["GGG2014"] - coef["GGG2020"]
    assert len(diff) >= 7  # land and ocean fitted
    for (surface, term), d in diff.items():
        assert d == pytest.approx(-OFFSET["xco2_ppm"] if term == "intercept" else 0.0, abs=1e-4), (surface, term)
    fits = {v: gw.fits_from_table(t) for v, t in tables.items()}
    # the validation on the GGG2020 match-ups: trained on GGG2020 (one version for both) or on
    # GGG2014 (m_train: the leave-one-site-out refits use the training match-ups)
    w_20, s_20 = m["GGG2020", 2.0].copy(), m["GGG2020", 0.1].copy()
    one = gw.validation(w_20, s_20, fits["GGG2020"], terms, "xco2", 10, 30)
    w_14, s_14 = m["GGG2020", 2.0].copy(), m["GGG2020", 0.1].copy()
    two = gw.validation(w_14, s_14, fits["GGG2014"], terms, "xco2", 10, 30, m_train=w14)
    t6a, t6b = (t["table6"].set_index(["stage", "surface", "gain"]).sort_index() for t in (one, two))
    np.testing.assert_allclose(t6b.loc["before", "bias"], t6a.loc["before", "bias"], atol=1e-12)  # no offset
    np.testing.assert_allclose(t6b.loc["after_in_sample", "bias"] - t6a.loc["after_in_sample", "bias"],
                               OFFSET["xco2_ppm"], atol=1e-4)
    for a, b in ((w_20, w_14), (s_20, s_14)):
        assert np.isfinite(a["delta_loso"]).all()
        np.testing.assert_allclose(b["delta_loso"] - a["delta_loso"], OFFSET["xco2_ppm"], atol=1e-4)
