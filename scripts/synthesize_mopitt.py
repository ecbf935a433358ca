"""Write one synthetic MOPITT L2 day file and its truth table (thin wrapper; science in satcol)."""

import datetime as dt

import pandas as pd

from satcol.core import ioutil, logutil
from satcol.synthetic import mopitt, mopitt_writer

log = logutil.setup(snakemake.log[0])  # noqa: F821
syn = snakemake.params.synthetic  # noqa: F821
day = dt.datetime.strptime(snakemake.wildcards.date, "%Y%m%d").date()  # noqa: F821
fields, truth_table = mopitt.simulate_day(day, syn)
mopitt_writer.write_mop02(snakemake.output.he5, fields, day, syn["product_version"])  # noqa: F821
ioutil.write_parquet(pd.DataFrame(truth_table), snakemake.output.truth)  # noqa: F821
log.info("%s: %d soundings written to %s", day, len(truth_table["index"]), snakemake.output.he5)  # noqa: F821
