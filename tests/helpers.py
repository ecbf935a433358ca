"""Shared test helpers."""

import os
import subprocess
import sys
from pathlib import Path

import yaml

from satcol.core.config import instrument_config, load_config

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = [sys.executable, "-m", "snakemake"]
#: The one-month workflow-test config. It has no TCCON colocation, so the export keeps the
#: original scale (a TCCON scale needs colocated days).
TINY = {"synthetic": {"start": "2009-07-01", "end": "2009-07-31", "days_per_month": 1, "orbits_per_day": 1},
        "instruments": {"mopitt": {"export": {"scale_to": "none"}}}}


def small_config(**synthetic):
    """The default config on a small synthetic record (two months, one day, one orbit), as the
    MOPITT chain's functions take it (satcol.core.config.instrument_config)."""
    syn = {"start": "2009-07-01", "end": "2009-08-31", "days_per_month": 1, "orbits_per_day": 1}
    syn.update(synthetic)
    return instrument_config(load_config(overrides={"synthetic": syn}))


def snakemake(workdir, *args, config=None, check=True, quiet=True, timeout=900, cores=2, env=None):
    """Run the workflow in ``workdir``. Targets and flags first: --configfile and -q take several
    values and would swallow what follows them."""
    cmd = SNAKEMAKE + list(args) + ["-s", str(REPO / "Snakefile"), "--directory", str(workdir), "--cores", str(cores)]
    cmd += ["-q"] if quiet else []
    if config is not None:
        cfile = Path(workdir) / "test_config.yaml"
        Path(workdir).mkdir(parents=True, exist_ok=True)
        cfile.write_text(yaml.safe_dump(config))
        cmd += ["--configfile", str(cfile)]
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), **(env or {})}
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    if check and r.returncode != 0:
        raise AssertionError(f"snakemake failed ({r.returncode}):\n{r.stdout[-3000:]}\n{r.stderr[-5000:]}")
    return r


#: The real instrument files (../shared/realdata/README.md): beside the checkout, or where
#: $SATCOL_REALDATA points. They are never copied into the repository.
REALDATA_DIRS = [Path(p) for p in (os.environ.get("SATCOL_REALDATA"),) if p] + [REPO.parent / "shared" / "realdata"]
REAL_MOPITT = "MOP02J-20210929-L2V19.9.3.beta.he5"
REAL_TCCON = "hw20230402_20230402.public.qc.nc"


def realdata(name):
    """Path of a real sample file; skips the calling test, with the places looked at, when the
    file is absent."""
    import pytest

    for d in REALDATA_DIRS:
        if (d / name).is_file():
            return d / name
    pytest.skip(f"real sample {name} not found in {', '.join(map(str, REALDATA_DIRS))} "
                "(set SATCOL_REALDATA to the directory of ../shared/realdata)")
