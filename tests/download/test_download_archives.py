"""The archive layers against recorded search responses served from 127.0.0.1 (issue 24,
Build 1-3): CMR granule search for MOPITT, CaltechDATA records by DOI for TCCON, GOSAT GDAS
listings; credentials and the Earthdata Login redirect; a sentinel password that must appear in
no file a download job writes.

Recorded responses: tests/data/download (README there); their layouts are described in
docs/download.md. Mutations checked on this branch: taking every RelatedUrl instead of the
HTTPS "GET DATA" ones fails the CMR parse test (an s3:// and a .met URL appear); keeping files
of other months fails it too (20090801); not following links.latest fails the revision test
(R0's file); sending the Basic credential to every host fails the EDL test (the data host
receives an Authorization header).
"""

import base64
import copy
import hashlib
import json
import logging
from pathlib import Path

import pytest
import requests
from download_server import Server, no_network  # noqa: F401

from satcol.download import caltechdata, cmr, credentials, gosat, jobs
from satcol.download import plan as dplan
from satcol.download.errors import CredentialError, DownloadError
from satcol.download.transfer import Policy, Remote, fetch

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "download"
ASDC = "https://asdc.larc.nasa.gov"
CALTECH = "https://data.caltech.edu"
SENTINEL = "Sentinel-pw-7f3a91c2"
FAST = {"data_dir": None, "retries": 2, "backoff_s": 0.001, "timeout_s": 10}
SITES = Path(__file__).resolve().parents[2] / "config" / "tccon_sites.tsv"


def load(name, host, base):
    """A recorded response with the archive's host replaced by the test server's."""
    return json.loads((FIXTURES / name).read_text().replace(host, base))


def bind_cmr(doc, files: dict[str, bytes]) -> dict:
    """The CMR response keeping only the granules whose file the server serves, with those
    files' MD5 and size."""
    doc = copy.deepcopy(doc)
    keep = []
    for it in doc["items"]:
        info = it["umm"]["DataGranule"]["ArchiveAndDistributionInformation"][0]
        if info["Name"] in files:
            info["Checksum"] = {"Value": hashlib.md5(files[info["Name"]]).hexdigest(), "Algorithm": "MD5"}
            info["SizeInBytes"] = len(files[info["Name"]])
            keep.append(it)
    doc["items"], doc["hits"] = keep, len(keep)
    return doc


def mopitt_cfg(srv, **kw):
    return {"cmr_url": srv.url, "short_name": "MOP02J", "version": "9", "auth": "netrc", "login_host": "localhost", **kw}


# --- CMR ------------------------------------------------------------------------------------------
def test_cmr_umm_json_gives_the_https_files_of_the_month_with_their_checksums():
    with Server() as srv:
        srv.json_route("/search/granules.umm_json", load("cmr_mop02j_v9_2009-07.umm_json", ASDC, "https://x.test"))
        files = cmr.mopitt_month("2009-07", mopitt_cfg(srv), requests.Session())
        q = srv.gets("/search/granules.umm_json")[0]["query"]
    assert [f.name for f in files] == ["MOP02J-20090716-L2V19.9.3.he5", "MOP02J-20090717-L2V19.9.3.he5"]
    assert files[0] == Remote(
        url="https://x.test/data/MOPITT/MOP02J.009/2009.07.16/MOP02J-20090716-L2V19.9.3.he5",
        name="MOP02J-20090716-L2V19.9.3.he5", checksum="MD5:8f3a1c55b0e9d2477a1e6c3f0b9d4e21", size=98213377,
        source="CMR MOP02J v9")
    assert files[1].checksum == "SHA-256:2c624232cdd221771294dfbb310aca000a0df6ac8b66b696d90ef06fdefb64a3"
    assert files[1].size == 97001234
    assert "short_name=MOP02J" in q and "version=9" in q
    assert "temporal=2009-07-01T00%3A00%3A00Z%2C2009-07-31T23%3A59%3A59Z" in q


