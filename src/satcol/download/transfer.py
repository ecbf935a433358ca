"""One file over HTTP(S), resumable and verified, with its provenance beside it.

:func:`fetch` writes ``DIR/NAME`` through ``DIR/NAME.part``:

1. A file already present whose sidecar ``NAME.download.json`` records the same archive
   checksum (or size), and whose size and modification time are those the sidecar recorded, is
   not fetched again. A present file without such a sidecar is verified against the archive's
   checksum (or size) and kept if it matches.
2. A ``.part`` left by an interrupted transfer is resumed with an HTTP range request
   (``Range: bytes=N-``); a server that answers 200 instead of 206 sends the whole file, which
   replaces the part.
3. Connection errors, a body cut short of its ``Content-Length`` or of the archive's size, and
   the statuses 429, 500, 502, 503 and 504 are retried ``retries`` times, waiting
   ``backoff_s * 2**k`` seconds (k = 0, 1, ...), each retry resuming where the part ends. Other
   statuses stop at once with :class:`DownloadError` naming the file and the status.
4. The complete part is checked against the archive's checksum (MD5, SHA-1, SHA-256 or SHA-512
   as published) or, where none is published, its size; a mismatch deletes the part and stops
   (the file is refused). Only then is the part renamed to ``NAME``.
5. The sidecar records the URL asked (without credentials), the archive's checksum and size,
   the file's SHA-256, the retrieval time (UTC) and the satcol version.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import requests

from satcol import __version__
from satcol.download.credentials import redact_url
from satcol.download.errors import DownloadError

log = logging.getLogger(__name__)

#: Archive checksum algorithm names (CMR UMM-G ``Checksum.Algorithm``, InvenioRDM ``md5:``
#: prefixes) -> hashlib names.
ALGORITHMS = {"md5": "md5", "sha-1": "sha1", "sha1": "sha1", "sha-256": "sha256", "sha256": "sha256",
              "sha-512": "sha512", "sha512": "sha512", "sha-384": "sha384", "sha384": "sha384"}
TRANSIENT_STATUS = {429, 500, 502, 503, 504}
SIDECAR_SUFFIX = ".download.json"
_CHUNK = 1 << 16  # what a cut connection can lose of the bytes received (a read in progress)


@dataclass(frozen=True)
class Remote:
    """A file an archive publishes: where it is and what it should be.

    ``checksum`` is ``"<algorithm>:<hex>"`` as the archive publishes it (e.g. ``md5:0f3e...``,
    ``SHA-256:...``), ``size`` in bytes; either may be None. ``source`` says which search found
    it (e.g. ``CMR MOP02J v9``, a DOI)."""

    url: str
    name: str
    checksum: str | None = None
    size: int | None = None
    source: str = ""


@dataclass
class Policy:
    """Retry and timing of transfers. ``backoff_s``: first wait (s), doubled at each retry."""

    retries: int = 4
    backoff_s: float = 2.0
    timeout_s: float = 120.0


def hash_algorithm(checksum: str | None) -> tuple[str, str] | None:
    """``"MD5:abc"`` -> ``("md5", "abc")``; None for no checksum or an algorithm hashlib lacks."""
    if not checksum or ":" not in checksum:
        return None
    algo, _, value = checksum.partition(":")
    name = ALGORITHMS.get(algo.strip().lower())
    return (name, value.strip().lower()) if name and value.strip() else None


def file_digest(path, algorithm: str) -> str:
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        while chunk := f.read(64 * _CHUNK):
            h.update(chunk)
    return h.hexdigest()


def sidecar_path(path) -> Path:
    path = Path(path)
    return path.with_name(path.name + SIDECAR_SUFFIX)


def read_sidecar(path) -> dict | None:
    p = sidecar_path(path)
    try:
        return json.loads(p.read_text())
    except (OSError, ValueError):
        return None


def _verify(path: Path, remote: Remote) -> str | None:
    """None if ``path`` matches the archive's checksum (or size); else what differs."""
    size = path.stat().st_size
    if remote.size is not None and size != remote.size:
        return f"size {size} bytes, the archive publishes {remote.size}"
    algo = hash_algorithm(remote.checksum)
    if algo is not None:
        got = file_digest(path, algo[0])
        if got != algo[1]:
            return f"{algo[0]} {got}, the archive publishes {algo[1]}"
    return None


def _recorded_ok(dest: Path, remote: Remote) -> dict | None:
    """The sidecar of ``dest`` if it vouches for the file as it is now."""
    rec = read_sidecar(dest)
    if not rec:
        return None
    st = dest.stat()
    same_archive = (rec.get("archive_checksum") == remote.checksum and rec.get("archive_size") == remote.size)
    same_file = rec.get("size") == st.st_size and rec.get("mtime_ns") == st.st_mtime_ns
    return rec if same_archive and same_file else None


def _write_sidecar(dest: Path, remote: Remote, retrieved: str, status: str) -> dict:
    st = dest.stat()
    algo = hash_algorithm(remote.checksum)
    rec = {
        "file": dest.name,
        "url": redact_url(remote.url),
        "source": remote.source,
        "archive_checksum": remote.checksum,
        "archive_size": remote.size,
        "verified_by": (f"{algo[0]} checksum" if algo else "size" if remote.size is not None
                        else "content-length only (the archive publishes neither checksum nor size)"),
        "sha256": file_digest(dest, "sha256"),
        "size": st.st_size,
        "mtime_ns": st.st_mtime_ns,
        "retrieved_utc": retrieved,
        "status": status,
        "satcol_version": __version__,
    }
    side = sidecar_path(dest)
    tmp = side.with_name(side.name + ".tmp")
    tmp.write_text(json.dumps(rec, indent=2, sort_keys=True))
    os.replace(tmp, side)
    return rec


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


