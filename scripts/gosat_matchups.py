"""GOSAT-TCCON match-ups at the wide and strict boxes (thin wrapper)."""

from pathlib import Path

from satcol.core import logutil, provenance
from satcol.pipeline import gosat as workflow
from satcol.synthetic import tccon

log = logutil.setup(snakemake.log[0])  # noqa: F821
inp, out, w, params = snakemake.input, snakemake.output, snakemake.wildcards, snakemake.params  # noqa: F821
table = workflow.load_record(inp.tables, inp.reports, inp.qc)
tccon_files = sorted(str(p) for p in Path(inp.tccon).glob("*.nc"))
m = workflow.matchups(table, w.species, tccon_files, tccon.read_site_table(inp.sites_table), params.validation)
prov = provenance.provenance(dict(params.validation), inputs=[*tccon_files, inp.sites_table],
                             upstream=[provenance.recorded_config_hash(inp.qc)])
for label in [k for k in ("wide", "strict") if k in out.keys()]:  # the training rule writes the wide ones
    workflow._write_parquet(m[label], out[label], prov, {"satcol_species": w.species})
    log.info("GOSAT %s %s match-ups: %d at %d sites", w.species, label, len(m[label]), m[label]["site"].nunique())
