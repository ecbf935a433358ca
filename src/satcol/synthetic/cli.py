"""``satcol synthesize`` (alias ``satcol-synthesize``): the synthetic record (MOPITT L2 days,
TCCON site files, truth tables) outside the Snakemake workflow, e.g. to try a reader or a notebook on files in the real formats.

The files are the ones the workflow's synthetic rules write for the same config: the same days,
the same seeds, the same names, so a directory made here can be fed to the workflow in real-data
mode (``instruments.mopitt.input``/``input.tccon`` globs over it).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from satcol.core import config as satcol_config
from satcol.core.errors import ConfigError


def _parser(prog="satcol-synthesize") -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog=prog, epilog="exit codes: 0 done; 2 bad arguments or config, or OUTDIR not writable (the message "
               "names the key or file)",
        description="Write the synthetic MOPITT L2 and TCCON files of a satcol config (the default "
                    "config's synthetic section unless --configfile says otherwise) into a directory, "
                    "with the injected truth per sounding.")
    ap.add_argument("outdir", type=Path,
                    help="directory to write into: mopitt/, tccon/ and truth/ are made under it")
    ap.add_argument("--configfile", type=Path, action="append", default=[],
                    help="YAML config merged over the defaults, key by key (repeatable)")
    ap.add_argument("--start", help="first day, YYYY-MM-DD (overrides synthetic.start)")
    ap.add_argument("--end", help="last day, YYYY-MM-DD (overrides synthetic.end)")
    ap.add_argument("--days-per-month", type=int, help="days drawn per month (overrides synthetic.days_per_month)")
    ap.add_argument("--orbits-per-day", type=int, help="orbits per day (overrides synthetic.orbits_per_day)")
    ap.add_argument("--no-tccon", action="store_true", help="write the MOPITT days only")
    ap.add_argument("--sites", type=Path,
                    help="TCCON site table (TSV; default: the config's tccon_sites, else the packaged H19 table)")
    ap.add_argument("--overwrite", action="store_true", help="rewrite files that already exist")
    return ap


def _sites_table(path_arg, cfg) -> Path:
    if path_arg is not None:
        if not path_arg.is_file():
            raise ConfigError(f"--sites: file not found: {path_arg}")
        return path_arg
    configured = Path(cfg["tccon_sites"])
    return configured if configured.is_file() else satcol_config.DEFAULT_SITES


def synthesize(outdir: Path, syn: dict, sites_table: Path | None, overwrite=False, echo=print) -> dict:
    """Write the synthetic record of ``syn`` (the validated ``synthetic`` config section).

    Parameters
    ----------
    outdir : Path
        Directory; ``mopitt/``, ``truth/`` and ``tccon/`` are created under it.
    syn : dict
        The ``synthetic`` section of a validated config.
    sites_table : Path or None
        TCCON site table; None writes no TCCON files.
    overwrite : bool
        Rewrite files that exist (default: keep them and say so).
    echo : callable
        Progress printer (one line per file).

    Returns
    -------
    dict
        Counts: ``mopitt_files``, ``soundings``, ``tccon_files``, ``skipped_existing``.
    """
    import pandas as pd

    from satcol.core import ioutil
    from satcol.synthetic import (
        calendar,
        mopitt,
        mopitt_writer,
        tccon,
    )

    days = calendar.all_days(syn)
    counts = {"mopitt_files": 0, "soundings": 0, "tccon_files": 0, "skipped_existing": 0}
    t0 = time.monotonic()
    for k, day in enumerate(days, 1):
        he5 = outdir / "mopitt" / mopitt_writer.file_name(day, syn["product_version"])
        truth_path = outdir / "truth" / f"MOP02J-{day:%Y%m%d}-truth.parquet"
        if he5.exists() and truth_path.exists() and not overwrite:
            counts["skipped_existing"] += 1
            continue
        fields, truth_table = mopitt.simulate_day(day, syn)
        mopitt_writer.write_mop02(he5, fields, day, syn["product_version"])
        truth_path.parent.mkdir(parents=True, exist_ok=True)
        ioutil.write_parquet(pd.DataFrame(truth_table), truth_path)
        n = len(truth_table["index"])
        counts["mopitt_files"] += 1
        counts["soundings"] += n
        echo(f"[{k}/{len(days)}] {he5.name}: {n} soundings ({time.monotonic() - t0:.0f} s)")
    if sites_table is not None:
        sites = tccon.read_site_table(sites_table)
        for site_id, name in tccon.planned_files(sites, syn).items():
            path = outdir / "tccon" / name
            if path.exists() and not overwrite:
                counts["skipped_existing"] += 1
                continue
            site = sites[sites["id"] == site_id].iloc[0]
            sim = tccon.simulate_site(site, syn)
            if sim is None:
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            tccon.write(path, sim, site)
            counts["tccon_files"] += 1
            echo(f"{path.name}: {sim['time'].size} measurements")
    return counts


def main(argv=None, prog="satcol-synthesize") -> int:
    """Entry point of ``satcol synthesize`` and its alias ``satcol-synthesize`` (``prog`` names the
    command in messages); returns the exit code (0 done, 2 bad config or arguments)."""
    a = _parser(prog).parse_args(argv)
    overrides = {"synthetic": {k: v for k, v in (("start", a.start), ("end", a.end),
                                                 ("days_per_month", a.days_per_month),
                                                 ("orbits_per_day", a.orbits_per_day)) if v is not None}}
    try:
        for f in a.configfile:
            if not f.is_file():
                raise ConfigError(f"--configfile: file not found: {f}")
        cfg = satcol_config.load_config(*a.configfile, overrides=overrides)
        syn = cfg["synthetic"]
        if syn["end"] < syn["start"]:
            raise ConfigError("config key synthetic.end: before synthetic.start")
        sites = None if a.no_tccon else _sites_table(a.sites, cfg)
        counts = synthesize(a.outdir, syn, sites, overwrite=a.overwrite)
    except ConfigError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # e.g. OUTDIR is a file, or not writable
        print(f"{prog}: cannot write under {a.outdir}: {exc}", file=sys.stderr)
        return 2
    print(f"{prog}: {counts['mopitt_files']} MOPITT files ({counts['soundings']} soundings), "
          f"{counts['tccon_files']} TCCON files written under {a.outdir}"
          + (f"; {counts['skipped_existing']} existing files kept" if counts["skipped_existing"] else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
