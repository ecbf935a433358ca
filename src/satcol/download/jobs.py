"""One download job of the workflow: search the archive, fetch and verify every file, write the
manifest. Called by scripts/download_*.py with the rule's params; usable from Python too.

``transfer`` (params) is ``{data_dir, retries, backoff_s, timeout_s}`` of ``download``; files go
to ``<data_dir>/mopitt``, ``<data_dir>/tccon`` and ``<data_dir>/gosat/<product>``.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from . import caltechdata, cmr, credentials, gosat
from .errors import DownloadError
from .plan import site_dois, write_manifest
from .transfer import Policy, fetch

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

    The Earthdata credential is checked before the search, so a missing one stops the job at
    once with the message of :func:`satcol.download.credentials.earthdata`."""
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
    """Fetch the public GGG2020 file(s) of ``site`` from the CaltechDATA record of its DOI."""
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
    """Fetch the files of one GOSAT product and month listed by the GDAS server."""
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
