"""A config change reruns what it changes, and nothing else (issue #19, item 1).

One tiny run to completion, then dry runs (``-n``) with one config key, one filter-table
threshold or the site table changed at a time. Snakemake plans a job again when a param it
recorded with the job's outputs changed (params trigger, ``repr`` of each param compared in
``snakemake.persistence.params_changed``), when its set of input files changed (input trigger)
or when an input file is newer than its outputs with another content (mtime trigger); it then
plans everything downstream as well. The expected job set of each case is computed here from
two things that do not come from the rules' params: which rules read the changed value (the
table ``READERS`` below, written down from the science functions each rule's script calls) and
the job graph of the run (inputs and outputs of every job, from a ``--forceall`` dry run).

A change in one instrument's section plans that instrument's jobs only: MOPITT's cases here
(the tiny run has no other instrument of the shared rules; GOSAT's section plans nothing), and
tests/pipeline/test_instrument_workflow.py (a plug-in instrument's section plans its jobs and no MOPITT
job).

Checked on the code before this change (main at e1cf11b, whose scripts read
``snakemake.config`` and got the tables as path strings): 15 of the first 19 of these tests failed there; the
synthetic case passes (that section already was a param), as do the input case (nothing to
plan), the unchanged config and the profiles. The other way round, a rule given more than it
reads is caught too: with the whole pixel_bias section passed to prefilter, the
pixel_bias.final_estimator case fails with prefilter, pixel_bias_preliminary, sra, filters,
apply_filters and feature_bias planned in excess.
"""

import os
import re
import shutil

import pytest
import yaml
from helpers import REPO, TINY, snakemake

from satcol.core import provenance
from satcol.core.config import deep_update, migrate
from satcol.pipeline import plan as workflow_plan

#: Which rules read each config value (section, or section.key where the rules of a section
#: read different keys), from the science functions their scripts call:
#: qcchain.run_prefilter reads prefilter.* and pixel_bias.preliminary_bin_days;
#: run_preliminary_pixel_bias preliminary_bin_days and year_offsets; run_sra, run_sra2 and
#: export.error_correlation_partial (in correct) sra.*; run_apply_filters sra.* and
#: feature_bias.anomalies (the SRA rebuilt on the kept soundings); run_sra2, run_final_pixel_bias and
#: figures_qc pixel_bias final_bin_days and final_estimator; events_s instrument_events;
#: error_correlation_partial export.error_correlation bin_km and max_km; error_correlation.fit_all
#: the whole export.error_correlation; export and the closed loop export.* and
#: sra.overpass_gap_minutes; recovery synthetic.* and export.scale_to/scale_factor; ingest and
#: summary on_bad_input. The input.* globs are read by the plan only, and only with real data.
#: export_month and summary also record the run's config in their provenance (every section but
#: input): left out here, as both are downstream of every reader, so that a change of any
#: section that planned them beyond their readers' downstream would fail these tests.
READERS = {
    "synthetic": {"synthesize_mopitt_day", "synthesize_tccon_site", "osse_recovery"},
    "on_bad_input": {"ingest", "ingest_tccon", "summary"},
    "input": set(),
    "instrument_events": {"pixel_bias_final", "correct", "figures_qc", "osse_recovery"},
    "prefilter": {"prefilter"},
    "pixel_bias.preliminary_bin_days": {"prefilter", "pixel_bias_preliminary"},
    "pixel_bias.final_estimator": {"sra2", "pixel_bias_final", "figures_qc"},
    "sra": {"sra", "apply_filters", "sra2", "correct", "export_month", "osse_closed_loop"},
    "filters": {"filters"},
    "feature_bias": {"feature_bias"},
    "feature_bias.anomalies": {"apply_filters", "feature_bias"},
    "colocation": {"colocate_site"},
    "export": {"export_month", "osse_closed_loop", "osse_recovery"},
    "export.error_correlation.bin_km": {"correct", "error_correlation"},
    "export.error_correlation.family": {"error_correlation"},
    # GOSAT's sections: read by the GOSAT rules only (rules/instruments/gosat_s23.smk), which the
    # tiny run (2009, before the GOSAT record) does not plan: a change plans no MOPITT job
    "synthetic.gosat": set(),
    "instruments.gosat": set(),
    # table files
    "filter_table": {"filters"},
    "site_table": {"synthesize_tccon_site", "correct", "figures_validation"},
}

#: One changed key per case (valid for the schema; a dry run does not compute with it). MOPITT's
#: keys at their places under instruments.mopitt (the tiny run's config is migrated the same way).
def mopitt(section: dict) -> dict:
    return {"instruments": {"mopitt": section}}