def test_cmr_pages_are_followed_with_search_after():
    doc = load("cmr_mop02j_v9_2009-07.umm_json", ASDC, "https://x.test")
    with Server() as srv:
        def route(query, headers):
            page = doc["items"][2:] if headers.get("CMR-Search-After") == '["p2"]' else doc["items"][:2]
            return 200, {"Content-Type": "application/json", "CMR-Search-After": '["p2"]'}, json.dumps(
                {"hits": 3, "items": page}).encode()
        srv.routes["/search/granules.umm_json"] = route
        items = cmr.search_granules(srv.url, "MOP02J", "9", cmr.month_range("2009-07"), requests.Session(), page_size=2)
    assert [i["GranuleUR"] for i in items] == [it["umm"]["GranuleUR"] for it in doc["items"]]


def test_cmr_refusal_and_empty_month_are_clear_errors():
    with Server() as srv:
        srv.routes["/search/granules.umm_json"] = lambda q, h: (400, {}, b'{"errors":["bad temporal"]}')
        with pytest.raises(DownloadError, match=r"CMR granule search MOP02J v9 .*HTTP 400.*bad temporal"):
            cmr.mopitt_month("2009-07", mopitt_cfg(srv), requests.Session())
        srv.json_route("/search/granules.umm_json", {"hits": 0, "took": 3, "items": []})
        with pytest.raises(DownloadError, match="no MOPITT L2 file of this month"):
            cmr.mopitt_month("2009-07", mopitt_cfg(srv), requests.Session())


# --- CaltechDATA ----------------------------------------------------------------------------------
def caltech_server(srv):
    srv.json_route("/api/records", load("caltechdata_search_parkfalls01.json", CALTECH, srv.url))
    srv.routes["/api/records/a1b2c-3d4e5/versions/latest"] = lambda q, h: (
        302, {"Location": f"{srv.url}/api/records/k7m8n-9p0q1"}, b"")
    srv.json_route("/api/records/k7m8n-9p0q1", load("caltechdata_record_parkfalls01_latest.json", CALTECH, srv.url))


def test_caltechdata_doi_resolves_to_the_newest_revision_and_its_public_file():
    with Server() as srv:
        caltech_server(srv)
        latest = caltechdata.site_files(srv.url, "pa", "10.14291/TCCON.GGG2020.PARKFALLS01.R0", requests.Session())
        listed = caltechdata.site_files(srv.url, "pa", "10.14291/tccon.ggg2020.parkfalls01.R0", requests.Session(),
                                        revision="listed")
        q = srv.gets("/api/records")[0]["query"]
    assert latest == [Remote(url=f"{srv.url}/api/records/k7m8n-9p0q1/files/pa20040526_20240831.public.qc.nc/content",
                             name="pa20040526_20240831.public.qc.nc", checksum="md5:3b9e6a0f1c2d3e4f5a6b7c8d9e0f1a2b",
                             size=1310980032, source="doi:10.14291/tccon.ggg2020.parkfalls01.R1")]
    assert [r.name for r in listed] == ["pa20040526_20200629.public.qc.nc"]
    assert "allversions=true" in q and "pids.doi.identifier" in q


def test_caltechdata_unknown_doi_and_wrong_site_are_clear_errors():
    with Server() as srv:
        caltech_server(srv)
        with pytest.raises(DownloadError, match="no CaltechDATA record has this DOI.*doi column"):
            caltechdata.site_files(srv.url, "pa", "10.14291/tccon.ggg2020.nowhere01.R0", requests.Session())
        with pytest.raises(DownloadError, match="lists no public file of site 'oc'"):
            caltechdata.site_files(srv.url, "oc", "10.14291/tccon.ggg2020.parkfalls01.R0", requests.Session())


