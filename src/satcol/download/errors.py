"""Errors of the download layer. Every message names the file (or the search) and, for an HTTP
failure, the status; none ever contains a credential."""

from __future__ import annotations

from satcol.core.errors import SatcolError


class DownloadError(SatcolError):
    """A file or a search that could not be fetched or verified.

    ``target`` is the local file (or the archive search) concerned, ``url`` the address asked
    (without credentials), ``status`` the HTTP status when the server answered."""

    def __init__(self, target, message: str, url: str | None = None, status: int | None = None):
        self.target = str(target)
        self.url = url
        self.status = status
        self.detail = message
        where = self.target
        if status is not None:
            where += f" (HTTP {status}"
            where += f" from {url})" if url else ")"
        elif url:
            where += f" ({url})"
        super().__init__(f"{where}: {message}")


class CredentialError(DownloadError):
    """A credential the archive needs is missing; the message says which and how to set it."""
