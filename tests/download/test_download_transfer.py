"""The transfer layer against a real HTTP server on 127.0.0.1 (issue 24, Build 2 and 3):
range resume after a cut connection, retries on 503, refusal of a wrong checksum, no refetch of
a verified file, clear errors naming the file and the status.

Mutations checked on this branch, each failing the tests named: the part opened "wb" after a
206 (both resume tests: only the tail is kept and refused); no retry on 5xx (both 503 tests);
the final verification removed (wrong checksum, size and SHA-256 tests); the sidecar not
consulted (the present-file test: the file is hashed again and reported "verified", not
"present"). Without the Range header the resume tests see no Range on the second GET.
"""

import hashlib
import json
import os

import pytest
import requests
from download_server import Server, no_network  # noqa: F401

from satcol.download.errors import DownloadError
from satcol.download.transfer import Policy, Remote, fetch, read_sidecar

DATA = bytes(range(256)) * 4096  # 1 MiB, every byte position distinguishable
MD5 = hashlib.md5(DATA).hexdigest()
FAST = Policy(retries=3, backoff_s=0.001, timeout_s=10)


@pytest.fixture
def srv():
    with Server() as s:
        s.files["/f/a.he5"] = DATA
        yield s


def remote(srv, **kw):
    args = {"url": f"{srv.url}/f/a.he5", "name": "a.he5", "checksum": f"MD5:{MD5}", "size": len(DATA), "source": "test"}
    args.update(kw)
    return Remote(**args)


def test_plain_download_is_verified_and_recorded(srv, tmp_path):
    rec = fetch(remote(srv), tmp_path, requests.Session(), FAST)
    assert (tmp_path / "a.he5").read_bytes() == DATA
    assert not (tmp_path / "a.he5.part").exists()
    side = read_sidecar(tmp_path / "a.he5")
    assert side == rec and rec["status"] == "downloaded"
    assert rec["url"] == f"{srv.url}/f/a.he5" and rec["archive_checksum"] == f"MD5:{MD5}"
    assert rec["sha256"] == hashlib.sha256(DATA).hexdigest() and rec["size"] == len(DATA)
    assert rec["verified_by"] == "md5 checksum" and rec["retrieved_utc"].endswith("Z")


def test_cut_connection_is_resumed_with_a_range_request(srv, tmp_path):
    srv.behaviour["/f/a.he5"] = ["cut:300000", "ok"]
    waits = []
    fetch(remote(srv), tmp_path, requests.Session(), FAST, sleep=waits.append)
    assert hashlib.md5((tmp_path / "a.he5").read_bytes()).hexdigest() == MD5
    gets = srv.gets("/f/a.he5")
    assert len(gets) == 2 and "Range" not in gets[0]["headers"]
    # the rest was asked for, from where the part ends (at most one read buffer before the cut)
    start = int(gets[1]["headers"]["Range"].removeprefix("bytes=").rstrip("-"))
    assert 200000 < start <= 300000
    assert waits == [FAST.backoff_s]


def test_interrupted_part_from_an_earlier_run_is_resumed(srv, tmp_path):
    (tmp_path / "a.he5.part").write_bytes(DATA[:123457])
    fetch(remote(srv), tmp_path, requests.Session(), FAST)
    assert (tmp_path / "a.he5").read_bytes() == DATA
    assert [g["headers"].get("Range") for g in srv.gets("/f/a.he5")] == ["bytes=123457-"]


def test_server_ignoring_range_replaces_the_part(srv, tmp_path):
    (tmp_path / "a.he5.part").write_bytes(DATA[:1000])
    srv.behaviour["/f/a.he5"] = ["norange"]
    fetch(remote(srv), tmp_path, requests.Session(), FAST)
    assert (tmp_path / "a.he5").read_bytes() == DATA  # not 1000 bytes + the whole file