CHANGES = {
    "synthetic": {"synthetic": {"truth": {"global_scale": 1.05}}},
    "on_bad_input": {"on_bad_input": "skip"},
    "input": mopitt({"input": "elsewhere/MOP02J-*.he5"}),
    "instrument_events": mopitt({"instrument_events": ["2009-07-28", "2009-07-20"]}),
    "prefilter": mopitt({"prefilter": {"sza_max": 70.0}}),
    "pixel_bias.preliminary_bin_days": mopitt({"pixel_bias": {"preliminary_bin_days": 30}}),
    "pixel_bias.final_estimator": mopitt({"pixel_bias": {"final_estimator": "median_anomaly"}}),
    "sra": mopitt({"sra": {"min_soundings": 12}}),
    "filters": mopitt({"filters": {"criteria": {"max_rms": 7.0}}}),
    "feature_bias": mopitt({"feature_bias": {"min_rms_reduction": 0.05}}),
    "feature_bias.anomalies": mopitt({"feature_bias": {"anomalies": "prefilter_sra"}}),
    "colocation": {"colocation": {"window_minutes": 45}},
    "export": mopitt({"export": {"compression_level": 4}}),
    "export.error_correlation.bin_km": mopitt({"export": {"error_correlation": {"bin_km": 20}}}),
    "export.error_correlation.family": mopitt({"export": {"error_correlation": {"family": "gaussian"}}}),
    "synthetic.gosat": {"synthetic": {"gosat": {"truth": {"xco2_bias_ppm": {"ocean": {"intercept": -3.0}}}}}},
    "instruments.gosat": {"instruments": {"gosat": {"validation": {"min_matchups": 5}}}},
}

RULE = re.compile(r"^(?:local)?rule (\w+):$")


def planned_jobs(out: str) -> dict[tuple, dict]:
    """The jobs of a dry run's listing: (rule, wildcards) -> {"input": [...], "output": [...]}."""
    jobs, current = {}, None
    for line in out.splitlines():
        m = RULE.match(line.strip())
        if m:
            current = {"rule": m.group(1), "wildcards": "", "input": [], "output": []}
            jobs[id(current)] = current
            continue
        if current is not None and line.startswith("    "):
            key, _, value = line.strip().partition(": ")
            if key == "wildcards":
                current["wildcards"] = value
            elif key in ("input", "output"):
                current[key] = [v.strip() for v in value.split(",") if v.strip()]
    return {(j["rule"], j["wildcards"]): j for j in jobs.values()}


def dry_run(wd, config) -> set[tuple]:
    r = snakemake(wd, "-n", config=config, quiet=False)
    return set(planned_jobs(r.stdout + r.stderr))


def downstream(graph: dict[tuple, dict], start: set[tuple]) -> set[tuple]:
    """``start`` and every job that reads, directly or not, an output of one of them."""
    consumers = {}
    for key, job in graph.items():
        for f in job["input"]:
            consumers.setdefault(f, set()).add(key)
    out, todo = set(), list(start)
    while todo:
        key = todo.pop()
        if key in out:
            continue
        out.add(key)
        for f in graph[key]["output"]:
            todo += consumers.get(f, ())
    return out


def expected(graph, case) -> set[tuple]:
    return downstream(graph, {k for k in graph if k[0] in READERS[case]})


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """The tiny run, with its filter table and site table copied into the run directory (the
    copies are edited by the table cases); the job graph from a --forceall dry run."""
    wd = tmp_path_factory.mktemp("rerun")
    shutil.copy(REPO / "config/filters/hedelius2019.yaml", wd / "filters.yaml")
    shutil.copy(REPO / "config/tccon_sites.tsv", wd / "sites.tsv")
    base = deep_update(migrate(yaml.safe_load(yaml.safe_dump(TINY)))[0],
                       {"instruments": {"mopitt": {"filters": {"table": str(wd / "filters.yaml")}}},
                        "tccon_sites": str(wd / "sites.tsv")})
    snakemake(wd, config=base)
    r = snakemake(wd, "-n", "--forceall", config=base, quiet=False)
    graph = planned_jobs(r.stdout + r.stderr)
    assert len(graph) > 20 and ("all", "") in graph
    return wd, base, graph


def changed(base, change):
    return deep_update(yaml.safe_load(yaml.safe_dump(base)), change)


@pytest.mark.workflow
def test_unchanged_config_plans_nothing(run):
    wd, base, _ = run
    assert dry_run(wd, base) == set()


@pytest.mark.workflow
@pytest.mark.parametrize("case", sorted(CHANGES))
def test_changed_key_plans_exactly_the_jobs_that_read_it(run, case):
    wd, base, graph = run
    planned = dry_run(wd, changed(base, CHANGES[case]))
    want = expected(graph, case)
    assert planned == want, (f"missing {sorted(want - planned)}; extra {sorted(planned - want)}")


