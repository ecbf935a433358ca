"""Preliminary pixel bias: reduce the monthly partial sums, fit (thin wrapper)."""

import pandas as pd

from satcol.core import logutil
from satcol.instruments.mopitt import qcchain

log = logutil.setup(snakemake.log[0])  # noqa: F821
partials = [pd.read_parquet(p) for p in snakemake.input]  # noqa: F821
res = qcchain.run_preliminary_pixel_bias(partials, {"pixel_bias": snakemake.params.pixel_bias},  # noqa: F821
                                           snakemake.params.origin)  # noqa: F821
qcchain.save_frames(snakemake.output[0], {"origin_s": snakemake.params.origin},  # noqa: F821
                    fits=res["fits"], year_offsets=res["year_offsets"], bins=res["diffs"])
log.info("preliminary pixel fits:\n%s", res["fits"].round(3).to_string())