def test_503_then_200_is_retried_with_backoff(srv, tmp_path):
    srv.behaviour["/f/a.he5"] = ["503", "503", "ok"]
    waits = []
    fetch(remote(srv), tmp_path, requests.Session(), Policy(retries=3, backoff_s=0.01, timeout_s=10),
          sleep=waits.append)
    assert (tmp_path / "a.he5").read_bytes() == DATA
    assert waits == [0.01, 0.02]  # doubled each time
    assert len(srv.gets("/f/a.he5")) == 3


def test_persistent_503_names_file_and_status(srv, tmp_path):
    srv.behaviour["/f/a.he5"] = ["503"] * 10
    with pytest.raises(DownloadError, match=r"a\.he5 \(HTTP 503 from http://127\.0\.0\.1:\d+/f/a\.he5\).*4 attempts") as e:
        fetch(remote(srv), tmp_path, requests.Session(), FAST, sleep=lambda s: None)
    assert e.value.status == 503 and not (tmp_path / "a.he5").exists()


def test_404_stops_at_once_naming_the_status(srv, tmp_path):
    with pytest.raises(DownloadError, match="HTTP 404") as e:
        fetch(remote(srv, url=f"{srv.url}/f/missing.he5"), tmp_path, requests.Session(), FAST)
    assert str(tmp_path / "a.he5") in str(e.value)
    assert len(srv.gets("/f/missing.he5")) == 1  # no retry: a 404 does not heal


def test_wrong_checksum_is_refused_and_nothing_kept(srv, tmp_path):
    bad = "0" * 32
    with pytest.raises(DownloadError, match=f"refused.*md5 {MD5}, the archive publishes {bad}"):
        fetch(remote(srv, checksum=f"MD5:{bad}"), tmp_path, requests.Session(), FAST)
    assert not (tmp_path / "a.he5").exists() and not (tmp_path / "a.he5.part").exists()
    assert read_sidecar(tmp_path / "a.he5") is None


def test_size_verification_when_no_checksum_is_published(srv, tmp_path):
    with pytest.raises(DownloadError, match="refused.*size 1048576 bytes, the archive publishes 1048575"):
        fetch(remote(srv, checksum=None, size=len(DATA) - 1), tmp_path, requests.Session(), Policy(0, 0, 10))
    rec = fetch(remote(srv, checksum=None), tmp_path, requests.Session(), FAST)
    assert rec["verified_by"] == "size"


def test_sha256_checksums_are_checked_too(srv, tmp_path):
    with pytest.raises(DownloadError, match="refused"):
        fetch(remote(srv, checksum="SHA-256:" + hashlib.sha256(DATA[:-1]).hexdigest()), tmp_path,
              requests.Session(), FAST)
    fetch(remote(srv, checksum="SHA-256:" + hashlib.sha256(DATA).hexdigest()), tmp_path, requests.Session(), FAST)


def test_present_verified_file_is_not_fetched_again(srv, tmp_path):
    fetch(remote(srv), tmp_path, requests.Session(), FAST)
    rec = fetch(remote(srv), tmp_path, requests.Session(), FAST)
    assert rec["status"] == "present" and len(srv.gets("/f/a.he5")) == 1


def test_present_file_without_sidecar_is_verified_not_fetched(srv, tmp_path):
    (tmp_path / "a.he5").write_bytes(DATA)
    rec = fetch(remote(srv), tmp_path, requests.Session(), FAST)
    assert rec["status"] == "verified" and srv.gets("/f/a.he5") == []
    assert json.loads((tmp_path / "a.he5.download.json").read_text())["sha256"] == hashlib.sha256(DATA).hexdigest()


def test_present_file_changed_since_its_record_is_fetched_again(srv, tmp_path):
    fetch(remote(srv), tmp_path, requests.Session(), FAST)
    p = tmp_path / "a.he5"
    p.write_bytes(DATA[:-1] + b"\x00")  # damaged in place: its size or mtime no longer those recorded
    os.utime(p, ns=(1, 1))
    rec = fetch(remote(srv), tmp_path, requests.Session(), FAST)
    assert rec["status"] == "downloaded" and p.read_bytes() == DATA and len(srv.gets("/f/a.he5")) == 2
