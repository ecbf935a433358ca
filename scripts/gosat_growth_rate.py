"""S23 Sect. 4.4: growth rates of corrected GOSAT XCO2 against in situ CO2 (thin wrapper)."""

import pandas as pd

from satcol.core import ioutil, logutil, provenance
from satcol.pipeline import gosat as workflow
from satcol.validation import gosat_versions

log = logutil.setup(snakemake.log[0])  # noqa: F821
inp, out, params = snakemake.input, snakemake.output, snakemake.params  # noqa: F821
res = workflow.growth_rate(pd.read_parquet(inp.corrected), inp.stations,
                           gosat_versions.read_insitu_monthly(inp.insitu), dict(params.growth_rate))
ioutil.write_csv(res["surfaces"].assign(species="xco2"), out.surfaces)
ioutil.write_csv(res["stations"].assign(species="xco2"), out.stations)
ioutil.write_json({"provenance": provenance.provenance(dict(params.growth_rate), inputs=[inp.stations, inp.insitu],
                                                       upstream=[provenance.recorded_config_hash(inp.corrected)])},
                  out.provenance)
log.info("GOSAT XCO2 growth-rate check (ppm/decade):\n%s", res["surfaces"].to_string())
