"""Generic names inside, species names outside (issue 20 item 2; docs/instruments.md).

The canonical table spells no gas; the export's one table gives each species its names; a table
written before the rename is refused with the rerun named, not read under the wrong name.

Checked to fail: with ``old_column_name`` mapping ``xgas_error`` to ``xco_error`` (the TCCON
spelling) the first test reports the missing column, not the rename; with MOPITT's species
declaring ``export_name="xgas"`` the export-name test fails.
"""

import re

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from satcol import instruments
from satcol.core import store
from satcol.core.errors import BadInputError
from satcol.export.names import EXPORT_NAMES, export_names
from satcol.instruments.base import CORE_COLUMNS, CORE_PROFILES

GAS = re.compile(r"(^|_)x?(co|co2|ch4)(_|$)")


def test_a_table_with_the_old_names_is_refused_with_the_rerun(tmp_path):
    path = tmp_path / "soundings.parquet"
    pq.write_table(pa.table({"sounding_id": np.arange(3), "xco": np.ones(3), "xco_err": np.ones(3),
                             "xco_err_smoothing": np.ones(3)}), path)
    with pytest.raises(BadInputError) as err:
        store.read_soundings(path, columns=["sounding_id", "xgas", "xgas_error_smoothing"])
    msg = str(err.value)
    assert str(path) in msg and "xco is now xgas" in msg and "xco_err_smoothing is now xgas_error_smoothing" in msg
    assert "--forcerun ingest" in msg and err.value.reason == "old_column_names"
    with pytest.raises(BadInputError, match="no column dof") as err:
        store.read_soundings(path, columns=["dof"])
    assert err.value.reason == "missing_column"
    assert list(store.read_soundings(path, columns=["xco"]).columns) == ["xco"]  # what is there reads


def test_old_names_follow_the_rename_table():
    # docs/instruments.md, "Generic names inside, species names outside"
    assert {n: store.old_column_name(n) for n in ("xgas", "xgas_error", "xgas_error_measurement", "xgas_prior",
                                                  "xgas_corrected", "xgas_profile_at_psurf", "psurf")} == {
        "xgas": "xco", "xgas_error": "xco_err", "xgas_error_measurement": "xco_err_measurement",
        "xgas_prior": "xco_prior", "xgas_corrected": "xco_corrected",
        "xgas_profile_at_psurf": "xco_profile_at_psurf", "psurf": None}


def test_the_canonical_table_spells_no_gas():
    assert {"xgas", "xgas_error", "xgas_prior"} <= set(CORE_COLUMNS)
    assert not [c for c in (*CORE_COLUMNS, *CORE_PROFILES) if GAS.search(c)]
    for name in ("mopitt", "gosat"):
        inst = instruments.get(name)
        assert not [c for c in inst.columns if GAS.search(c)], name
        assert all(sp.column == "xgas" for sp in inst.species)


def test_each_species_gets_its_export_names_from_the_one_table():
    co = export_names(instruments.get("mopitt").primary_species)
    co2, ch4 = (export_names(sp) for sp in instruments.get("gosat").species)
    assert (co["xgas"], co2["xgas"], ch4["xgas"]) == ("xco", "xco2", "xch4")
    assert co["xgas_error_total"] == "xco_error_total" and co2["xgas_error"] == "xco2_error"
    assert co["retrieved_gas_log10_vmr_corrected"] == "retrieved_co_log10_vmr_corrected"
    assert ch4["prior_gas_vmr"] == "prior_ch4_vmr"
    assert set(co) == set(EXPORT_NAMES) and all(GAS.search(v) for v in co.values())
