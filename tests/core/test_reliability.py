"""Interrupted runs and reproducibility (issue #6).

A small synthetic record (two months) runs three times: uninterrupted with --cores 2 (the
reference), uninterrupted with --cores 1, and killed midway (SIGKILL to the whole process group,
as a cluster's time limit would) then restarted. Same inputs and config must give the same
bytes in every output, whatever the number of cores; the restarted run must not recompute what
had finished and must not take a partial output for complete.
"""

import base64
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
import yaml
from helpers import REPO, SNAKEMAKE, TINY, snakemake

pytestmark = pytest.mark.workflow

SMALL = {"synthetic": {**TINY["synthetic"], "start": "2009-06-01", "end": "2009-07-31"},
         "instruments": TINY["instruments"]}
SKIP = {"logs", "benchmarks"}  # per-job logs and timings: what happened, not what was computed


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    wd = tmp_path_factory.mktemp("reference")
    snakemake(wd, config=SMALL, cores=2)
    return wd


def _describe(pa: Path, pb: Path) -> str:
    """Where two files of the same name differ, for the failure message."""
    if pa.suffix == ".parquet":
        a, b = pd.read_parquet(pa), pd.read_parquet(pb)
        return "same table, different bytes" if a.equals(b) else "different table contents"
    if pa.suffix == ".nc":
        with xr.open_dataset(pa, decode_times=False) as da, xr.open_dataset(pb, decode_times=False) as db:
            bad = [n for n in da.variables if n not in db.variables or not np.array_equal(
                da[n].values, db[n].values, equal_nan=da[n].dtype.kind == "f")]
            attrs = [k for k in da.attrs if da.attrs[k] != db.attrs.get(k)]
            return f"variables differ: {bad}; attributes differ: {attrs}"
    if pa.suffix == ".json":
        a, b = json.loads(pa.read_text()), json.loads(pb.read_text())
        return f"keys differ: {[k for k in a if a[k] != b.get(k)]}"
    return "bytes differ"


def assert_same_results(a: Path, b: Path):
    """Every output under results/ (tables, JSON, netCDF, figures, synthetic inputs) has the same
    bytes in both runs."""
    files = sorted(p.relative_to(a) for p in (a / "results").rglob("*") if p.is_file()
                   and not SKIP & set(p.relative_to(a).parts))
    assert len(files) > 50, "no results to compare"
    missing = [str(f) for f in files if not (b / f).is_file()]
    assert missing == []
    different = [(str(f), _describe(a / f, b / f)) for f in files if (a / f).read_bytes() != (b / f).read_bytes()]
    assert different == []


def test_same_results_with_one_or_two_cores(reference, tmp_path):
    snakemake(tmp_path, config=SMALL, cores=1, timeout=1800)
    assert_same_results(reference, tmp_path)


def _incomplete_outputs(wd: Path) -> set[str]:
    marks = wd / ".snakemake/incomplete"
    out = set()
    for m in marks.rglob("*") if marks.is_dir() else []:
        if m.is_file():
            try:
                out.add(base64.b64decode(m.name.encode()).decode())
            except ValueError:
                pass
    return out


def test_killed_run_resumes_without_recomputing_and_without_partial_outputs(reference, tmp_path):
    cfile = tmp_path / "test_config.yaml"
    cfile.write_text(yaml.safe_dump(SMALL))
    cmd = SNAKEMAKE + ["-s", str(REPO / "Snakefile"), "--directory", str(tmp_path), "--cores", "1", "-q",
                       "--configfile", str(cfile)]
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, start_new_session=True)
    first_month = tmp_path / "results/mopitt/store/2009-06/report.json"
    deadline = time.time() + 900
    while not first_month.exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.2)
    time.sleep(3.0)  # let the next jobs start, so that the kill lands in the middle of something
    assert proc.poll() is None, "the run finished before it could be interrupted"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    killed_at = time.time()

    incomplete = _incomplete_outputs(tmp_path)
    done = {p: p.stat().st_mtime_ns for p in (tmp_path / "results").rglob("*") if p.is_file()
            and str(p.relative_to(tmp_path)) not in incomplete and "logs" not in p.parts
            and "benchmarks" not in p.parts and ".part-" not in p.name and not p.name.endswith(".part")}
    assert any("mopitt/store/2009-06" in str(p) for p in done)

    # A killed Snakemake leaves its lock; the documented way back is --unlock, then the same call.
    snakemake(tmp_path, "--unlock", config=SMALL, cores=2)
    snakemake(tmp_path, config=SMALL, cores=2, timeout=1800)
    # Finished outputs were not recomputed (same file, same modification time) ...
    changed = [str(p) for p, t in done.items() if p.exists() and p.stat().st_mtime_ns != t]
    assert changed == []
    # ... what was being written when the run died was redone, and no temporary file is left.
    for rel in incomplete:
        p = tmp_path / rel
        assert not p.exists() or p.stat().st_mtime > killed_at, rel
    assert not list((tmp_path / "results").rglob("*.part-*")) and not list((tmp_path / "results").rglob("*.part"))
    # The resumed run gives what an uninterrupted run gives.
    assert_same_results(reference, tmp_path)


def test_job_allocator_tunables_default_and_user_value_kept():
    """The workflow gives its jobs glibc's heap reuse unless the user set GLIBC_TUNABLES."""
    from satcol.core import ioutil

    env = {}
    assert ioutil.set_job_allocator(env)
    assert env["GLIBC_TUNABLES"] == ioutil.MALLOC_TUNABLES
    assert "glibc.malloc.mmap_max=0" in env["GLIBC_TUNABLES"].split(":")
    mine = {"GLIBC_TUNABLES": "glibc.malloc.arena_max=2"}
    assert not ioutil.set_job_allocator(mine)
    assert mine == {"GLIBC_TUNABLES": "glibc.malloc.arena_max=2"}
