"""The workflow's side of the downloads: which months, sites and products to fetch, and the
manifests through which ingest receives the files.

With ``download.enabled: true`` the months come from ``download.months`` and the TCCON sites
from ``download.tccon.sites`` and the site table's ``doi`` column, instead of the ``input``
globs. Each download job writes a manifest (``results/download/...json``) that lists the files it
fetched with their provenance; ingest takes the manifests as its inputs and reads the files they
list (:func:`expand_inputs`), so Snakemake runs the downloads first.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from satcol.core.errors import BadInputError, ConfigError
from satcol.core.sites import read_site_table

MANIFEST_DIR = "results/download"
MANIFEST_KEY = "satcol_download_manifest"


def mopitt_manifest(ym: str) -> str:
    return f"{MANIFEST_DIR}/mopitt/{ym}.json"


def tccon_manifest(site: str) -> str:
    return f"{MANIFEST_DIR}/tccon/{site}.json"


def gosat_manifest(product: str, ym: str) -> str:
    return f"{MANIFEST_DIR}/gosat/{product}/{ym}.json"


def site_dois(sites_table) -> dict[str, str]:
    """Site id -> GGG2020 DOI from the site table's ``doi`` column (sites without one left out)."""
    sites = read_site_table(sites_table)
    if "doi" not in sites.columns:
        return {}
    return {str(r.id): str(r.doi).strip() for r in sites.itertuples()
            if isinstance(r.doi, str) and r.doi.strip()}


def months_period(months: list[str]) -> tuple[dt.date, dt.date]:
    first = dt.date.fromisoformat(f"{months[0]}-01")
    y, m = map(int, months[-1].split("-"))
    last = (dt.date(y + m // 12, m % 12 + 1, 1) - dt.timedelta(days=1))
    return first, last


def tccon_sites(config: dict, sites_table) -> list[str]:
    """The TCCON sites to fetch: ``download.tccon.sites`` as listed, or with ``operating`` every
    site of the table with a DOI whose operating period (table columns start, end) overlaps the
    months."""
    dl = config["download"]
    if not dl["tccon"]["enabled"]:
        return []
    dois = site_dois(sites_table)
    want = dl["tccon"]["sites"]
    if want == "operating":
        table = read_site_table(sites_table)
        first, last = months_period(sorted(dl["months"]))
        return sorted(str(r.id) for r in table.itertuples()
                      if str(r.id) in dois and r.start <= last and r.end >= first)
    known = set(read_site_table(sites_table)["id"])
    for s in want:
        if s not in known:
            raise ConfigError(f"config key download.tccon.sites: site {s!r} is not in the site table {sites_table}")
        if s not in dois:
            raise ConfigError(f"config key download.tccon.sites: site {s!r} has no DOI in the doi column of {sites_table}")
    return sorted(set(want))


def build(config: dict, sites_table) -> tuple[list[str], dict[str, list[str]], dict[str, list[str]]]:
    """The workflow's partitions when ``download.enabled``.

    Parameters
    ----------
    config : dict
        The validated run config.
    sites_table : path
        The site table (its ``doi`` column names each site's record).

    Returns
    -------
    months : list of str
        ``download.months``, sorted.
    mopitt : dict
        Month -> [its MOPITT manifest], ingest_mopitt's input.
    tccon : dict
        Site -> [its TCCON manifest], ingest_tccon's input.

    Raises
    ------
    ConfigError
        Naming the key: synthetic mode on, no months, MOPITT switched off, a listed site not in
        the table or without a DOI.
    """
    dl = config["download"]
    if config["synthetic"]["enabled"]:
        raise ConfigError("config key download.enabled: downloads feed real-data runs; set synthetic.enabled: false")
    months = sorted(set(dl.get("months") or []))
    if not months:
        raise ConfigError("config key download.months: list the months to fetch (YYYY-MM) when download.enabled is true")
    if not dl["mopitt"]["enabled"]:
        raise ConfigError("config key download.mopitt.enabled: the workflow needs MOPITT files; with download.enabled "
                          "they are fetched (set download.enabled: false and use instruments.mopitt.input for files at hand)")
    mopitt = {ym: [mopitt_manifest(ym)] for ym in months}
    tccon = {s: [tccon_manifest(s)] for s in tccon_sites(config, sites_table)}
    return months, mopitt, tccon


def gosat_manifests(config: dict) -> list[str]:
    g = config["download"]["gosat"]
    if not (config["download"]["enabled"] and g["enabled"]):
        return []
    return [gosat_manifest(p, ym) for p in g["products"] for ym in sorted(set(config["download"]["months"]))]


def write_manifest(path, kind: str, key: str, records: list[dict], directory, extra=None) -> dict:
    """The manifest of one download job: the files (paths as ingest opens them) and their
    provenance records (URL, archive checksum, retrieval time; never a credential)."""
    from satcol import __version__
    from satcol.core import provenance
    from satcol.core.ioutil import write_json

    doc = {
        MANIFEST_KEY: 1,
        "kind": kind,
        "key": key,
        "files": [str(Path(directory) / r["file"]) for r in records],
        "downloads": [{k: v for k, v in r.items() if k != "mtime_ns"} for r in records],
        "provenance": {"satcol_version": __version__, "git_commit": provenance.git_commit()},
        **(extra or {}),
    }
    write_json(doc, path)
    return doc


def read_manifest(path) -> dict | None:
    """The manifest at ``path``, or None when the file is not one."""
    if not str(path).endswith(".json"):
        return None
    try:
        doc = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) and MANIFEST_KEY in doc else None


def expand_inputs(paths) -> tuple[list[str], list[dict]]:
    """Ingest's inputs with every manifest replaced by the files it lists; and the download
    records of those files (empty without manifests).

    The listed files are not Snakemake inputs themselves (the manifest is), so a file removed or
    replaced under the data directory after its download would not rerun anything: each listed
    file must still exist with the size its download recorded, else a ``BadInputError`` names
    it (``reason`` ``changed_after_download``) and says how to fetch it again.
    """
    files, records = [], []
    for p in paths:
        doc = read_manifest(p)
        if doc is None:
            files.append(str(p))
            continue
        for f, rec in zip(doc["files"], doc["downloads"], strict=True):
            path = Path(f)
            size = path.stat().st_size if path.is_file() else None
            if size is None or (rec.get("size") is not None and size != rec["size"]):
                what = "is missing" if size is None else f"has {size} bytes, its download recorded {rec['size']}"
                raise BadInputError(f, "changed_after_download",
                                    f"{what} (manifest {p}); delete the manifest and run the download "
                                    "job again to fetch it")
        files += doc["files"]
        records += doc["downloads"]
    return files, records
