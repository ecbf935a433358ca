"""Synthetic monthly in situ CO2 at the growth-rate stations over the GOSAT record (thin wrapper)."""

from satcol.core import ioutil, logutil
from satcol.synthetic import gosat_insitu
from satcol.validation import gosat_versions

log = logutil.setup(snakemake.log[0])  # noqa: F821
inp, out, params = snakemake.input, snakemake.output, snakemake.params  # noqa: F821
stations = gosat_versions.load_stations(inp.stations)
ins = params.insitu.get("insitu") or {}
months = list(params.months)
values = gosat_insitu.monthly_values(stations, f"{months[0]}-01", f"{months[-1]}-01",
                                     offset_ppm=float(ins.get("offset_ppm", 0.0)),
                                     noise_ppm=float(ins.get("noise_ppm", 0.0)), seed=int(ins.get("seed", 0)))
ioutil.write_csv(values[["station", "year", "month", "co2_ppm"]], out[0], sep="\t")
log.info("synthetic in situ CO2: %d monthly values at %d stations", len(values), len(stations))
