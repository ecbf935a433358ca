"""The S23 validation tables of a GOSAT species: before, after in sample, after leave-one-site-out (thin wrapper)."""

import pandas as pd

from satcol.core import ioutil, logutil, provenance
from satcol.instruments.gosat import mlr as gosat_mlr
from satcol.pipeline import gosat as workflow

log = logutil.setup(snakemake.log[0])  # noqa: F821
inp, out, w, params = snakemake.input, snakemake.output, snakemake.wildcards, snakemake.params  # noqa: F821
spec = gosat_mlr.load_terms(inp.terms)[w.species]
fits = workflow.fits_from_table(pd.read_csv(inp.coefficients))
wide = pd.read_parquet(inp.wide)
# the MLR's training match-ups when they are against another TCCON version (mlr_tccon_variant)
train = None if inp.train == inp.wide else pd.read_parquet(inp.train)
tables = workflow.validation(wide, pd.read_parquet(inp.strict), fits, spec, w.species,
                             int(params.min_matchups["min_matchups"]),
                             int(params.min_matchups["mlr_min_matchups"]), m_train=train)
names = ("table6", "table7", "sites", "summary", "loso", "loso_sites")
for name in names:
    ioutil.write_csv(tables[name], out[name])
ioutil.write_json({"species": w.species, "tables": [str(out[n]) for n in names],
                   "provenance": provenance.provenance(dict(params.min_matchups), inputs=[inp.coefficients, inp.terms],
                                                       upstream=[provenance.recorded_config_hash(p)
                                                                 for p in dict.fromkeys((inp.wide, inp.strict,
                                                                                         inp.train, inp.fit))])},
                  out.provenance)
# the ±2° match-ups with delta_corr and delta_loso (added by the validation) for the figures
workflow.write_matchups(wide, out.matchups, provenance.provenance(dict(params.min_matchups), inputs=[inp.coefficients]))
log.info("GOSAT %s validation summary:\n%s", w.species, tables["summary"].to_string())
