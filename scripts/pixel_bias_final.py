"""Final pixel bias: 16 linear fits (surface x pixel x instrument period) (thin wrapper)."""

import pandas as pd

from satcol import logutil, qcchain

log = logutil.setup(snakemake.log[0])  # noqa: F821
partials = [pd.read_parquet(p) for p in snakemake.input]  # noqa: F821
fits, bins = qcchain.run_final_pixel_bias(partials, snakemake.config, snakemake.params.origin)  # noqa: F821
fits.to_csv(snakemake.output.fits, index=False)  # noqa: F821
bins.to_csv(snakemake.output.bins, index=False)  # noqa: F821
log.info("final pixel fits:\n%s", fits.round(3).to_string())
