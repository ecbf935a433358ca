"""Per-sounding CF netCDF of one month for assimilation (thin wrapper)."""

import json

import pandas as pd

from satcol import export, logutil, provenance, store
from satcol.summary import write_json

log = logutil.setup(snakemake.log[0])  # noqa: F821
inp, out, config = snakemake.input, snakemake.output, snakemake.config  # noqa: F821
ym = snakemake.wildcards.ym  # noqa: F821
table = store.read_soundings(inp.table, columns=export.SOUNDING_COLUMNS)
corrected = pd.read_parquet(inp.corrected)
with open(inp.validation) as f:
    scale = export.global_scale(json.load(f), config["export"])
with open(inp.store_report) as f:
    source_files = [r["file"] for r in json.load(f)["files"]]
prov = provenance.provenance(config, inputs=[inp.table, inp.profiles, inp.corrected, inp.validation, inp.correlation])
counts = export.write_month_soundings(table, corrected, inp.profiles, scale, export.load_models(inp.correlation), prov,
                                      source_files, ym, out.netcdf, config["export"]["compression_level"])
report = {"month": ym, **counts, "global_scale": scale}
write_json(report, out.report)
log.info("%s", report)
