"""Pair statistics of one month's SRA residuals for the error-correlation model (thin wrapper)."""

import pandas as pd

from satcol import export, ioutil, logutil, store

log = logutil.setup(snakemake.log[0])  # noqa: F821
table = store.read_soundings(snakemake.input.table, columns=export.PAIR_COLUMNS)  # noqa: F821
corrected = pd.read_parquet(snakemake.input.corrected)  # noqa: F821
partial = export.error_correlation_partial(table, corrected, snakemake.config)  # noqa: F821
ioutil.write_parquet(partial, snakemake.output[0])  # noqa: F821
log.info("%d pairs in %d separation bins", int(partial["n_pairs"].sum()), len(partial))
