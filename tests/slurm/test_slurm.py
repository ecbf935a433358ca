"""The SLURM profile against a real one-node SLURM cluster (issue #8).

``cluster.sh`` (beside this file) installs Debian's slurm-wlm and munge if needed, starts
munged, slurmctld and slurmd on this host and stops them by their pids afterwards. The tiny
workflow runs once locally (--cores 2) and once with ``--profile profiles/slurm``; the outputs
must be identical and every job must have gone through sbatch (SLURM's job-completion records).
Needs root (to install and start the daemons); elsewhere it is skipped with the reason.
"""

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from helpers import REPO, TINY, snakemake

HERE = Path(__file__).resolve().parent

pytestmark = [pytest.mark.workflow, pytest.mark.slurm]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if os.geteuid() != 0:
        pytest.skip("the one-node SLURM cluster needs root (to install slurm-wlm/munge and start the daemons)")
    state = tmp_path_factory.mktemp("slurm-state")
    # With CI's PATH, which has no sbin directory (where Debian puts the daemons).
    env = {**os.environ, "PATH": "/usr/local/bin:/usr/bin:/bin"}
    r = subprocess.run(["bash", str(HERE / "cluster.sh"), "start", str(state)], capture_output=True, text=True,
                       timeout=900, env=env)
    if r.returncode != 0:
        subprocess.run(["bash", str(HERE / "cluster.sh"), "stop", str(state)], capture_output=True, text=True)
        raise AssertionError(f"cluster.sh start failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
    try:
        yield state
    finally:
        subprocess.run(["bash", str(HERE / "cluster.sh"), "stop", str(state)], capture_output=True, text=True,
                       timeout=120)


def _numeric_equal(a: Path, b: Path):
    with xr.open_dataset(a) as da, xr.open_dataset(b) as db:
        assert set(da.variables) == set(db.variables)
        for name in da.variables:
            x, y = da[name].values, db[name].values
            if x.dtype.kind in "fc":
                np.testing.assert_array_equal(x, y, err_msg=name)
            else:
                assert np.array_equal(x, y), name


def test_slurm_run_equals_local_run(cluster, tmp_path):
    local, remote = tmp_path / "local", tmp_path / "slurm"
    snakemake(local, config=TINY)
    # No accounting database on the test cluster: job state comes from squeue (the cluster keeps
    # finished jobs for MinJobAge = 600 s); status checks start after 5 s instead of 40 s.
    snakemake(remote, "--profile", str(REPO / "profiles/slurm"), "--slurm-status-command", "squeue",
              "--slurm-init-seconds-before-status-checks", "5", "--slurm-keep-successful-logs", config=TINY,
              timeout=2400)

    # Every job went through sbatch: one completion record per submitted job, all COMPLETED.
    records = (cluster / "jobcomp.log").read_text().splitlines()
    logs = list((remote / ".snakemake/slurm_logs").rglob("*.log"))
    assert len(records) == len(logs) >= 10
    assert all("JobState=COMPLETED" in r for r in records)
    submitted = {p.relative_to(remote / ".snakemake/slurm_logs").parts[0] for p in logs}
    for rule in ("ingest", "sra", "tccon_validation", "export_month"):
        assert any(rule in d for d in submitted), (rule, submitted)

    # Identical results.
    for rel in ("results/mopitt/corrected/2009-07/soundings.parquet", "results/mopitt/sra/2009-07/sra.parquet"):
        assert pd.read_parquet(local / rel).equals(pd.read_parquet(remote / rel)), rel
    for rel in ("results/osse/recovery.csv", "results/mopitt/validation/days.csv", "results/mopitt/export/error_correlation_bins.csv"):
        assert (local / rel).read_text() == (remote / rel).read_text(), rel
    for rel in ("results/mopitt/export/2009-07/mopitt_xco_soundings_2009-07.nc",
                "results/mopitt/export/2009-07/mopitt_xco_superobs_2009-07.nc"):
        _numeric_equal(local / rel, remote / rel)
    sl, sr = (json.loads((d / "results/summary.json").read_text()) for d in (local, remote))
    for key in ("soundings", "qc", "export", "skipped"):
        assert sl[key] == sr[key], key
