"""Apply the fitted MLR correction to every GOSAT sounding of a species (thin wrapper)."""

import pandas as pd

from satcol.core import logutil, provenance
from satcol.instruments.gosat import mlr as gosat_mlr
from satcol.pipeline import gosat as workflow

log = logutil.setup(snakemake.log[0])  # noqa: F821
inp, out, w = snakemake.input, snakemake.output, snakemake.wildcards  # noqa: F821
table = workflow.load_record(inp.tables, inp.reports, inp.qc)
fits = workflow.fits_from_table(pd.read_csv(inp.coefficients))
spec = gosat_mlr.load_terms(inp.terms)[w.species]
corr = workflow.correct_record(table, fits, spec, w.species)
prov = provenance.provenance({"species": w.species}, inputs=[inp.coefficients, inp.terms],
                             upstream=[provenance.recorded_config_hash(p) for p in (inp.qc, inp.fit)])
workflow._write_parquet(corr, out[0], prov, {"satcol_species": w.species})
log.info("GOSAT %s corrected: %d soundings (%d kept), correction applied: %s", w.species, len(corr),
         int((corr["qc"] == 0).sum()), spec["correct"])
