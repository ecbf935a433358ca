import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from helpers import small_config

from satcol.synthetic import mopitt, mopitt_writer

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def synthetic_day(tmp_path_factory):
    """One synthetic MOPITT day file (one orbit), its fields and truth table."""
    cfg = small_config()
    day = dt.date(2009, 7, 16)
    fields, truth = mopitt.simulate_day(day, cfg["synthetic"])
    d = tmp_path_factory.mktemp("syn")
    path = mopitt_writer.write_mop02(d / mopitt_writer.file_name(day, "19.9.3"), fields, day, "19.9.3")
    return {"path": path, "fields": fields, "truth": pd.DataFrame(truth), "config": cfg, "day": day}
