"""The S23 Sect. 4.5 regression of GOSAT - TCCON on the MLR terms (thin wrapper)."""

import pandas as pd

from satcol.core import ioutil, logutil, provenance
from satcol.instruments.gosat import mlr as gosat_mlr
from satcol.pipeline import gosat as workflow

log = logutil.setup(snakemake.log[0])  # noqa: F821
inp, out, w, params = snakemake.input, snakemake.output, snakemake.wildcards, snakemake.params  # noqa: F821
spec = gosat_mlr.load_terms(inp.terms)[w.species]
min_n = int(params.mlr["mlr_min_matchups"])
coef, status = workflow.fit(pd.read_parquet(inp.wide), spec, w.species, min_n)
ioutil.write_csv(coef, out.coefficients)
ioutil.write_json({"species": w.species, "terms": spec, "mlr_min_matchups": min_n, "surfaces": status,
                   "provenance": provenance.provenance({"species": w.species, **dict(params.mlr)}, inputs=[inp.terms],
                                                       upstream=[provenance.recorded_config_hash(inp.wide)])},
                  out.report)
for surface, st in status.items():
    if not st["fitted"]:
        log.warning("GOSAT %s MLR: %s NOT fitted, %d match-ups < mlr_min_matchups %d: its soundings stay "
                    "uncorrected and carry the QC bit mlr_not_fitted", w.species, surface, st["n_matchups"], min_n)
log.info("GOSAT %s MLR:\n%s", w.species, coef.to_string())