# --- credentials and the Earthdata Login redirect -------------------------------------------------
def test_missing_earthdata_credential_says_which_and_how(tmp_path):
    env = {"HOME": str(tmp_path)}
    with pytest.raises(CredentialError, match=r"EARTHDATA_TOKEN.*EARTHDATA_USERNAME.*EARTHDATA_PASSWORD.*"
                       r"machine urs\.earthdata\.nasa\.gov.*\.netrc"):
        credentials.earthdata(env)
    with pytest.raises(CredentialError, match=r"\$EARTHDATA_PASSWORD is not set"):
        credentials.earthdata({**env, "EARTHDATA_USERNAME": "u"})
    with pytest.raises(CredentialError, match="GOSAT_USERNAME and GOSAT_PASSWORD.*machine gdas.example"):
        credentials.gosat("https://gdas.example/data", env)


def test_netrc_credential_is_read_and_never_printed(tmp_path):
    (tmp_path / ".netrc").write_text(f"machine urs.earthdata.nasa.gov login alice password {SENTINEL}\n")
    cred = credentials.earthdata({"HOME": str(tmp_path)})
    assert (cred.username, cred.secret) == ("alice", SENTINEL)
    assert SENTINEL not in repr(cred) and SENTINEL not in str(cred)
    assert credentials.redact_url(f"https://alice:{SENTINEL}@h.test/a?token={SENTINEL}&x=1") == \
        "https://h.test/a?token=REDACTED&x=1"


def test_earthdata_login_redirect_sends_the_password_to_the_login_host_only(tmp_path):
    data = b"granule bytes" * 1000
    with Server() as srv:
        srv.files["/data/g.he5"] = data
        srv.edl.add("/data/g.he5")
        srv.edl_login = f"alice:{SENTINEL}"
        session = credentials.earthdata_session(
            environ={"EARTHDATA_USERNAME": "alice", "EARTHDATA_PASSWORD": SENTINEL, "HOME": str(tmp_path)},
            login_host="localhost")
        rem = Remote(f"{srv.url}/data/g.he5", "g.he5", "md5:" + hashlib.md5(data).hexdigest(), len(data))
        fetch(rem, tmp_path, session, Policy(0, 0, 10))
        wrong = credentials.earthdata_session(environ={"EARTHDATA_USERNAME": "alice", "EARTHDATA_PASSWORD": "nope",
                                                       "HOME": str(tmp_path)}, login_host="localhost")
        with pytest.raises(DownloadError, match=r"h\.he5 \(HTTP 401 .*credentials refused"):
            fetch(Remote(f"{srv.url}/data/g.he5", "h.he5"), tmp_path, wrong, Policy(0, 0, 10))
        log = list(srv.log)
    assert (tmp_path / "g.he5").read_bytes() == data
    token = "Basic " + base64.b64encode(f"alice:{SENTINEL}".encode()).decode()
    assert [r["host"] for r in log if r["headers"].get("Authorization") == token] == ["localhost"]
    assert all("Authorization" not in r["headers"] for r in log if r["host"] == "127.0.0.1")


def test_earthdata_token_goes_as_bearer(tmp_path):
    data = b"x" * 5000
    with Server() as srv:
        srv.files["/data/t.he5"] = data
        srv.bearer["/data/t.he5"] = SENTINEL
        session = credentials.earthdata_session(environ={"EARTHDATA_TOKEN": SENTINEL, "HOME": str(tmp_path)})
        fetch(Remote(f"{srv.url}/data/t.he5", "t.he5", size=len(data)), tmp_path, session, Policy(0, 0, 10))
    assert (tmp_path / "t.he5").read_bytes() == data


# --- jobs: search, fetch, manifest; the sentinel password in no file written -----------------------
def scan_for(root: Path, secret: str) -> list[Path]:
    hits = []
    for p in root.rglob("*"):
        if p.is_file() and secret.encode() in p.read_bytes():
            hits.append(p)
    return hits


