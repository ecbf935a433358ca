"""Credentials for the archives, from the environment or ``~/.netrc``; never from the config.

- NASA Earthdata (MOPITT): ``EARTHDATA_TOKEN`` (a bearer token made at the Earthdata Login
  profile page), else ``EARTHDATA_USERNAME`` and ``EARTHDATA_PASSWORD``, else the ``~/.netrc``
  entry of ``urs.earthdata.nasa.gov`` (the same places and names earthaccess reads).
- GOSAT NIES GDAS: ``GOSAT_USERNAME`` and ``GOSAT_PASSWORD``, else the ``~/.netrc`` entry of the
  GDAS server's host.
- TCCON public files on CaltechDATA need none (the TCCON data use policy applies to their use).

``$NETRC`` names another netrc file, as for curl. A :class:`Credential` never prints its
secret, and sessions send it only to the host it belongs to.
"""

from __future__ import annotations

import netrc
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests

from satcol.download.errors import CredentialError

EARTHDATA_HOST = "urs.earthdata.nasa.gov"

_SECRET_QUERY = re.compile(r"(token|password|passwd|secret|signature|credential|key)", re.I)


@dataclass(frozen=True)
class Credential:
    """A user name and password, or a bearer token, and where it came from (for messages)."""

    kind: str  # "basic" | "token"
    username: str | None
    secret: str = field(repr=False)
    origin: str = ""

    def __repr__(self) -> str:  # never the secret
        return f"Credential(kind={self.kind!r}, username={self.username!r}, origin={self.origin!r})"


def netrc_path(environ=None) -> Path:
    environ = os.environ if environ is None else environ
    return Path(environ.get("NETRC") or Path(environ.get("HOME", "~")).expanduser() / ".netrc")


def from_netrc(host: str, environ=None) -> Credential | None:
    """The netrc entry of ``host`` (login and password), or None."""
    path = netrc_path(environ)
    if not path.is_file():
        return None
    try:
        entry = netrc.netrc(str(path)).authenticators(host)
    except (netrc.NetrcParseError, OSError) as exc:
        raise CredentialError(path, f"cannot read the netrc file ({type(exc).__name__}); fix its syntax "
                              f"('machine {host} login USER password PASS') and its mode (chmod 600)") from None
    if not entry or not entry[2]:
        return None
    return Credential("basic", entry[0], entry[2], f"{path} (machine {host})")


def earthdata(environ=None) -> Credential:
    """The Earthdata Login credential; CredentialError says where to set one."""
    environ = os.environ if environ is None else environ
    if environ.get("EARTHDATA_TOKEN"):
        return Credential("token", None, environ["EARTHDATA_TOKEN"], "$EARTHDATA_TOKEN")
    user, pw = environ.get("EARTHDATA_USERNAME"), environ.get("EARTHDATA_PASSWORD")
    if user and pw:
        return Credential("basic", user, pw, "$EARTHDATA_USERNAME/$EARTHDATA_PASSWORD")
    if user or pw:
        missing = "EARTHDATA_PASSWORD" if user else "EARTHDATA_USERNAME"
        raise CredentialError("Earthdata Login", f"${missing} is not set (set both EARTHDATA_USERNAME and "
                              "EARTHDATA_PASSWORD, or EARTHDATA_TOKEN)")
    cred = from_netrc(EARTHDATA_HOST, environ)
    if cred is None:
        raise CredentialError(
            "Earthdata Login",
            "no NASA Earthdata credential found: set EARTHDATA_TOKEN, or EARTHDATA_USERNAME and "
            f"EARTHDATA_PASSWORD, or add 'machine {EARTHDATA_HOST} login USER password PASS' to "
            f"{netrc_path(environ)} (chmod 600); an account is free at https://{EARTHDATA_HOST}")
    return cred


def gosat(base_url: str, environ=None) -> Credential:
    """The GOSAT GDAS credential for the server of ``base_url``; CredentialError says where to set one."""
    environ = os.environ if environ is None else environ
    user, pw = environ.get("GOSAT_USERNAME"), environ.get("GOSAT_PASSWORD")
    if user and pw:
        return Credential("basic", user, pw, "$GOSAT_USERNAME/$GOSAT_PASSWORD")
    host = urlsplit(base_url).hostname or base_url
    cred = from_netrc(host, environ)
    if cred is None:
        raise CredentialError(
            "GOSAT GDAS login",
            "no GOSAT Data Archive Service credential found: set GOSAT_USERNAME and GOSAT_PASSWORD, or "
            f"add 'machine {host} login USER password PASS' to {netrc_path(environ)} (chmod 600)")
    return cred