@pytest.mark.workflow
def test_old_key_places_plan_as_the_new_ones(run):
    """A config with MOPITT's keys at their old top-level places (moved with a message) is the
    same config: nothing to do, and a change given at the old place plans what it plans at the new."""
    wd, base, graph = run
    old = yaml.safe_load(yaml.safe_dump(base))
    section = old.pop("instruments")["mopitt"]
    old.update({k: section[k] for k in ("filters", "export")})
    r = snakemake(wd, "-n", config=old, quiet=False)
    assert set(planned_jobs(r.stdout + r.stderr)) == set()
    assert r.stderr.count("'export' moved to 'instruments.mopitt.export'") == 1  # one line per moved key
    assert dry_run(wd, deep_update(old, {"prefilter": {"sza_max": 70.0}})) == expected(graph, "prefilter")


def edit_and_plan(wd, base, path, old, new):
    """Dry run with ``old`` replaced by ``new`` in the file at ``path``; the file and its
    modification time are restored afterwards."""
    text, st = path.read_text(), path.stat()
    assert text.count(old) == 1, f"{old!r} not found once in {path}"
    path.write_text(text.replace(old, new))  # now newer than the outputs
    try:
        return dry_run(wd, base)
    finally:
        path.write_text(text)
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


@pytest.mark.workflow
def test_changed_filter_threshold_plans_the_filter_job_and_what_follows(run):
    wd, base, graph = run
    planned = edit_and_plan(wd, base, wd / "filters.yaml", "threshold: 300.0", "threshold: 250.0")
    assert planned == expected(graph, "filter_table")


@pytest.mark.workflow
def test_edited_site_table_plans_the_jobs_that_read_it(run):
    wd, base, graph = run
    # Paris's coincidence box one tenth of a degree larger (a site of the tiny run)
    line = next(row for row in (wd / "sites.tsv").read_text().splitlines() if row.startswith("pa\t"))
    cols = line.split("\t")
    cols[8] = f"{float(cols[8]) + 0.1:g}"
    planned = edit_and_plan(wd, base, wd / "sites.tsv", line, "\t".join(cols))
    assert planned == expected(graph, "site_table")
    assert dry_run(wd, base) == set()  # restored: nothing to do again


@pytest.mark.workflow
def test_store_config_hash_covers_only_what_ingest_reads(run):
    """The store's config hash is that of ingest's own config value (on_bad_input), so runs that
    differ in any other key record the same hash (on main it hashed the whole config)."""
    wd, _, _ = run
    import json

    report = json.loads(next((wd / "results/mopitt/store").glob("*/report.json")).read_text())
    assert report["provenance"]["config_sha256"] == provenance.config_hash({"on_bad_input": "fail"})


def test_profiles_keep_the_params_and_input_triggers():
    for name in ("default", "slurm"):
        prof = yaml.safe_load((REPO / "profiles" / name / "config.yaml").read_text())
        triggers = set(prof.get("rerun-triggers", ["mtime", "params", "input", "code", "software-env"]))
        assert {"mtime", "params", "input", "code"} <= triggers, name


def test_params_slice_is_independent_of_key_order():
    """Snakemake compares repr() of a param: the same values named in another order (two config
    files merged the other way round) must give the same record, another value a different one."""
    a = {"export": {"superobs": {"lat_size_deg": 2.0, "lon_size_deg": 2.5}, "scale_to": "none"}}
    b = {"export": {"scale_to": "none", "superobs": {"lon_size_deg": 2.5, "lat_size_deg": 2.0}}}
    assert repr(a["export"]) != repr(b["export"])  # what the trigger would see without sorting
    assert repr(workflow_plan.config_value(a, "export")) == repr(workflow_plan.config_value(b, "export"))
    c = deep_update(a, {"export": {"superobs": {"lat_size_deg": 4.0}}})
    assert repr(workflow_plan.config_value(c, "export")) != repr(workflow_plan.config_value(a, "export"))
    assert workflow_plan.config_value(a, "export", "superobs", only=("lon_size_deg",)) == {"lon_size_deg": 2.5}
    assert workflow_plan.config_value(a, "export", drop=("superobs",)) == {"scale_to": "none"}


def test_config_hash_covers_the_slice_and_the_upstream_hashes():
    job = {"sra": {"min_soundings": 10, "lat_size_deg": 0.8}}
    same = {"sra": {"lat_size_deg": 0.8, "min_soundings": 10}}
    assert provenance.config_hash(job) == provenance.config_hash(same)
    assert provenance.config_hash(job, ["a", "b"]) == provenance.config_hash(same, ["b", "a"])
    assert provenance.config_hash(job, ["a"]) != provenance.config_hash(job, ["c"])  # an upstream change shows
    assert provenance.config_hash(job, ["a"]) != provenance.config_hash(job)
    report = {"provenance": provenance.provenance(job, upstream=["a"])}
    assert provenance.recorded_config_hash(report) == provenance.config_hash(job, ["a"])
    assert provenance.with_store({}, report)["config_sha256"] == provenance.config_hash({}, [report["provenance"]["config_sha256"]])