@pytest.fixture
def debug_log(tmp_path):
    """Everything logged (DEBUG, urllib3 included) into a file under tmp_path."""
    handler = logging.FileHandler(tmp_path / "job.log")
    root = logging.getLogger()
    old = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield tmp_path / "job.log"
    root.removeHandler(handler)
    root.setLevel(old)
    handler.close()


def test_jobs_fetch_mopitt_tccon_and_gosat_and_write_no_credential(tmp_path, debug_log):
    mop = {"MOP02J-20090716-L2V19.9.3.he5": b"\x89HDF" + bytes(range(256)) * 900,
           "MOP02J-20090717-L2V19.9.3.he5": b"\x89HDF" + bytes(range(255, -1, -1)) * 700}
    tccon_name, tccon_bytes = "pa20040526_20240831.public.qc.nc", b"CDF\x01" + b"t" * 70000
    gosat_names = ["GOSAT_L2_CO2_20090716_V03.h5", "GOSAT_L2_CO2_20090717_V03.h5"]
    env = {"EARTHDATA_USERNAME": "alice", "EARTHDATA_PASSWORD": SENTINEL, "GOSAT_USERNAME": "bob",
           "GOSAT_PASSWORD": SENTINEL, "HOME": str(tmp_path)}
    transfer = {**FAST, "data_dir": str(tmp_path / "data")}
    with Server() as srv:
        doc = bind_cmr(load("cmr_mop02j_v9_2009-07.umm_json", ASDC, srv.url), mop)
        srv.json_route("/search/granules.umm_json", doc)
        for name, data in mop.items():
            path = f"/data/MOPITT/MOP02J.009/2009.07.{name[13:15]}/{name}"
            srv.files[path] = data
            srv.edl.add(path)
            srv.behaviour[path] = ["503", "cut:20000", "ok"]
        srv.edl_login = f"alice:{SENTINEL}"
        caltech_server(srv)
        latest = load("caltechdata_record_parkfalls01_latest.json", CALTECH, srv.url)
        latest["files"]["entries"][tccon_name].update(checksum="md5:" + hashlib.md5(tccon_bytes).hexdigest(),
                                                       size=len(tccon_bytes))
        srv.json_route("/api/records/k7m8n-9p0q1", latest)
        srv.files[f"/api/records/k7m8n-9p0q1/files/{tccon_name}/content"] = tccon_bytes
        listing = "".join(f'<a href="{n}">{n}</a>' for n in ["../", *gosat_names, "README.txt"])
        srv.routes["/gdas/SWIRL2CO2/2009/07/"] = lambda q, h: (
            (200, {"Content-Type": "text/html"}, f"<html><body>{listing}</body></html>".encode())
            if h.get("Authorization") == "Basic " + base64.b64encode(f"bob:{SENTINEL}".encode()).decode()
            else (401, {}, b"login"))
        for n in gosat_names:
            srv.files[f"/gdas/SWIRL2CO2/2009/07/{n}"] = n.encode() * 100
            srv.basic[f"/gdas/SWIRL2CO2/2009/07/{n}"] = f"bob:{SENTINEL}"

        m = jobs.mopitt_month("2009-07", mopitt_cfg(srv), transfer, tmp_path / "out/mopitt.json", environ=env,
                              sleep=lambda s: None)
        sites = tmp_path / "sites.tsv"
        sites.write_text(SITES.read_text().replace("tccon.ggg2020.parkfalls01.R0", "TCCON.GGG2020.parkfalls01.R0"))
        t = jobs.tccon_site("pa", sites, {"caltechdata_url": srv.url, "revision": "latest"}, transfer,
                            tmp_path / "out/tccon.json")
        gcfg = {"base_url": f"{srv.url}/gdas", "listing": "{base_url}/{product}/{year}/{month}/",
                "file_pattern": r"\.h5$"}
        g = jobs.gosat_month("SWIRL2CO2", "2009-07", gcfg, transfer, tmp_path / "out/gosat.json", environ=env)
        # A second run finds every file verified and fetches nothing.
        n_before = len(srv.log)
        jobs.mopitt_month("2009-07", mopitt_cfg(srv), transfer, tmp_path / "out/mopitt2.json", environ=env)
        refetched = [r for r in srv.log[n_before:] if r["path"].endswith(".he5")]
    data = tmp_path / "data"
    assert m["files"] == [str(data / "mopitt" / n) for n in sorted(mop)]
    assert all((data / "mopitt" / n).read_bytes() == b for n, b in mop.items())
    assert [d["archive_checksum"] for d in m["downloads"]] == ["MD5:" + hashlib.md5(mop[n]).hexdigest() for n in sorted(mop)]
    assert all(d["url"].startswith(srv.url + "/data/MOPITT/") and d["retrieved_utc"] for d in m["downloads"])
    assert t["files"] == [str(data / "tccon" / tccon_name)] and (data / "tccon" / tccon_name).read_bytes() == tccon_bytes
    assert t["downloads"][0]["source"] == "doi:10.14291/tccon.ggg2020.parkfalls01.R1"
    assert [Path(f).name for f in g["files"]] == gosat_names
    assert g["downloads"][0]["verified_by"].startswith("content-length only")
    assert refetched == []
    # the sentinel was used (the login host and GDAS checked it) and is in no file written
    assert scan_for(tmp_path, SENTINEL) == []
    assert "Authorization" not in debug_log.read_text() and debug_log.stat().st_size > 0


