"""Plan the workflow's partitions: months with their MOPITT files, sites with their TCCON files.

Used by the Snakefile at DAG-construction time. In synthetic mode the files are the ones the
synthetic rules will write; with real data they come from the ``input`` globs.
"""

from __future__ import annotations

import calendar as _cal
import datetime as dt
import glob
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from satcol.core import timeutil
from satcol.core.errors import BadInputError, ConfigError, handle_bad_input
from satcol.core.sites import read_site_table
from satcol.instruments.mopitt import reader as mopitt_io
from satcol.pipeline.ingest import resolve_path
from satcol.validation import tccon as tccon_io

SYN_DIR = "results/synthetic"


@dataclass
class Plan:
    months: list[str]
    mopitt_files: dict[str, list[str]]
    tccon_files: dict[str, list[str]]
    period: tuple[float, float]
    synthetic: bool
    sites_table: str
    skipped: list[dict] = field(default_factory=list)
    synthetic_days: dict[str, list[str]] = field(default_factory=dict)
    #: Instruments beside MOPITT run through the shared rules: name -> {month: files}.
    other_files: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    def files(self, instrument: str) -> dict[str, list[str]]:
        """``{month: files}`` of one instrument of the ``{instrument}`` rules."""
        return self.mopitt_files if instrument == "mopitt" else self.other_files[instrument]

    def months_of(self, instrument: str) -> list[str]:
        """The months of one instrument's record (MOPITT: the run's months)."""
        return self.months if instrument == "mopitt" else sorted(self.other_files[instrument])

    @property
    def sites(self) -> list[str]:
        return sorted(self.tccon_files)

    @property
    def fig1_month(self) -> str:
        """Month shown in Fig. 1: the first April of the record (H19 showed April 2016), else the middle month."""
        aprils = [m for m in self.months if m.endswith("-04")]
        return aprils[0] if aprils else self.months[len(self.months) // 2]


def _month_period(months: list[str]) -> tuple[float, float]:
    y0, m0 = map(int, months[0].split("-"))
    y1, m1 = map(int, months[-1].split("-"))
    start = timeutil.day_start_unix(dt.date(y0, m0, 1))
    end = timeutil.day_start_unix(dt.date(y1, m1, _cal.monthrange(y1, m1)[1])) + 86400.0
    return start, end


def build(config: dict, basedir, others=()) -> Plan:
    """The plan of the run: MOPITT's months and files, the TCCON sites and files, and the files
    of each instrument of ``others`` (the plug-in instruments of the shared rules)."""
    plan = _build_mopitt(config, basedir)
    for name in others:
        plan.other_files[name], skipped = instrument_files(config, name, basedir)
        plan.skipped.extend(skipped)
    return plan


def _build_mopitt(config: dict, basedir) -> Plan:
    sites_table = str(resolve_path(config["tccon_sites"], basedir))
    if not Path(sites_table).is_file():
        raise ConfigError(f"config key tccon_sites: file not found: {config['tccon_sites']}")
    if config.get("download", {}).get("enabled"):
        # Months and sites from the download section; ingest reads the files through the
        # download jobs' manifests (satcol.download.plan).
        from satcol.download import plan as download_plan

        months, mopitt_files, tccon_files = download_plan.build(config, sites_table)
        return Plan(months, mopitt_files, tccon_files, _month_period(months), False, sites_table)
    syn = config["synthetic"]
    if syn["enabled"]:
        # The synthetic record's files (the synthetic package is imported in synthetic mode only).
        from satcol.synthetic import calendar as syncal
        from satcol.synthetic import mopitt_writer
        from satcol.synthetic import tccon as syntccon

        if syncal.parse_date(syn["end"]) < syncal.parse_date(syn["start"]):
            raise ConfigError("config key synthetic.end: before synthetic.start")
        version = syn["product_version"]
        mopitt_files, days = {}, {}
        for ym in syncal.months(syn["start"], syn["end"]):
            ds = syncal.days_of_month(ym, syn["days_per_month"], syn["start"], syn["end"])
            if ds:
                days[ym] = [d.strftime("%Y%m%d") for d in ds]
                mopitt_files[ym] = [f"{SYN_DIR}/mopitt/{mopitt_writer.file_name(d, version)}" for d in ds]
        sites = read_site_table(sites_table)
        tccon_files = {s: [f"{SYN_DIR}/tccon/{name}"] for s, name in syntccon.planned_files(sites, syn).items()}
        months = sorted(mopitt_files)
        return Plan(months, mopitt_files, tccon_files, _month_period(months), True, sites_table,
                    synthetic_days=days)

    skipped = []
    on_bad = config["on_bad_input"]
    by_month: dict[str, list[str]] = {}
    pattern = input_glob(config["instruments"]["mopitt"]["input"])
    for f in sorted(glob.glob(pattern)):
        try:
            info = mopitt_io.parse_filename(f)
        except BadInputError as err:
            handle_bad_input(err, on_bad, skipped)
            continue
        by_month.setdefault(f"{info.date:%Y-%m}", []).append(f)
    wanted = config["input"].get("months")
    if wanted:
        for m in sorted(set(wanted) - set(by_month)):
            msg = f"no MOPITT file for month {m} matches {pattern!r}"
            if on_bad != "skip":
                raise ConfigError(f"config key input.months: {msg}")
            skipped.append({"file": pattern, "reason": "empty_month", "dataset": None, "message": msg})
        by_month = {m: by_month[m] for m in wanted if m in by_month}
    if not by_month:
        raise ConfigError(f"config key instruments.mopitt.input: no MOPITT files match {pattern!r}")
    months = sorted(by_month)
    known = set(read_site_table(sites_table)["id"])
    tccon_files: dict[str, list[str]] = {}
    for f in sorted(glob.glob(input_glob(config["input"]["tccon"]))):
        try:
            site = tccon_io.site_of(f)
            if site not in known:
                raise BadInputError(f, "unknown_site", f"site {site!r} is not in the site table {config['tccon_sites']} "
                                    "(add its coordinates and coincidence box there)")
            tccon_files.setdefault(site, []).append(f)
        except BadInputError as err:
            handle_bad_input(err, on_bad, skipped)
    return Plan(months, by_month, tccon_files, _month_period(months), False, sites_table, skipped)


def instrument_files(config: dict, name: str, basedir=".") -> tuple[dict[str, list[str]], list[dict]]:
    """``{month: files}`` of an instrument beside MOPITT (a plug-in's): the files of its
    ``instruments.<name>.input`` glob whose names its ``parse_filename`` accepts, by the month of
    their date, and the records of the names it refuses (``on_bad_input: skip``; with ``fail``
    the first one stops the run). ConfigError when no file matches."""
    from satcol import instruments

    inst = instruments.get(name)
    pattern = input_glob(str(resolve_path(config["instruments"][name]["input"], basedir)))
    by_month: dict[str, list[str]] = {}
    skipped = []
    for f in sorted(glob.glob(pattern)):
        try:
            info = inst.parse_filename(f)
        except BadInputError as err:
            if config["on_bad_input"] != "skip":
                raise
            skipped.append(err.as_record())
            continue
        by_month.setdefault(f"{info.date:%Y-%m}", []).append(f)
    if not by_month:
        raise ConfigError(f"config key instruments.{name}.input: no {inst.title} files match {pattern!r}")
    return by_month, skipped


def check_output_dir(path="results") -> Path:
    """Make sure the output directory can be created and written; ConfigError names it."""
    p = Path(path).resolve()
    try:
        p.mkdir(parents=True, exist_ok=True)
        probe = p / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise ConfigError(f"output directory {p}: cannot write there ({exc.strerror or exc}); run in a "
                          "writable working directory (snakemake --directory DIR)") from None
    return p


def _sorted(value):
    if isinstance(value, dict):
        return {str(k): _sorted(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, (list, tuple)):
        return [_sorted(v) for v in value]
    return value


def input_glob(pattern: str) -> str:
    """An ``input.*`` glob with ``~`` and environment variables expanded (``$SATCOL_REALDATA/*.he5``,
    ``~/data/...``); a variable that is not set stops the run naming it, rather than matching
    nothing or a literal ``$NAME`` directory."""
    missing = [m for m in re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", pattern) if m not in os.environ]
    if missing:
        raise ConfigError(f"config key input: {pattern!r} names the environment variable ${missing[0]}, which is not set")
    return os.path.expanduser(os.path.expandvars(pattern))


def config_value(config: dict, *path: str, only=None, drop=()):
    """``config[path[0]][path[1]]...`` as a rule's params: a copy with the keys of every mapping
    sorted (``only``: just these keys of it; ``drop``: without these).

    Snakemake's params rerun trigger records ``repr()`` of each param of a job with its outputs
    and compares it with the job's params on the next run (``snakemake.persistence``,
    ``params_changed``): a changed value reruns the job and everything downstream of it, in a
    dry run too. Sorting makes the record independent of the order in which the config files
    named the keys.
    """
    value = config
    for key in path:
        value = value[key]
    if only is not None:
        value = {k: value[k] for k in only}
    if drop:
        value = {k: v for k, v in value.items() if k not in drop}
    return _sorted(value)


def resolve_config_files(config: dict, basedir) -> dict:
    """Absolute paths of the filter tables named in the config; ConfigError names a missing one."""
    out = {}
    for key in ("table", "l3_table", "candidates"):
        value = config["instruments"]["mopitt"]["filters"][key]
        p = resolve_path(value, basedir)
        if not Path(p).is_file():
            raise ConfigError(f"config key instruments.mopitt.filters.{key}: file not found: {value}")
        out[key] = str(Path(p).resolve())
    return out
