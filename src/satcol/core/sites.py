"""The TCCON site table (``config/tccon_sites.tsv``, docs/formats-tccon.md): one reader for every
stage that needs it (colocation, the run plan, the downloads, the synthetic record)."""

from __future__ import annotations

import pandas as pd

from satcol.core.errors import BadInputError

#: Columns every use of the table needs: the site id, its location and its coincidence box (H19
#: Sect. 4.1), in degrees.
REQUIRED_COLUMNS = ("id", "lat", "lon", "box_lat_min", "box_lat_max", "box_lon_min", "box_lon_max")


def read_site_table(path, ids=None) -> pd.DataFrame:
    """The site table as a DataFrame, one row per site.

    Parameters
    ----------
    path : str or Path
        Tab-separated table, ``#`` comments; ``id`` is read as text.
    ids : iterable of str, optional
        Keep only these sites (in the table's order).

    Returns
    -------
    pandas.DataFrame
        The table's columns: ``id``, ``name``, ``lat`` (deg N), ``lon`` (deg E), altitude, the
        coincidence box ``box_lat_min`` ... ``box_lon_max`` (deg) and the data period ``start``,
        ``end`` as :class:`datetime.date` (when the table has them).

    Raises
    ------
    BadInputError
        A column of :data:`REQUIRED_COLUMNS` is missing (``reason="missing_column"``, the
        column named).
    """
    sites = pd.read_csv(path, sep="\t", comment="#", dtype={"id": str})
    missing = [c for c in REQUIRED_COLUMNS if c not in sites.columns]
    if missing:
        raise BadInputError(path, "missing_column", f"site table lacks column(s) {missing}", dataset=missing[0])
    for c in ("start", "end"):
        if c in sites.columns:
            sites[c] = pd.to_datetime(sites[c]).dt.date
    return sites[sites["id"].isin(list(ids))] if ids is not None else sites