def test_gosat_listing_refused_names_the_status():
    with Server() as srv:
        srv.routes["/gdas/SWIRL2CH4/2009/07/"] = lambda q, h: (403, {}, b"forbidden")
        cfg = {"base_url": f"{srv.url}/gdas", "listing": "{base_url}/{product}/{year}/{month}/", "file_pattern": "h5$"}
        with pytest.raises(DownloadError, match=r"GOSAT SWIRL2CH4 2009-07 listing \(HTTP 403.*GOSAT credentials refused"):
            gosat.month_files(cfg, "SWIRL2CH4", "2009-07", requests.Session())


def test_listing_parser_takes_matching_links_or_lines():
    html = '<a href="?C=N;O=D">Name</a><a href="../">Parent</a><a href="a_V03.h5">a</a><a href="/x/b_V03.h5">b</a>'
    assert gosat.parse_listing(html, r"\.h5$") == ["a_V03.h5", "b_V03.h5"]
    assert gosat.parse_listing("a_V03.h5\nnotes.txt\n", r"\.h5$") == ["a_V03.h5"]


# --- the workflow plan ----------------------------------------------------------------------------
def dl_config(**download):
    from satcol.core.config import load_config

    return load_config(overrides={"synthetic": {"enabled": False},
                                  "download": {"enabled": True, "months": ["2009-07"], **download}})


def test_plan_months_and_operating_sites():
    from satcol.synthetic import tccon as syntccon

    months, mopitt, tccon = dplan.build(dl_config(), SITES)
    table = syntccon.read_site_table(SITES)
    import datetime as dt
    operating = sorted(table[(table.start <= dt.date(2009, 7, 31)) & (table.end >= dt.date(2009, 7, 1))].id)
    assert months == ["2009-07"] and mopitt == {"2009-07": ["results/download/mopitt/2009-07.json"]}
    assert sorted(tccon) == operating and "pa" in operating and "ae" not in operating  # Ascension from 2012
    assert dplan.build(dl_config(tccon={"sites": ["pa", "oc"]}), SITES)[2] == {
        "oc": ["results/download/tccon/oc.json"], "pa": ["results/download/tccon/pa.json"]}


