"""One download job of the workflow: search the archive, fetch and verify every file, write the
manifest. Called by scripts/download_*.py with the rule's params; usable from Python too.

``transfer`` (params) is ``{data_dir, retries, backoff_s, timeout_s}`` of ``download``; files go
to ``<data_dir>/mopitt``, ``<data_dir>/tccon`` and ``<data_dir>/gosat/<product>``.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from satcol.download import (
    caltechdata,
    cmr,
    credentials,
    gosat,
)
from satcol.download.errors import DownloadError
from satcol.download.plan import site_dois, write_manifest
from satcol.download.transfer import Policy, fetch

log = logging.getLogger(__name__)


def _policy(transfer: dict) -> Policy:
    return Policy(retries=int(transfer["retries"]), backoff_s=float(transfer["backoff_s"]),
                  timeout_s=float(transfer["timeout_s"]))


def _fetch_all(remotes, directory, session, policy, sleep) -> list[dict]:
    records, failed = [], []
    for rem in remotes:
        try:
            records.append(fetch(rem, directory, session, policy, sleep=sleep))
        except DownloadError as exc:
            log.error("%s", exc)
            failed.append(exc)
    if failed:
        first = failed[0]
        raise DownloadError(first.target, f"{first.detail} ({len(failed)} of {len(records) + len(failed)} files "
                            "failed; the others are verified and kept, a rerun fetches only what is missing)",
                            url=first.url, status=first.status)
    return records


def mopitt_month(ym: str, mopitt: dict, transfer: dict, manifest, environ=None, sleep=time.sleep,
                 search_session=None, data_session=None) -> dict:
    """Fetch the MOPITT L2 files of ``ym`` found by the CMR search; write ``manifest``.

    Parameters
    ----------
    ym : str
        The month, ``YYYY-MM``.
    mopitt : dict
        ``download.mopitt`` (``cmr_url``, ``short_name``, ``version``, ``auth``, ``login_host``).
    transfer : dict
        ``data_dir``, ``retries``, ``backoff_s`` (s), ``timeout_s`` (s) of ``download``.
    manifest : path
        The manifest to write (the rule's output).
    environ : mapping, optional
        Where the credential is looked up (default ``os.environ``).
    sleep : callable
        Waits between retries (s).
    search_session, data_session : requests.Session, optional
        Override the sessions (default: a public one for the search, an Earthdata one for data).

    Returns
    -------
    dict
        The manifest: ``files`` (paths under ``<data_dir>/mopitt``), ``downloads`` (provenance
        records), ``search``.

    Raises
    ------
    CredentialError
        Before the search, when no Earthdata credential is set (the message says how).
    DownloadError
        A failed search or file, naming it and the HTTP status.
    """
    data_session = data_session or credentials.earthdata_session(mopitt["auth"], environ, mopitt["login_host"])
    search_session = search_session or credentials.public_session()
    policy = _policy(transfer)
    remotes = cmr.mopitt_month(ym, mopitt, search_session, timeout=policy.timeout_s)
    directory = Path(transfer["data_dir"]) / "mopitt"
    records = _fetch_all(remotes, directory, data_session, policy, sleep)
    return write_manifest(manifest, "mopitt", ym, records, directory,
                          {"search": {"cmr_url": mopitt["cmr_url"], "short_name": mopitt["short_name"],
                                      "version": str(mopitt["version"]), "temporal": cmr.month_range(ym)}})


def tccon_site(site: str, sites_table, tccon: dict, transfer: dict, manifest, sleep=time.sleep,
               session=None) -> dict:
    """Fetch the public GGG2020 file(s) of ``site`` from the CaltechDATA record of its DOI.

    Parameters
    ----------
    site : str
        Two-letter site id; its DOI comes from the ``doi`` column of ``sites_table``.
    sites_table : path
        The site table (``tccon_sites``).
    tccon : dict
        ``download.tccon`` (``caltechdata_url``, ``revision``).
    transfer : dict
        ``data_dir``, ``retries``, ``backoff_s`` (s), ``timeout_s`` (s) of ``download``.
    manifest : path
        The manifest to write.
    sleep : callable
        Waits between retries (s).
    session : requests.Session, optional
        Default: a public session.

    Returns
    -------
    dict
        The manifest (files under ``<data_dir>/tccon``).
    """
    dois = site_dois(sites_table)
    if site not in dois:
        raise DownloadError(f"TCCON site {site}", f"no DOI in the doi column of {sites_table}")
    session = session or credentials.public_session()
    policy = _policy(transfer)
    remotes = caltechdata.site_files(tccon["caltechdata_url"], site, dois[site], session,
                                     revision=tccon["revision"], timeout=policy.timeout_s)
    directory = Path(transfer["data_dir"]) / "tccon"
    records = _fetch_all(remotes, directory, session, policy, sleep)
    return write_manifest(manifest, "tccon", site, records, directory,
                          {"search": {"caltechdata_url": tccon["caltechdata_url"], "doi": dois[site],
                                      "revision": tccon["revision"]}})


def gosat_month(product: str, ym: str, gcfg: dict, transfer: dict, manifest, environ=None, sleep=time.sleep,
                session=None) -> dict:
    """Fetch the files of one GOSAT product and month listed by the GDAS server.

    Parameters
    ----------
    product : str
        Product directory name (``download.gosat.products``).
    ym : str
        The month, ``YYYY-MM``.
    gcfg : dict
        ``download.gosat`` (``base_url``, ``listing``, ``file_pattern``).
    transfer : dict
        ``data_dir``, ``retries``, ``backoff_s`` (s), ``timeout_s`` (s) of ``download``.
    manifest : path
        The manifest to write.
    environ : mapping, optional
        Where the credential is looked up (default ``os.environ``).
    sleep : callable
        Waits between retries (s).
    session : requests.Session, optional
        Default: a session with the GOSAT credential for the GDAS host.

    Returns
    -------
    dict
        The manifest (files under ``<data_dir>/gosat/<product>``).
    """
    if not gcfg.get("base_url"):
        raise DownloadError(f"GOSAT {product} {ym}", "download.gosat.base_url is not set (the GDAS download "
                            "server's address given with your account)")
    session = session or credentials.gosat_session(gcfg["base_url"], environ)
    policy = _policy(transfer)
    remotes = gosat.month_files(gcfg, product, ym, session, timeout=policy.timeout_s)
    directory = Path(transfer["data_dir"]) / "gosat" / product
    records = _fetch_all(remotes, directory, session, policy, sleep)
    return write_manifest(manifest, "gosat", f"{product}/{ym}", records, directory,
                          {"search": {"listing": gosat.listing_url(gcfg, product, ym)}})
