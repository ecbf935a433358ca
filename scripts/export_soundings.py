"""Per-sounding CF netCDF of one month for assimilation (thin wrapper)."""

import json

import h5netcdf
import pandas as pd

from satcol import export, logutil, provenance, store
from satcol.summary import write_json

log = logutil.setup(snakemake.log[0])  # noqa: F821
inp, out, config = snakemake.input, snakemake.output, snakemake.config  # noqa: F821
ym = snakemake.wildcards.ym  # noqa: F821
table = store.read_soundings(inp.table, columns=export.SOUNDING_COLUMNS)
corrected = pd.read_parquet(inp.corrected)
with h5netcdf.File(inp.profiles, "r") as f:
    profiles = {k: f[k][...] for k in ("retrieved_vmr", "prior_vmr", "averaging_kernel", "column_averaging_kernel")}
with open(inp.validation) as f:
    scale = export.global_scale(json.load(f), config["export"])
with open(inp.store_report) as f:
    source_files = [r["file"] for r in json.load(f)["files"]]
prov = provenance.provenance(config, inputs=[inp.table, inp.profiles, inp.corrected, inp.validation, inp.correlation])
ds = export.sounding_dataset(table, corrected, profiles, scale, export.load_models(inp.correlation), prov,
                             source_files, ym)
export.write_netcdf(ds, out.netcdf, config["export"]["compression_level"])
report = {"month": ym, "n_soundings": ds.attrs["n_soundings"], "n_kept": ds.attrs["n_kept"],
          "n_flagged": ds.attrs["n_flagged"], "global_scale": scale}
write_json(report, out.report)
log.info("%s", report)
