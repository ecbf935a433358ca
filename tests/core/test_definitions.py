"""The one definitions in satcol.core (issue 20 item 4): the site-table reader, the store-order
check and the fail/skip policy."""

import datetime as dt
import logging

import pandas as pd
import pytest
from helpers import REPO

from satcol.core.errors import BadInputError, handle_bad_input
from satcol.core.sites import read_site_table
from satcol.core.store import check_store_order

SITES = REPO / "config/tccon_sites.tsv"


def test_site_table_reader_reads_the_repository_table():
    sites = read_site_table(SITES)
    # H19 Table 1: Park Falls (pa) at 45.945 N, 90.273 W; its public data period in the table starts 2004-06-01
    pa = sites.set_index("id").loc["pa"]
    assert pa["lat"] == pytest.approx(45.945, abs=1e-3)
    assert pa["lon"] == pytest.approx(-90.273, abs=1e-3)
    assert pa["start"] == dt.date(2004, 6, 1)
    assert list(read_site_table(SITES, ids=["pa", "lh"])["id"]) == [i for i in sites["id"] if i in ("pa", "lh")]


def test_site_table_without_a_box_column_names_the_file_and_the_column(tmp_path):
    bad = tmp_path / "sites.tsv"
    read = pd.read_csv(SITES, sep="\t", comment="#", dtype={"id": str})
    read.drop(columns=["box_lon_max"]).to_csv(bad, sep="\t", index=False)
    with pytest.raises(BadInputError, match="box_lon_max") as e:
        read_site_table(bad)
    assert e.value.path == str(bad) and e.value.dataset == "box_lon_max"


def test_store_order_check():
    t = pd.DataFrame({"sounding_id": [1, 2, 3]})
    check_store_order(t, t.copy(), "x")
    with pytest.raises(RuntimeError, match="export 2010-01.*store order"):
        check_store_order(t, t.iloc[[0, 2, 1]], "export 2010-01")
    with pytest.raises(RuntimeError):
        check_store_order(t, t.iloc[:2], "export 2010-01")


def test_fail_skip_policy(caplog):
    err = BadInputError("/x/f.he5", "missing_dataset", "no RetrievedCOTotalColumn", dataset="RetrievedCOTotalColumn")
    skipped = []
    with pytest.raises(BadInputError):
        handle_bad_input(err, "fail", skipped)
    assert skipped == []
    with caplog.at_level(logging.WARNING):
        handle_bad_input(err, "skip", skipped, logging.getLogger("t"))
    assert skipped == [{"file": "/x/f.he5", "reason": "missing_dataset", "dataset": "RetrievedCOTotalColumn",
                        "message": "no RetrievedCOTotalColumn"}]
    assert "f.he5" in caplog.text
