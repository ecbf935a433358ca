"""Fetch the real inputs a run needs: MOPITT L2 from NASA CMR, TCCON GGG2020 from CaltechDATA,
GOSAT NIES L2 from the GDAS server (issue 24).

Layers, each testable against a server on 127.0.0.1:

- :mod:`.transfer`: one file over HTTP(S): range resume, retries with back-off, temporary name
  and rename, checksum or size verification, a JSON provenance sidecar beside the file.
- :mod:`.credentials`: Earthdata and GOSAT credentials from the environment or ``~/.netrc``
  (never from the config), and the sessions that carry them.
- :mod:`.cmr`, :mod:`.caltechdata`, :mod:`.gosat`: what to fetch, from each archive's search
  API or listing.
- :mod:`.plan` and :mod:`.jobs`: the workflow's side (months and sites to fetch, manifests that
  hand the files to ingest).
"""

from satcol.download.errors import CredentialError, DownloadError

__all__ = ["CredentialError", "DownloadError"]
