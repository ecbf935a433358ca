"""GOSAT NIES SWIR L2 files (CO2 and CH4, V03) from the GOSAT Data Archive Service (GDAS).

GDAS needs a user account, and the layout of its download server is not published in detail,
so what this module assumes is configurable and stated (docs/download.md):

- each product's files of one month are listed at the URL ``download.gosat.listing``, a
  template with ``{base_url}``, ``{product}``, ``{year}``, ``{month}`` (two digits);
- the listing is an HTML directory index (or a plain list): every ``href`` (or line) whose
  name matches ``download.gosat.file_pattern`` is a file of that month, at the listing URL
  plus its name;
- GDAS publishes no checksum in the listing: a file is verified by its ``Content-Length``
  (a transfer cut short is resumed, never kept).
"""

from __future__ import annotations

import html.parser
import logging
import re
from pathlib import PurePosixPath
from urllib.parse import urljoin, urlsplit

import requests

from satcol.download.credentials import redact_url
from satcol.download.errors import DownloadError
from satcol.download.transfer import Remote

log = logging.getLogger(__name__)


class _Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs += [v for k, v in attrs if k == "href" and v]


def listing_url(cfg: dict, product: str, ym: str) -> str:
    year, month = ym.split("-")
    url = cfg["listing"].format(base_url=cfg["base_url"].rstrip("/"), product=product, year=year, month=month)
    return url if url.endswith("/") else url + "/"


def parse_listing(text: str, pattern: str) -> list[str]:
    """File names in a directory listing (HTML links, else one name per line) matching ``pattern``."""
    p = _Links()
    p.feed(text)
    names = [PurePosixPath(urlsplit(h).path).name for h in p.hrefs] if p.hrefs else text.split()
    rx = re.compile(pattern)
    return sorted({n for n in names if n and rx.search(n)})


def month_files(cfg: dict, product: str, ym: str, session: requests.Session, timeout: float = 120.0) -> list[Remote]:
    """The files of ``product`` in month ``YYYY-MM`` listed by the GDAS server.

    Parameters
    ----------
    cfg : dict
        ``download.gosat``: ``base_url``, ``listing`` (URL template), ``file_pattern`` (regex).
    product : str
        Product directory name (e.g. ``SWIRL2CO2``).
    ym : str
        The month, ``YYYY-MM``.
    session : requests.Session
        Carries the GOSAT credential (:func:`satcol.download.credentials.gosat_session`).
    timeout : float
        Seconds per request.

    Returns
    -------
    list of Remote
        One per listed name matching ``file_pattern``, sorted; no checksum or size (GDAS
        publishes none in the listing).

    Raises
    ------
    DownloadError
        The listing refused (HTTP status named; 401/403 point at the credential) or empty.
    """
    url = listing_url(cfg, product, ym)
    what = f"GOSAT {product} {ym} listing"
    try:
        r = session.get(url, timeout=timeout)
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise DownloadError(what, f"connection failed ({type(exc).__name__})", url=redact_url(url)) from None
    if r.status_code != 200:
        hint = " (GOSAT credentials refused: check GOSAT_USERNAME/GOSAT_PASSWORD or ~/.netrc)" if r.status_code in (401, 403) else ""
        raise DownloadError(what, f"listing refused{hint}", url=redact_url(url), status=r.status_code)
    names = parse_listing(r.text, cfg["file_pattern"])
    if not names:
        raise DownloadError(what, f"no file name in the listing matches {cfg['file_pattern']!r}", url=redact_url(url))
    log.info("%s: %d files", what, len(names))
    return [Remote(url=urljoin(url, n), name=n, source=f"GOSAT GDAS {product}") for n in names]
