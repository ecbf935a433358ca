"""The S23 Sect. 4.5 regression of GOSAT - TCCON on the MLR terms (thin wrapper)."""

import pandas as pd

from satcol import gosat_mlr, ioutil, logutil, provenance
from satcol.instruments.gosat import workflow

log = logutil.setup(snakemake.log[0])  # noqa: F821
inp, out, w = snakemake.input, snakemake.output, snakemake.wildcards  # noqa: F821
spec = gosat_mlr.load_terms(inp.terms)[w.species]
coef = workflow.fit(pd.read_parquet(inp.wide), spec, w.species)
ioutil.write_csv(coef, out.coefficients)
ioutil.write_json({"species": w.species, "terms": spec, "provenance": provenance.provenance(
    {"species": w.species}, inputs=[inp.terms], upstream=[provenance.recorded_config_hash(inp.wide)])}, out.report)
log.info("GOSAT %s MLR:\n%s", w.species, coef.to_string())
