"""S23 Sect. 4.2: the GOSAT XCO2 of two product versions compared by scan ID (thin wrapper)."""

from satcol.core import ioutil, logutil, provenance
from satcol.pipeline import gosat as workflow

log = logutil.setup(snakemake.log[0])  # noqa: F821
inp, out, params = snakemake.input, snakemake.output, snakemake.params  # noqa: F821
version = params.version["compare_version"]["version"]
table = workflow.load_record(inp.tables, inp.reports, inp.qc)
res = workflow.version_comparison(inp.old, version, table, inp.screening, "xco2")
stats = res["stats"].assign(old_version=version)
ioutil.write_csv(stats, out.stats)
ioutil.write_json({"provenance": provenance.provenance(dict(params.version), inputs=[inp.screening],
                                                       upstream=[provenance.recorded_config_hash(inp.qc)])},
                  out.provenance)
log.info("GOSAT XCO2 new - V%s (%d soundings paired):\n%s", version, len(res["pairs"]), stats.to_string())
