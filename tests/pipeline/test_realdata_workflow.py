"""The whole workflow on the real samples with config/examples/real_sample.yaml (issue 18 item 4):
every sounding of the real MOPITT day is accounted for, the prefilter bits equal counts computed
from the raw datasets, the TCCON file is skipped with its reason (no overlap in time, or a layout
or site this checkout does not read), and the export passes the CF 1.8 checker with no errors.

Skips where the real files are absent. The example's input globs are relative to the repository
root (../shared/realdata); this test runs in a scratch directory and points them at the real
files' directory instead."""

import json

import h5py
import numpy as np
import pytest
import yaml
from helpers import REAL_MOPITT, REAL_TCCON, REPO, realdata, snakemake

pytestmark = pytest.mark.workflow

D = "HDFEOS/SWATHS/MOP02/Data Fields/"


def test_real_sample_run_accounts_for_every_sounding(tmp_path):
    from test_export import cf_errors

    mop = realdata(REAL_MOPITT)
    realdata(REAL_TCCON)
    cfg = yaml.safe_load((REPO / "config/examples/real_sample.yaml").read_text())
    assert cfg["synthetic"]["enabled"] is False and cfg["instruments"]["mopitt"]["filters"]["mode"] == "table"
    assert cfg["on_bad_input"] == "skip"
    cfg["input"] = {"tccon": str(mop.parent / "*.public.qc.nc")}
    cfg["instruments"]["mopitt"]["input"] = str(mop.parent / "MOP02J-*.he5")
    snakemake(tmp_path, config=cfg, timeout=1500)

    summary = json.loads((tmp_path / "results/summary.json").read_text())
    q = summary["qc"]["soundings"]
    assert summary["soundings"]["total"] == q["total"] == 2439
    assert q["kept"] + q["flagged"] == 2439
    with h5py.File(mop, "r") as f:
        sza = f[D + "SolarZenithAngle"][()]
        snow = f[D + "MODISCloudDiagnostics"][:, 6]
    counts = summary["qc"]["counts_per_bit"]
    assert counts["night"] == int((sza >= 80).sum()) == 1328
    assert counts["snow_ice"] == int(((snow != -9999) & (snow < 0.999)).sum())
    # The TCCON day (2023) cannot overlap the MOPITT day (2021): skipped with a reason.
    skipped = {s["file"]: s["reason"] for s in summary["skipped"]["files"]}
    tccon = [r for f, r in skipped.items() if f.endswith(REAL_TCCON)]
    if tccon:
        assert tccon[0] in ("unsupported_format", "no_overlap", "unknown_site")
    else:
        assert not summary["tccon"]["colocation_counts"]  # read, but nothing colocated
    exp = tmp_path / "results/mopitt/export/2021-09"
    for name in ("mopitt_xco_soundings_2021-09.nc", "mopitt_xco_superobs_2021-09.nc"):
        assert cf_errors(exp / name, "cf:1.8") == [], name
    import xarray as xr

    with xr.open_dataset(exp / "mopitt_xco_soundings_2021-09.nc") as ds:
        assert ds.sizes["sounding"] == 2439
        assert int(np.count_nonzero(ds["qc"].values)) == q["flagged"]
