"""Reduce the monthly pair statistics and fit the error-correlation model (thin wrapper)."""

import pandas as pd

from satcol.core import ioutil, logutil, provenance
from satcol.pipeline.summary import write_json
from satcol.plots import figures as plots
from satcol.validation import error_correlation

log = logutil.setup(snakemake.log[0])  # noqa: F821
cfg = snakemake.params.error_correlation  # noqa: F821
binned = error_correlation.reduce_partials([pd.read_parquet(p) for p in snakemake.input], cfg["bin_km"])  # noqa: F821
models = error_correlation.fit_all(binned, cfg)
ioutil.write_csv(binned, snakemake.output.bins)  # noqa: F821
write_json({"models": {k: m.as_dict() for k, m in models.items()}, "config": cfg,
            "provenance": provenance.provenance({"export": {"error_correlation": cfg}},
                                                  inputs=list(snakemake.input))},  # noqa: F821
           snakemake.output.model)  # noqa: F821
plots.error_correlation(binned, models, snakemake.output.figure)  # noqa: F821
for name, m in models.items():
    log.info("%s: %s", name, m)