class _Transient(Exception):
    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


def _get_into(session: requests.Session, remote: Remote, part: Path, timeout: float) -> None:
    """One GET of the rest of ``remote`` into ``part``; _Transient for what a retry may cure."""
    have = part.stat().st_size if part.exists() else 0
    if remote.size is not None and have > remote.size:
        part.unlink()
        have = 0
    # identity: byte offsets of a range must be those of the file, not of a compressed stream
    headers = {"Accept-Encoding": "identity", **({"Range": f"bytes={have}-"} if have else {})}
    try:
        r = session.get(remote.url, headers=headers, stream=True, timeout=timeout, allow_redirects=True)
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise _Transient(f"connection failed ({type(exc).__name__})") from None
    with r:
        if r.status_code == 416 and have:
            # Nothing past the part's end: the part is whole (verified below) or stale.
            if remote.size is None or have == remote.size:
                return
            part.unlink()
            raise _Transient("range not satisfiable; restarting the file", 416)
        if r.status_code in TRANSIENT_STATUS:
            raise _Transient(f"server answered {r.status_code} {r.reason}", r.status_code)
        if r.status_code >= 400:
            hint = ""
            if r.status_code in (401, 403):
                hint = " (credentials refused or missing: see docs/download.md, 'Getting real data (downloads)')"
            raise DownloadError(part.with_suffix(""), f"{r.reason or 'refused'}{hint}",
                                url=redact_url(remote.url), status=r.status_code)
        if have and r.status_code == 206:
            start = (r.headers.get("Content-Range") or "").removeprefix("bytes ").split("-")[0]
            if start.strip() != str(have):
                part.unlink()
                raise _Transient(f"server resumed at byte {start!r}, not {have}; restarting the file", 206)
            mode = "ab"
        else:
            mode = "wb"  # 200: the whole file (a server that ignores Range), replacing the part
        expected = r.headers.get("Content-Length")
        written = 0
        try:
            with open(part, mode) as f:
                for chunk in r.iter_content(_CHUNK):
                    f.write(chunk)
                    written += len(chunk)
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError, requests.Timeout) as exc:
            raise _Transient(f"connection cut after {written} bytes ({type(exc).__name__})") from None
        if expected is not None and written < int(expected):
            raise _Transient(f"body cut short: {written} of {expected} bytes")
    if remote.size is not None and part.stat().st_size < remote.size:
        raise _Transient(f"file cut short: {part.stat().st_size} of {remote.size} bytes")


def fetch(remote: Remote, directory, session: requests.Session, policy: Policy | None = None,
          sleep=time.sleep) -> dict:
    """``remote`` into ``directory/remote.name``, verified; returns its provenance record.

    Parameters
    ----------
    remote : Remote
        URL, local name, archive checksum (``algo:hex``) and size (bytes) of the file.
    directory : path
        Where the file goes (created if needed).
    session : requests.Session
        Carries the archive's credentials (:mod:`satcol.download.credentials`).
    policy : Policy
        Retries, back-off (s) and timeout (s).
    sleep : callable
        Waits between retries (seconds); tests pass a short one.

    Returns
    -------
    dict
        The sidecar record (``status``: ``downloaded``, ``present`` or ``verified``).

    Raises
    ------
    DownloadError
        Naming the file, the URL and the HTTP status, after the retries or at once for a
        status that no retry cures; or when the file does not match the archive's checksum.
    """
    policy = policy or Policy()
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    dest = directory / remote.name
    if dest.exists():
        rec = _recorded_ok(dest, remote)
        if rec is not None:
            log.info("%s: present, verified before (%s)", dest, rec.get("verified_by"))
            return {**rec, "status": "present"}
        problem = _verify(dest, remote)
        if problem is None:
            log.info("%s: present, verified now", dest)
            return _write_sidecar(dest, remote, (read_sidecar(dest) or {}).get("retrieved_utc", _now()), "verified")
        log.warning("%s: present but %s; fetching it again", dest, problem)
        dest.unlink()
    part = dest.with_name(dest.name + ".part")
    for attempt in range(policy.retries + 1):
        try:
            _get_into(session, remote, part, policy.timeout_s)
            break
        except _Transient as exc:
            if attempt == policy.retries:
                raise DownloadError(dest, f"gave up after {policy.retries + 1} attempts: {exc}",
                                    url=redact_url(remote.url), status=exc.status) from None
            wait = policy.backoff_s * 2 ** attempt
            log.warning("%s: %s; retry %d of %d in %.3g s", dest, exc, attempt + 1, policy.retries, wait)
            sleep(wait)
    problem = _verify(part, remote)
    if problem is not None:
        part.unlink()
        raise DownloadError(dest, f"refused: the file received has {problem} (deleted; the next run fetches "
                            "it again)", url=redact_url(remote.url))
    os.replace(part, dest)
    rec = _write_sidecar(dest, remote, _now(), "downloaded")
    log.info("%s: downloaded (%d bytes, %s)", dest, rec["size"], rec["verified_by"])
    return rec


def as_dict(remote: Remote) -> dict:
    return asdict(remote)
