"""Final pixel bias: 16 linear fits (surface x pixel x instrument period) (thin wrapper)."""

import pandas as pd

from satcol.core import ioutil, logutil
from satcol.instruments.mopitt import qcchain

log = logutil.setup(snakemake.log[0])  # noqa: F821
partials = [pd.read_parquet(p) for p in snakemake.input]  # noqa: F821
fits, bins = qcchain.run_final_pixel_bias(partials, {"pixel_bias": snakemake.params.pixel_bias,  # noqa: F821
                                                    "instrument_events": snakemake.params.instrument_events},  # noqa: F821
                                      snakemake.params.origin)  # noqa: F821
ioutil.write_csv(fits, snakemake.output.fits)  # noqa: F821
ioutil.write_csv(bins, snakemake.output.bins)  # noqa: F821
log.info("final pixel fits:\n%s", fits.round(3).to_string())
