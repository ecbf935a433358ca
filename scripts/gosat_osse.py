"""GOSAT OSSE rows: recovered error model and corrected biases against synthetic.gosat.truth (thin wrapper)."""

import pandas as pd

from satcol.core import ioutil, logutil, provenance
from satcol.instruments.gosat import mlr as gosat_mlr
from satcol.pipeline import gosat as workflow

log = logutil.setup(snakemake.log[0])  # noqa: F821
inp, out, params = snakemake.input, snakemake.output, snakemake.params  # noqa: F821
truth_cfg = params.truth["truth"]
terms = gosat_mlr.load_terms(inp.terms)
truth_table = workflow.read_truth(inp.synthetic)
rows = []
for species, wide, corrected, coef in zip(params.species, inp.wide, inp.corrected, inp.coefficients, strict=True):
    rows.append(workflow.osse_rows(pd.read_parquet(corrected), pd.read_parquet(wide), truth_table, truth_cfg,
                                   terms[species], species, float(params.osse["k_se"]), pd.read_csv(coef)))
table = pd.concat(rows, ignore_index=True)
ioutil.write_csv(table, out.table)
ioutil.write_json({"provenance": provenance.provenance(
    {"truth": params.truth, "osse": params.osse}, inputs=[inp.terms],
    upstream=[provenance.recorded_config_hash(p) for p in (*inp.wide, *inp.corrected)])}, out.provenance)
log.info("GOSAT OSSE: %d of %d scored rows within tolerance\n%s", int(table.loc[table["scored"], "ok"].sum()),
         int(table["scored"].sum()), table.to_string())
