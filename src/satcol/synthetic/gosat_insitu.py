"""Synthetic monthly in situ CO2 at the stations of the GOSAT growth-rate check.

The values are the synthetic GOSAT record's truth XCO2 (:func:`satcol.synthetic.gosat.truth_xco2_ppm`)
at the station's latitude, averaged over the days of each month (noon UTC samples), plus a constant
offset per record (a surface mole fraction is not a column average; only trends are compared,
S23 Sect. 4.4) and white noise. The trend of a station's values is therefore the truth's
(2.3 ppm per year), so that the trend of GOSAT − in situ recovers the drift injected into GOSAT.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from satcol.synthetic.calendar import months, parse_date
from satcol.synthetic.gosat import truth_xco2_ppm
from satcol.validation.gosat_versions import month_mid_time


def monthly_values(stations: pd.DataFrame, start, end, offset_ppm: float = 0.0, noise_ppm: float = 0.0,
                   seed: int = 0) -> pd.DataFrame:
    """Monthly in situ CO2 of ``stations`` from ``start`` to ``end`` (months inclusive).

    Parameters
    ----------
    stations : DataFrame
        ``id``, ``lat`` (deg) (:func:`satcol.validation.gosat_versions.load_stations`).
    start, end : date or ISO string
    offset_ppm : float
        Constant added to every value (surface minus column), ppm.
    noise_ppm : float
        Standard deviation of the white noise on each monthly value, ppm.
    seed : int

    Returns
    -------
    DataFrame
        ``station``, ``year``, ``month``, ``co2_ppm``, ``time`` (middle of the month, POSIX s):
        the table :func:`satcol.validation.gosat_versions.read_insitu_monthly` reads.
    """
    ym = np.array([[int(v) for v in s.split("-")] for s in months(parse_date(start), parse_date(end))])
    year, month = ym[:, 0], ym[:, 1]
    first = ((year - 1970) * 12 + month - 1).astype("datetime64[M]").astype("datetime64[D]")
    ndays = (((year - 1970) * 12 + month).astype("datetime64[M]").astype("datetime64[D]") - first).astype(int)
    day = np.arange(31)
    valid = day[None, :] < ndays[:, None]  # (months, 31)
    t = ((first.astype(np.int64)[:, None] + day[None, :]) * 86400.0 + 43200.0)  # noon UTC
    rng = np.random.default_rng([int(seed), 77])
    lat = stations["lat"].to_numpy(np.float64)
    x = truth_xco2_ppm(np.broadcast_to(lat[:, None, None], (lat.size,) + t.shape),
                       np.broadcast_to(t[None], (lat.size,) + t.shape))
    mean = np.where(valid[None], x, 0.0).sum(axis=2) / ndays[None, :]
    mean = mean + float(offset_ppm) + float(noise_ppm) * rng.standard_normal(mean.shape)
    return pd.DataFrame({"station": np.repeat(stations["id"].to_numpy(), year.size),
                         "year": np.tile(year, lat.size), "month": np.tile(month, lat.size),
                         "co2_ppm": mean.ravel(), "time": np.tile(month_mid_time(year, month), lat.size)})
