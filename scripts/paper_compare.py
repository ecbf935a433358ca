"""Write results/tables/paper_vs_run.csv: the papers' headline numbers beside this run's (thin wrapper)."""

import json

import pandas as pd

from satcol.core import ioutil, logutil, provenance
from satcol.osse import paper_compare

log = logutil.setup(snakemake.log[0])  # noqa: F821
inp, out = snakemake.input, snakemake.output  # noqa: F821


def read_days(path):
    try:
        return pd.read_csv(path)
    except pd.errors.EmptyDataError:  # no colocated day in the run
        return pd.DataFrame()


with open(inp.summary) as f:
    summary = json.load(f)
with open(inp.validation) as f:
    validation = json.load(f)
frames = [pd.read_parquet(p) for p in inp.soundings]
frames = [f[[c for c in ("method_0_standard_y", "xgas_profile_at_psurf") if c in f.columns]] for f in frames if len(f)]
soundings = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
run = paper_compare.RunOutputs(summary, validation, read_days(inp.days), soundings,
                              paper_compare.read_gosat_outputs(inp.gosat))
table = paper_compare.build_table(paper_compare.load_published(inp.published), run)
ioutil.write_csv(table, out.table)
# The CSV's provenance: its inputs' checksums and the run's config hash (recorded in the summary).
ioutil.write_json({"provenance": provenance.provenance(
    {}, inputs=[inp.summary, inp.validation, inp.days, inp.published, *inp.soundings, *inp.gosat],
    upstream=[provenance.recorded_config_hash(summary),
              *(provenance.recorded_config_hash(p) for p in inp.gosat if p.endswith(".parquet"))]),
    "table": table.to_dict("records")}, out.record)
log.info("paper vs run: %d published numbers, %d compared", len(table), int((table["status"] == "compared").sum()))