def redact_url(url: str) -> str:
    """``url`` without user information and without query values that look like secrets."""
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    query = urlencode([(k, "REDACTED" if _SECRET_QUERY.search(k) else v)
                       for k, v in parse_qsl(parts.query, keep_blank_values=True)])
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


class HostAuthSession(requests.Session):
    """A requests session that sends a credential to its own hosts only.

    Earthdata data servers answer with a redirect to the Earthdata Login host, which asks for
    the password and sends the client back with a cookie (the cookie jar keeps it). The
    credential goes to ``auth_hosts`` only: requests' own rule drops it on any change of host,
    and this one adds it again where it belongs. A bearer token goes with the request asked for
    and, after a redirect, only to ``token_hosts`` (not to a storage host that signs its own
    URLs).
    """

    def __init__(self, credential: Credential | None = None, auth_hosts=(), token_hosts=()):
        super().__init__()
        self._cred = credential
        self._auth_hosts = {h.lower() for h in auth_hosts}
        self._token_hosts = {h.lower() for h in token_hosts}
        self.headers["User-Agent"] = "satcol-download"

    def _auth_for(self, url: str, redirected: bool = False):
        if self._cred is None:
            return None
        host = (urlsplit(url).hostname or "").lower()
        if self._cred.kind == "token":
            if not redirected or host in self._token_hosts:
                return _Bearer(self._cred.secret)
            return None
        if host in self._auth_hosts:
            return requests.auth.HTTPBasicAuth(self._cred.username, self._cred.secret)
        return None

    def request(self, method, url, **kwargs):
        kwargs.setdefault("auth", self._auth_for(url))
        return super().request(method, url, **kwargs)

    def rebuild_auth(self, prepared_request, response):
        super().rebuild_auth(prepared_request, response)
        auth = self._auth_for(prepared_request.url, redirected=True)
        if auth is not None:
            prepared_request.prepare_auth(auth)


class _Bearer(requests.auth.AuthBase):
    def __init__(self, token: str):
        self._token = token

    def __call__(self, r):
        r.headers["Authorization"] = f"Bearer {self._token}"
        return r

    def __repr__(self) -> str:
        return "_Bearer(<token>)"


def earthdata_session(strategy: str = "netrc", environ=None, login_host: str = EARTHDATA_HOST) -> requests.Session:
    """An authenticated session for Earthdata data servers.

    ``netrc`` (default): satcol's own session with :func:`earthdata`'s credential, sent to the
    Earthdata Login host ``login_host`` (basic) or as a bearer token with the data request. ``earthaccess``: the session of the
    optional ``earthaccess`` package (``pip install 'satcol[download]'``), logged in from the same
    environment variables or ``~/.netrc``."""
    if strategy == "earthaccess":
        try:
            import earthaccess
        except ImportError:
            raise CredentialError("Earthdata Login", "download.mopitt.auth is 'earthaccess' but the package is "
                                  "not installed: pip install 'satcol[download]' (or use auth: netrc)") from None
        earthdata(environ)  # the same clear message when nothing is set
        auth = earthaccess.login(strategy="all", persist=False)
        if not getattr(auth, "authenticated", False):
            raise CredentialError("Earthdata Login", "earthaccess could not log in with the credential found "
                                  "(check the user name and password, or the token)")
        return earthaccess.get_requests_https_session()
    cred = earthdata(environ)
    return HostAuthSession(cred, auth_hosts=(login_host,), token_hosts=(login_host,))


def gosat_session(base_url: str, environ=None) -> requests.Session:
    """A session that sends the GOSAT credential to the GDAS host only."""
    cred = gosat(base_url, environ)
    return HostAuthSession(cred, auth_hosts=(urlsplit(base_url).hostname or "",))


def public_session() -> requests.Session:
    return HostAuthSession(None)
