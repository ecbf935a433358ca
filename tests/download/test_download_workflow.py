"""The download rules in the workflow (issue 24, Acceptance): a dry run with download.enabled
plans the download jobs for the configured months and sites and ingest depends on them; a real
run against a server on 127.0.0.1 fetches a month of MOPITT (through the Earthdata Login
redirect) and a TCCON site, ingest reads the fetched file and records where it came from, and
the sentinel password is in no file the run writes (logs and Snakemake's metadata included).

Checked: a credential logged by the download (a log line with the password added to
credentials.earthdata) fails the run test on the job's log file, and the jobs test of
test_download_archives on its DEBUG log; with workflow_plan.build ignoring the download
section the dry run stops (no MOPITT file matches the input glob).
"""

import base64
import hashlib
import json
from pathlib import Path

import pytest
from download_server import Server, no_network  # noqa: F401
from helpers import snakemake
from test_download_archives import ASDC, FIXTURES, SENTINEL, bind_cmr, load

pytestmark = pytest.mark.workflow


def planned(out: str) -> dict[tuple, dict]:
    from test_rerun import planned_jobs

    return planned_jobs(out)


def config(srv_url="http://127.0.0.1:9", **download):
    return {"synthetic": {"enabled": False},
            "download": {"enabled": True, "months": ["2009-07", "2009-08"], "data_dir": "fetched",
                         "retries": 2, "backoff_s": 0.01, "timeout_s": 20,
                         "mopitt": {"cmr_url": srv_url, "login_host": "localhost"},
                         "tccon": {"sites": ["pa", "oc"], "caltechdata_url": srv_url}, **download},
            "instruments": {"mopitt": {"export": {"scale_to": "none"}}}}


def test_dry_run_plans_downloads_and_ingest_depends_on_them(tmp_path):
    r = snakemake(tmp_path, "-n", config=config(), quiet=False)
    jobs = planned(r.stdout + r.stderr)
    assert {k for k in jobs if k[0].startswith("download")} == {
        ("download_mopitt_month", "ym=2009-07"), ("download_mopitt_month", "ym=2009-08"),
        ("download_tccon_site", "site=oc"), ("download_tccon_site", "site=pa")}
    for ym in ("2009-07", "2009-08"):
        assert jobs[("ingest", f"instrument=mopitt, ym={ym}")]["input"] == [f"results/download/mopitt/{ym}.json"]
        assert jobs[("download_mopitt_month", f"ym={ym}")]["output"] == [f"results/download/mopitt/{ym}.json"]
    for site in ("oc", "pa"):
        assert jobs[("ingest_tccon", f"site={site}")]["input"] == [f"results/download/tccon/{site}.json"]
    assert not any(k[0].startswith("synthesize") for k in jobs)
    # `snakemake download` plans the downloads only; GOSAT too once enabled
    r = snakemake(tmp_path, "download", "-n", quiet=False,
                  config=config(gosat={"enabled": True, "base_url": "http://127.0.0.1:9/gdas"}))
    jobs = planned(r.stdout + r.stderr)
    assert {k[0] for k in jobs} == {"download", "download_mopitt_month", "download_tccon_site", "download_gosat_month"}
    assert {k[1] for k in jobs if k[0] == "download_gosat_month"} == {
        f"product={p}, ym={ym}" for p in ("SWIRL2CO2", "SWIRL2CH4") for ym in ("2009-07", "2009-08")}


def test_dry_run_errors_name_the_key(tmp_path):
    r = snakemake(tmp_path, "-n", config={"download": {"enabled": True, "months": ["2009-07"]}}, check=False)
    assert r.returncode != 0 and "synthetic.enabled: false" in r.stderr + r.stdout
    r = snakemake(tmp_path, "-n", config={"synthetic": {"enabled": False}, "download": {"enabled": True}}, check=False)
    assert r.returncode != 0 and "download.months" in r.stderr + r.stdout