def test_plan_errors_name_the_key(tmp_path):
    from satcol.core.config import load_config
    from satcol.core.errors import ConfigError

    with pytest.raises(ConfigError, match="synthetic.enabled: false"):
        dplan.build(load_config(overrides={"download": {"enabled": True, "months": ["2009-07"]}}), SITES)
    with pytest.raises(ConfigError, match="download.months"):
        dplan.build(dl_config(months=[]), SITES)
    with pytest.raises(ConfigError, match="site 'xx' is not in the site table"):
        dplan.build(dl_config(tccon={"sites": ["xx"]}), SITES)
    no_doi = tmp_path / "sites.tsv"
    no_doi.write_text(SITES.read_text().replace("\t10.14291/tccon.ggg2020.parkfalls01.R0", "\t"))
    with pytest.raises(ConfigError, match="site 'pa' has no DOI"):
        dplan.build(dl_config(tccon={"sites": ["pa"]}), no_doi)


def test_manifests_expand_to_their_files(tmp_path):
    data = tmp_path / "data" / "mopitt"
    data.mkdir(parents=True)
    (data / "a.he5").write_bytes(b"12345")
    rec = {"file": "a.he5", "url": "http://h/a.he5", "mtime_ns": 5, "size": 5}
    dplan.write_manifest(tmp_path / "m.json", "mopitt", "2009-07", [rec], str(data))
    files, downloads = dplan.expand_inputs([str(tmp_path / "m.json"), "other.he5"])
    assert files == [str(data / "a.he5"), "other.he5"]
    assert downloads == [{"file": "a.he5", "url": "http://h/a.he5", "size": 5}]


def test_a_listed_file_changed_after_its_download_is_refused(tmp_path):
    """The manifest, not the data file, is ingest's Snakemake input: a file replaced (other size)
    or deleted after its download must stop ingest naming it, not be read as it is (checked: with
    the size check removed, both cases pass through expand_inputs and this test fails)."""
    from satcol.core.errors import BadInputError

    data = tmp_path / "data"
    data.mkdir()
    (data / "a.he5").write_bytes(b"123456")  # the download recorded 5 bytes
    rec = {"file": "a.he5", "url": "http://h/a.he5", "size": 5}
    dplan.write_manifest(tmp_path / "m.json", "mopitt", "2009-07", [rec], str(data))
    with pytest.raises(BadInputError, match=r"a\.he5.*6 bytes, its download recorded 5"):
        dplan.expand_inputs([str(tmp_path / "m.json")])
    (data / "a.he5").unlink()
    with pytest.raises(BadInputError, match=r"a\.he5.*is missing"):
        dplan.expand_inputs([str(tmp_path / "m.json")])


def test_earthaccess_strategy_uses_its_session_or_says_how_to_install(monkeypatch, tmp_path):
    """auth: earthaccess logs in through the package and transfers with its session (a stand-in
    module here: the package itself is an optional extra and would contact Earthdata Login)."""
    import sys
    import types

    env = {"EARTHDATA_USERNAME": "alice", "EARTHDATA_PASSWORD": SENTINEL, "HOME": str(tmp_path)}
    monkeypatch.setitem(sys.modules, "earthaccess", None)  # not installed
    with pytest.raises(CredentialError, match=r"pip install 'satcol\[download\]'"):
        credentials.earthdata_session("earthaccess", env)
    calls, session = [], requests.Session()
    fake = types.SimpleNamespace(
        login=lambda strategy, persist: calls.append((strategy, persist)) or types.SimpleNamespace(authenticated=True),
        get_requests_https_session=lambda: session)
    monkeypatch.setitem(sys.modules, "earthaccess", fake)
    assert credentials.earthdata_session("earthaccess", env) is session and calls == [("all", False)]
    with pytest.raises(CredentialError, match="EARTHDATA_TOKEN"):  # nothing set: the same message as netrc
        credentials.earthdata_session("earthaccess", {"HOME": str(tmp_path)})
    fake.login = lambda strategy, persist: types.SimpleNamespace(authenticated=False)
    with pytest.raises(CredentialError, match="could not log in"):
        credentials.earthdata_session("earthaccess", env)
