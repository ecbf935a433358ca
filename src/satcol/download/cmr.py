"""MOPITT granules from NASA's Common Metadata Repository (CMR) granule search.

The search is satcol's own client (a configurable base URL, so the tests serve recorded
responses from 127.0.0.1); only the transfers need Earthdata credentials. The response layout
(``docs/download.md``) is CMR's ``umm_json`` granule format: ``items[].umm`` holds the UMM-G
record, whose ``RelatedUrls`` with ``Type: "GET DATA"`` give the HTTPS address of each file and
``DataGranule.ArchiveAndDistributionInformation`` its name, size and checksum
(``Checksum: {Value, Algorithm}``). Pages are chained with the ``CMR-Search-After`` header.
"""

from __future__ import annotations

import calendar
import logging
from pathlib import PurePosixPath
from urllib.parse import urlsplit

import requests

from satcol.core.errors import BadInputError
from satcol.download.credentials import redact_url
from satcol.download.errors import DownloadError
from satcol.download.transfer import Remote
from satcol.instruments.mopitt import reader as mopitt_io

log = logging.getLogger(__name__)

def month_range(ym: str) -> str:
    """CMR ``temporal`` value covering the UTC month ``YYYY-MM``."""
    y, m = map(int, ym.split("-"))
    last = calendar.monthrange(y, m)[1]
    return f"{ym}-01T00:00:00Z,{ym}-{last:02d}T23:59:59Z"


def _size(info: dict) -> int | None:
    """``SizeInBytes``; a ``Size`` in ``SizeUnit`` (MB, GB) is rounded and cannot verify a file
    byte for byte, so it is not used."""
    return int(info["SizeInBytes"]) if info.get("SizeInBytes") is not None else None


def _checksum(info: dict) -> str | None:
    c = info.get("Checksum") or {}
    if c.get("Value") and c.get("Algorithm"):
        return f"{c['Algorithm']}:{c['Value']}"
    return None


def granule_files(umm: dict, source: str) -> list[Remote]:
    """The downloadable files of one UMM-G record: HTTPS ``GET DATA`` URLs, with the name, size
    and checksum of the ``ArchiveAndDistributionInformation`` entry of the same name."""
    urls = [u["URL"] for u in umm.get("RelatedUrls", [])
            if u.get("Type") == "GET DATA" and str(u.get("URL", "")).startswith(("https://", "http://"))]
    infos = {i.get("Name"): i for i in (umm.get("DataGranule") or {}).get("ArchiveAndDistributionInformation", [])}
    out = []
    for url in urls:
        name = PurePosixPath(urlsplit(url).path).name
        info = infos.get(name, {})
        if not info and len(infos) == 1 and len(urls) == 1:
            info = next(iter(infos.values()))
        out.append(Remote(url=url, name=name, checksum=_checksum(info), size=_size(info), source=source))
    return out


def search_granules(base_url: str, short_name: str, version: str, temporal: str, session: requests.Session,
                    page_size: int = 2000, timeout: float = 120.0) -> list[dict]:
    """Every UMM-G record of a collection in a temporal range, following the pages.

    Parameters
    ----------
    base_url : str
        CMR base URL (``download.mopitt.cmr_url``).
    short_name, version : str
        The collection (``MOP02J``, ``9``).
    temporal : str
        ``start,end`` in ISO 8601 UTC (:func:`month_range`).
    session : requests.Session
        The search needs no credential.
    page_size : int
        Granules per page (CMR allows up to 2000).
    timeout : float
        Seconds per request.

    Returns
    -------
    list of dict
        The ``umm`` record of each granule, in CMR's order (``sort_key=start_date``).

    Raises
    ------
    DownloadError
        Naming the search and the HTTP status, or an answer that is not UMM JSON.
    """
    url = f"{base_url.rstrip('/')}/search/granules.umm_json"
    params = {"short_name": short_name, "version": version, "temporal": temporal,
              "page_size": page_size, "sort_key": "start_date"}
    what = f"CMR granule search {short_name} v{version} {temporal}"
    items, after = [], None
    while True:
        headers = {"CMR-Search-After": after} if after else {}
        try:
            r = session.get(url, params=params, headers=headers, timeout=timeout)
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise DownloadError(what, f"connection failed ({type(exc).__name__})", url=redact_url(url)) from None
        if r.status_code != 200:
            raise DownloadError(what, f"search refused: {r.text[:300]!r}", url=redact_url(url), status=r.status_code)
        try:
            doc = r.json()
            page = doc["items"]
        except (ValueError, KeyError, TypeError):
            raise DownloadError(what, "the answer is not CMR umm_json (no 'items' list)", url=redact_url(url)) from None
        items += [it.get("umm", {}) for it in page]
        after = r.headers.get("CMR-Search-After")
        if not page or not after or len(page) < page_size:
            break
    return items


def mopitt_month(ym: str, cfg: dict, session: requests.Session, timeout: float = 120.0) -> list[Remote]:
    """The MOPITT L2 files of the month ``YYYY-MM``: the he5 files whose name date falls in it.

    Parameters
    ----------
    ym : str
        The month, ``YYYY-MM`` (UTC days).
    cfg : dict
        ``download.mopitt``: ``cmr_url``, ``short_name``, ``version``.
    session : requests.Session
        For the search (no credential needed).
    timeout : float
        Seconds per request.

    Returns
    -------
    list of Remote
        Sorted by name, each with its HTTPS URL, the archive's checksum and size in bytes. Other
        files of a granule (metadata, browse) and days outside the month are left out.

    Raises
    ------
    DownloadError
        When the search fails or the month has no file.
    """
    source = f"CMR {cfg['short_name']} v{cfg['version']}"
    records = search_granules(cfg["cmr_url"], cfg["short_name"], str(cfg["version"]), month_range(ym), session,
                              timeout=timeout)
    files = {}
    for umm in records:
        for rem in granule_files(umm, source):
            try:
                info = mopitt_io.parse_filename(rem.name)
            except BadInputError:
                continue
            if f"{info.date:%Y-%m}" == ym:
                files[rem.name] = rem
    if not files:
        raise DownloadError(f"{source} {ym}", f"the CMR search found no MOPITT L2 file of this month "
                            f"({len(records)} granule records; check download.mopitt.short_name and version)",
                            url=redact_url(cfg["cmr_url"]))
    log.info("%s %s: %d files from %d granule records", source, ym, len(files), len(records))
    return [files[k] for k in sorted(files)]
