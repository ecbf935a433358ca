"""What a user's `pip install .` meets (issue 19 item 4): a non-editable install in a fresh
virtual environment, used from a directory outside the checkout.

Every console command of pyproject.toml answers --help, and so does every subcommand of
``satcol``; the packaged default config loads and validates, satcol-synthesize (and
``satcol synthesize``) writes a day of files, and ``satcol inspect`` reads them. On the code before this test was written
it failed three ways: satcol-synthesize named a module that did not exist, the schema and the
default config were looked up in the checkout (``parents[2]``), and package-data named a folder
that did not exist.
"""

import json
import shutil
import subprocess
import tomllib
import venv

import pytest
from helpers import REPO

pytestmark = pytest.mark.workflow


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh venv with ``pip install <checkout>`` (not editable), and a working directory
    outside the checkout."""
    root = tmp_path_factory.mktemp("install")
    # pip builds in the source tree (build/, *.egg-info): build from a copy, not the checkout.
    src = root / "satcol-src"
    shutil.copytree(REPO, src, symlinks=True, ignore=shutil.ignore_patterns(
        ".git", ".venv", "results", "build", "*.egg-info", ".snakemake", "__pycache__", "work", ".pytest_cache"))
    env_dir = root / "venv"
    venv.create(env_dir, with_pip=True)
    r = subprocess.run([str(env_dir / "bin" / "python"), "-m", "pip", "install", "-q", str(src)],
                       capture_output=True, text=True, timeout=1200)
    assert r.returncode == 0, r.stderr[-3000:]
    work = root / "elsewhere"
    work.mkdir()
    return env_dir / "bin", work


def _run(cmd, cwd):
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, timeout=600,
                          env={"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(cwd)})


def test_every_console_command_answers_help(installed):
    bin_dir, work = installed
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts
    for name in scripts:
        r = _run([str(bin_dir / name), "--help"], work)
        assert r.returncode == 0, (name, r.stderr[-2000:])
        assert r.stdout.startswith("usage: " + name), (name, r.stdout[:200])


def test_satcol_subcommands_answer_help_and_usage_errors(installed):
    """``satcol`` and each of its subcommands answer --help (exit 0, usage naming the
    subcommand); an unknown subcommand exits 2. The subcommand list is the command's own
    (satcol.cli.COMMANDS), so a new subcommand is checked too."""
    bin_dir, work = installed
    r = _run([str(bin_dir / "python"), "-c", "import satcol.cli as c; print(' '.join(c.COMMANDS))"], work)
    assert r.returncode == 0, r.stderr[-2000:]
    commands = r.stdout.split()
    assert {"inspect", "synthesize", "obsop"} <= set(commands)
    top = _run([str(bin_dir / "satcol"), "--help"], work)
    assert top.returncode == 0 and top.stdout.startswith("usage: satcol"), top.stderr[-2000:]
    for cmd in commands:
        assert cmd in top.stdout
        r = _run([str(bin_dir / "satcol"), cmd, "--help"], work)
        assert r.returncode == 0, (cmd, r.stderr[-2000:])
        assert r.stdout.startswith(f"usage: satcol {cmd}"), (cmd, r.stdout[:200])
    bad = _run([str(bin_dir / "satcol"), "no-such-command"], work)
    assert bad.returncode == 2 and "no-such-command" in bad.stderr


def test_installed_package_is_not_the_checkout_and_validates_a_config(installed):
    bin_dir, work = installed
    code = ("import satcol, satcol.core.config as c; from pathlib import Path; "
            "assert not Path(satcol.__file__).is_relative_to(Path(%r)), satcol.__file__; "
            "cfg = c.load_config(); print(cfg['synthetic']['truth']['global_scale']); "
            "c.load_config(overrides={'synthetic': {'orbits_per_dya': 1}})" % str(REPO))
    r = _run([str(bin_dir / "python"), "-c", code], work)
    assert r.returncode != 0
    assert "orbits_per_dya" in r.stderr  # the packaged schema rejected the unknown key by name
    assert r.stdout.strip() == "1.064"  # the packaged default config, the same as the checkout's


def test_synthesize_writes_a_day_outside_the_checkout(installed):
    bin_dir, work = installed
    r = _run([str(bin_dir / "satcol-synthesize"), "out", "--start", "2009-07-16", "--end", "2009-07-16",
              "--days-per-month", "1"], work)
    assert r.returncode == 0, r.stderr[-3000:]
    assert sorted(p.name for p in (work / "out" / "mopitt").iterdir()) == ["MOP02J-20090716-L2V19.9.3.he5"]
    assert (work / "out" / "truth" / "MOP02J-20090716-truth.parquet").is_file()
    assert any((work / "out" / "tccon").iterdir())
    bad = _run([str(bin_dir / "satcol-synthesize"), "out2", "--start", "2009-07-16", "--end", "2009-07-01"], work)
    assert bad.returncode == 2 and "synthetic.end" in bad.stderr
    # The same through `satcol synthesize`, and `satcol inspect` on what it wrote.
    r = _run([str(bin_dir / "satcol"), "synthesize", "out3", "--start", "2009-07-16", "--end", "2009-07-16",
              "--days-per-month", "1", "--no-tccon"], work)
    assert r.returncode == 0, r.stderr[-3000:]
    he5 = work / "out3" / "mopitt" / "MOP02J-20090716-L2V19.9.3.he5"
    tccon = sorted((work / "out" / "tccon").iterdir())[0]
    r = _run([str(bin_dir / "satcol"), "inspect", "--json", str(he5), str(tccon)], work)
    assert r.returncode == 0, (r.stdout[-2000:], r.stderr[-2000:])
    mop, tcc = json.loads(r.stdout)
    assert mop["kind"] == "mopitt" and mop["ok"] and mop["time_start"].startswith("2009-07-16")
    assert tcc["kind"] == "tccon" and tcc["ok"]


def test_checkout_data_links_resolve():
    """In the checkout the package data are links to the config files users edit."""
    data = REPO / "src" / "satcol" / "data"
    for name, target in (("config.yaml", "config/config.yaml"), ("config.schema.yaml", "config/schema/config.schema.yaml"),
                         ("tccon_sites.tsv", "config/tccon_sites.tsv")):
        assert (data / name).resolve() == (REPO / target).resolve(), name