def test_run_fetches_a_month_and_ingest_reads_it_with_no_credential_written(tmp_path, synthetic_day):
    he5 = Path(synthetic_day["path"])
    data = he5.read_bytes()
    tccon_name, tccon_bytes = "pa20040526_20240831.public.qc.nc", b"CDF\x01" + b"t" * 50000
    wd = tmp_path / "run"
    with Server() as srv:
        srv.json_route("/search/granules.umm_json",
                       bind_cmr(load("cmr_mop02j_v9_2009-07.umm_json", ASDC, srv.url), {he5.name: data}))
        path = f"/data/MOPITT/MOP02J.009/2009.07.16/{he5.name}"
        srv.files[path] = data
        srv.edl.add(path)
        srv.behaviour[path] = ["cut:100000", "503", "ok"]
        srv.edl_login = f"alice:{SENTINEL}"
        caltech = "https://data.caltech.edu"
        srv.json_route("/api/records", load("caltechdata_search_parkfalls01.json", caltech, srv.url))
        srv.routes["/api/records/a1b2c-3d4e5/versions/latest"] = lambda q, h: (
            302, {"Location": f"{srv.url}/api/records/k7m8n-9p0q1"}, b"")
        latest = json.loads((FIXTURES / "caltechdata_record_parkfalls01_latest.json").read_text().replace(caltech, srv.url))
        latest["files"]["entries"][tccon_name].update(checksum="md5:" + hashlib.md5(tccon_bytes).hexdigest(),
                                                       size=len(tccon_bytes))
        srv.json_route("/api/records/k7m8n-9p0q1", latest)
        srv.files[f"/api/records/k7m8n-9p0q1/files/{tccon_name}/content"] = tccon_bytes
        cfg = config(srv.url, months=["2009-07"], tccon={"sites": ["pa"], "caltechdata_url": srv.url})
        env = {"EARTHDATA_USERNAME": "alice", "EARTHDATA_PASSWORD": SENTINEL, "HOME": str(tmp_path),
               "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9", "NO_PROXY": "127.0.0.1,localhost"}
        snakemake(wd, "download", "results/mopitt/store/2009-07/report.json", config=cfg, env=env)
        log = list(srv.log)
    fetched = wd / "fetched" / "mopitt" / he5.name
    assert fetched.read_bytes() == data and (wd / "fetched" / "tccon" / tccon_name).read_bytes() == tccon_bytes
    gets = [r for r in log if r["path"] == path and r["host"] == "127.0.0.1" and "code" not in r["query"]]
    assert any(r["headers"].get("Range", "").startswith("bytes=") for r in gets)  # resumed after the cut
    report = json.loads((wd / "results/mopitt/store/2009-07/report.json").read_text())
    assert report["n_soundings"] > 0
    assert report["provenance"]["input_sha256"][he5.name] == hashlib.sha256(data).hexdigest()
    (dl,) = report["downloads"]
    assert dl["url"] == f"{srv.url}{path}" and dl["archive_checksum"] == "MD5:" + hashlib.md5(data).hexdigest()
    assert dl["retrieved_utc"] and dl["sha256"] == hashlib.sha256(data).hexdigest()
    # the password was used (the login host checked it) and is in no file the run wrote
    auth = "Basic " + base64.b64encode(f"alice:{SENTINEL}".encode()).decode()
    assert any(r["headers"].get("Authorization") == auth for r in log)
    leaked = [p for p in tmp_path.rglob("*") if p.is_file() and SENTINEL.encode() in p.read_bytes()]
    assert leaked == [] and any((wd / ".snakemake").rglob("*")) and any((wd / "results/logs/download").rglob("*.log"))


def test_example_config_plans_a_month_and_its_sites(tmp_path):
    """config/examples/download_month.yaml, the one command of docs/download.md "Getting real data (downloads)", plans its downloads."""
    import yaml
    from helpers import REPO

    cfg = yaml.safe_load((REPO / "config/examples/download_month.yaml").read_text())
    r = snakemake(tmp_path, "-n", config=cfg, quiet=False)
    jobs = planned(r.stdout + r.stderr)
    assert {k for k in jobs if k[0].startswith("download")} == {
        ("download_mopitt_month", "ym=2016-07"), ("download_tccon_site", "site=ci"),
        ("download_tccon_site", "site=oc"), ("download_tccon_site", "site=pa")}
    assert ("summary", "") in jobs and ("tccon_validation", "instrument=mopitt") in jobs
