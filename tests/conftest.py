import datetime as dt
import sys
from pathlib import Path

import pandas as pd
import pytest
from helpers import small_config

from satcol.synthetic import mopitt, mopitt_writer

REPO = Path(__file__).resolve().parents[1]

# The tests live in one directory per package layer (tests/core, tests/validation, ...), and some
# import a helper of another layer's test module by its name (test_export.cf_errors,
# test_rerun.planned_jobs, test_instruments.make_toy): every test directory is on the path, so
# that this works whichever files a run selects (test module names are unique across them).
for _dir in sorted({p.parent for p in Path(__file__).parent.rglob("test_*.py")}):
    if str(_dir) not in sys.path:
        sys.path.append(str(_dir))


@pytest.fixture(scope="session")
def synthetic_day(tmp_path_factory):
    """One synthetic MOPITT day file (one orbit), its fields and truth table."""
    cfg = small_config()
    day = dt.date(2009, 7, 16)
    fields, truth = mopitt.simulate_day(day, cfg["synthetic"])
    d = tmp_path_factory.mktemp("syn")
    path = mopitt_writer.write_mop02(d / mopitt_writer.file_name(day, "19.9.3"), fields, day, "19.9.3")
    return {"path": path, "fields": fields, "truth": pd.DataFrame(truth), "config": cfg, "day": day}
