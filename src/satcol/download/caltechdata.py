"""TCCON GGG2020 public files from CaltechDATA, one record per site DOI.

CaltechDATA runs InvenioRDM. A record is found by its DOI with the records search
(``GET /api/records?q=pids.doi.identifier:"<doi>"&allversions=true``; ``hits.hits[]`` are
records), and each TCCON revision (R0, R1, ...) is a version of one record: with
``revision: latest`` the record's ``links.latest`` (``/api/records/<id>/versions/latest``)
gives the newest. A record's ``files.entries`` (a mapping of file name to entry in the record,
a list in ``/api/records/<id>/files``) give ``key`` (the file name), ``size`` (bytes),
``checksum`` (``md5:<hex>``) and ``links.content``, the file's bytes. Layout: docs/download.md.
"""

from __future__ import annotations

import logging

import requests

from satcol.core.errors import BadInputError
from satcol.download.credentials import redact_url
from satcol.download.errors import DownloadError
from satcol.download.transfer import Remote
from satcol.validation import tccon as tccon_io

log = logging.getLogger(__name__)


def _get_json(session, url, what, timeout, params=None):
    try:
        r = session.get(url, params=params, timeout=timeout, headers={"Accept": "application/json"})
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise DownloadError(what, f"connection failed ({type(exc).__name__})", url=redact_url(url)) from None
    if r.status_code != 200:
        raise DownloadError(what, f"request refused: {r.text[:300]!r}", url=redact_url(url), status=r.status_code)
    try:
        return r.json()
    except ValueError:
        raise DownloadError(what, "the answer is not JSON", url=redact_url(url)) from None


def find_record(base_url: str, doi: str, session: requests.Session, timeout: float = 120.0) -> dict:
    """The CaltechDATA record whose DOI is ``doi`` (case does not matter)."""
    url = f"{base_url.rstrip('/')}/api/records"
    doc = _get_json(session, url, f"DOI {doi}", timeout,
                    params={"q": f'pids.doi.identifier:"{doi}"', "allversions": "true", "size": 10})
    try:
        hits = doc["hits"]["hits"]
    except (KeyError, TypeError):
        raise DownloadError(f"DOI {doi}", "the answer is not an InvenioRDM search (no hits.hits)",
                            url=redact_url(url)) from None
    for rec in hits:
        if str(((rec.get("pids") or {}).get("doi") or {}).get("identifier", "")).lower() == doi.lower():
            return rec
    raise DownloadError(f"DOI {doi}", f"no CaltechDATA record has this DOI ({len(hits)} search hits); "
                        "check the doi column of the site table", url=redact_url(url))


def latest(record: dict, session: requests.Session, timeout: float = 120.0) -> dict:
    """The newest version of ``record`` (itself when it is the newest)."""
    if (record.get("versions") or {}).get("is_latest", False):
        return record
    link = (record.get("links") or {}).get("latest")
    if not link:
        return record
    return _get_json(session, link, f"record {record.get('id')} latest version", timeout)


def _entries(record: dict) -> list[dict]:
    entries = (record.get("files") or {}).get("entries") or {}
    if isinstance(entries, dict):
        return [{"key": k, **v} for k, v in entries.items()]
    return list(entries)


def site_files(base_url: str, site: str, doi: str, session: requests.Session, revision: str = "latest",
               timeout: float = 120.0) -> list[Remote]:
    """The public TCCON files of ``site`` in the CaltechDATA record of ``doi``.

    Parameters
    ----------
    base_url : str
        CaltechDATA base URL (``download.tccon.caltechdata_url``).
    site : str
        Two-letter TCCON site id (the file names' prefix).
    doi : str
        The site's GGG2020 DOI (site table column ``doi``); case does not matter.
    session : requests.Session
        No credential needed.
    revision : {"latest", "listed"}
        ``latest``: the newest version of the record; ``listed``: the DOI's own version.
    timeout : float
        Seconds per request.

    Returns
    -------
    list of Remote
        Every file named ``<site>YYYYMMDD_YYYYMMDD.public[.qc].nc``, with its ``md5:`` checksum
        and size in bytes; ``source`` is the DOI of the version used.

    Raises
    ------
    DownloadError
        No record with the DOI, a failed request (with its HTTP status), or no public file of
        the site in the record.
    """
    record = find_record(base_url, doi, session, timeout)
    if revision == "latest":
        record = latest(record, session, timeout)
    rec_doi = ((record.get("pids") or {}).get("doi") or {}).get("identifier", doi)
    rec_id = record.get("id")
    out = []
    for e in _entries(record):
        name = e.get("key", "")
        if ".public" not in name:
            continue
        try:
            if tccon_io.site_of(name) != site:
                continue
        except BadInputError:
            continue
        link = (e.get("links") or {}).get("content") or f"{base_url.rstrip('/')}/api/records/{rec_id}/files/{name}/content"
        out.append(Remote(url=link, name=name, checksum=e.get("checksum"),
                          size=int(e["size"]) if e.get("size") is not None else None, source=f"doi:{rec_doi}"))
    if not out:
        raise DownloadError(f"TCCON site {site} (DOI {rec_doi})",
                            f"the record lists no public file of site {site!r} "
                            f"({len(_entries(record))} files: {[e.get('key') for e in _entries(record)][:5]})")
    log.info("TCCON %s: %d file(s) from %s", site, len(out), rec_doi)
    return sorted(out, key=lambda r: r.name)
