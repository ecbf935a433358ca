"""Assimilation export of one month: the per-sounding CF file, then the super-observations
from the kept soundings just written (thin wrapper)."""

import json

import xarray as xr

from satcol.core import logutil, provenance, store
from satcol.export import products as export
from satcol.pipeline.summary import write_json

log = logutil.setup(snakemake.log[0])  # noqa: F821
inp, out, params = snakemake.input, snakemake.output, snakemake.params  # noqa: F821
config = {"export": params.export, "sra": params.sra}
ym = snakemake.wildcards.ym  # noqa: F821
table = store.read_soundings(inp.table, columns=export.SOUNDING_COLUMNS)
corrected = store.read_soundings(inp.corrected)
with open(inp.validation) as f:
    scale = export.global_scale(json.load(f), config["export"])
with open(inp.store_report) as f:
    store_report = json.load(f)
source_files = [r["file"] for r in store_report["files"]]
# Provenance: the run's config (rules/common.smk, run_config), as the export depends on every section.
prov = provenance.with_store(params.run_config, store_report, inputs=[inp.corrected, inp.validation, inp.correlation],
                             upstream=[provenance.recorded_config_hash(p) for p in (inp.corrected, inp.correlation)])
models = export.load_models(inp.correlation)
counts, kept = export.write_month_soundings(table, corrected, inp.profiles, scale, models, prov, source_files, ym,
                                            out.soundings, config["export"]["compression_level"],
                                            profiles_of=config["export"]["profiles"])
write_json({"month": ym, **counts, "global_scale": scale}, out.soundings_report)
log.info("soundings: %s", counts)

so = export.superobs_from_soundings(kept, models, config, params.origin)
ds = export.superobs_dataset(so, scale, models, prov, config["export"]["superobs"], ym, counts["n_kept"])
export.write_netcdf(ds, out.superobs, config["export"]["compression_level"])
report = {"month": ym, "n_superobs": int(so["xgas"].size), "n_soundings_used": int(so["n_soundings"].sum()),
          "n_kept": counts["n_kept"],
          "median_n_effective_over_n": float(xr.DataArray(so["n_effective"] / so["n_soundings"]).median())
          if so["xgas"].size else None}
write_json(report, out.superobs_report)
log.info("super-observations: %s", report)
