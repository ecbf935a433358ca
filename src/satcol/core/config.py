"""Config loading and validation outside Snakemake (tests, notebooks, benchmarks).

The Snakefile validates with ``snakemake.utils.validate`` against the same schema; this module
gives library users the same checks and defaults. YAML is loaded with ``yaml.safe_load`` only;
nothing in a config is ever evaluated.
"""

from __future__ import annotations

import copy
import importlib
import logging
from pathlib import Path

import jsonschema
import yaml

from satcol.core.errors import ConfigError

log = logging.getLogger(__name__)

#: Keys of the MOPITT chain that moved from the top level to ``instruments.mopitt`` (issue 20):
#: old place -> new place, as key paths.
MOVED_KEYS = {("input", "mopitt"): ("instruments", "mopitt", "input"),
              **{(k,): ("instruments", "mopitt", k) for k in
                 ("prefilter", "instrument_events", "pixel_bias", "sra", "filters", "feature_bias", "export")}}
#: Instruments with a chain of their own that does not go through the shared ``{instrument}``
#: rules (GOSAT: rules/instruments/gosat_s23.smk).
OWN_CHAIN = ("gosat",)

#: The checkout this module lies in; meaningful only in a checkout (an editable install), where
#: the tests and benchmarks find config/filters/ under it.
REPO_DIR = Path(__file__).resolve().parents[3]
#: The package's data folder. In a checkout its files are links to ``config/config.yaml``,
#: ``config/schema/config.schema.yaml`` and ``config/tccon_sites.tsv`` (the files users edit and
#: the Snakefile reads); an installed wheel carries copies, so that a config can be loaded and
#: validated by an install that has no checkout (``pip install .``).
DATA_DIR = Path(__file__).resolve().parents[1] / "data"
SCHEMA_PATH = DATA_DIR / "config.schema.yaml"
#: The per-instrument schemas the main schema references (``$ref: instruments/<name>.schema.yaml``).
INSTRUMENT_SCHEMAS = {"mopitt": DATA_DIR / "instruments" / "mopitt.schema.yaml"}
DEFAULT_CONFIG = DATA_DIR / "config.yaml"
#: The TCCON site table of the default config (H19 Table 1 with coincidence boxes).
DEFAULT_SITES = DATA_DIR / "tccon_sites.tsv"


def normalize(config):
    """Return a copy with all mapping keys as strings (YAML turns ``1:`` into an int key)."""
    if isinstance(config, dict):
        return {str(k): normalize(v) for k, v in config.items()}
    if isinstance(config, list):
        return [normalize(v) for v in config]
    return config


def deep_update(base: dict, override: dict) -> dict:
    """Merge ``override`` into a copy of ``base`` key by key (as Snakemake merges configfiles)."""
    out = copy.deepcopy(base)
    for k, v in override.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = deep_update(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def migrate(config: dict, source: str = "config") -> tuple[dict, list[str]]:
    """Move the MOPITT keys of an old config to their places under ``instruments.mopitt``.

    Parameters
    ----------
    config : dict
        One config source (a config file, or the overrides of a run), normalized, before it is
        merged with the defaults.
    source : str
        Name of the source in the messages.

    Returns
    -------
    (dict, list of str)
        A migrated copy, and one message per moved key naming its new place (also logged).

    Raises
    ------
    ConfigError
        A key given both at its old and at its new place (both named).
    """
    out = copy.deepcopy(config)
    messages = []
    for old, new in MOVED_KEYS.items():
        parent = out
        for k in old[:-1]:
            parent = parent.get(k) if isinstance(parent, dict) else None
        if not isinstance(parent, dict) or old[-1] not in parent:
            continue
        target = out
        for k in new[:-1]:
            target = target.get(k) if isinstance(target, dict) else None
        if isinstance(target, dict) and new[-1] in target:
            raise ConfigError(f"{source}: config key {'.'.join(old)} and config key {'.'.join(new)} both given; "
                              f"keep only {'.'.join(new)}")
        value = parent.pop(old[-1])
        if old[0] == "input" and not out["input"]:
            del out["input"]
        node = out
        for k in new[:-1]:
            node = node.setdefault(k, {})
            if not isinstance(node, dict):
                raise ConfigError(f"{source}: config key {k} must be a mapping")
        node[new[-1]] = value
        msg = f"config: '{'.'.join(old)}' moved to '{'.'.join(new)}'; accepted for now, please move it"
        log.warning(msg)
        messages.append(msg)
    return out, messages


def instrument_config(config: dict, name: str = "mopitt") -> dict:
    """The config one instrument's chain reads: the shared sections with the instrument's own
    section (``instruments.<name>``) at the top level, as the chain functions take it
    (``config["prefilter"]``, ``config["sra"]``, ...). ``instruments`` itself is left out."""
    shared = {k: copy.deepcopy(v) for k, v in config.items() if k != "instruments"}
    own = copy.deepcopy(config.get("instruments", {}).get(name, {}))
    return {**shared, **own}


def load_plugins(modules) -> list[str]:
    """Import the ``plugins`` modules (each registers its instruments on import) and the modules
    of the installed ``satcol.instruments`` entry points; returns the names imported.

    Raises
    ------
    ConfigError
        A module that cannot be imported, naming the config key and the module.
    """
    from importlib.metadata import entry_points

    names = []
    for ep in entry_points(group="satcol.instruments"):
        ep.load()
        names.append(ep.value)
    for name in modules or ():
        try:
            importlib.import_module(name)
        except ImportError as exc:
            raise ConfigError(f"config key plugins: cannot import {name!r} ({exc})") from None
        names.append(name)
    return names


def generic_instruments(config: dict) -> list[str]:
    """The instruments the shared ``{instrument}`` rules run: MOPITT and every other section of
    ``instruments`` but those with a chain of their own (:data:`OWN_CHAIN`), in config order
    after MOPITT. Each must be registered (by a ``plugins`` module); ConfigError names an
    unknown one with the available ones."""
    from satcol import instruments

    names = ["mopitt"] + [n for n in config.get("instruments", {}) if n != "mopitt" and n not in OWN_CHAIN]
    for n in names:
        try:
            instruments.get(n)
        except KeyError:
            raise ConfigError(f"config key instruments.{n}: no instrument {n!r} is registered (available: "
                              f"{instruments.available()}; a plug-in registers one through config key plugins)") from None
    return names


def _with_defaults(validator_class):
    validate_properties = validator_class.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, schema):
        if isinstance(instance, dict):
            for prop, sub in properties.items():
                if "default" in sub and prop not in instance:
                    instance[prop] = copy.deepcopy(sub["default"])
        yield from validate_properties(validator, properties, instance, schema)

    return jsonschema.validators.extend(validator_class, {"properties": set_defaults})


def read_yaml(path) -> dict:
    """A YAML mapping, loaded safely; ConfigError names the file if it is not a mapping."""
    with open(path) as f:
        data = yaml.safe_load(f)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of config keys, got {type(data).__name__}")
    return data


def load_schema() -> dict:
    return read_yaml(SCHEMA_PATH)


def validate(config: dict) -> dict:
    """Validate (and fill defaults into) a normalized config; ConfigError names the key."""
    from referencing import Registry
    from referencing.jsonschema import DRAFT202012

    schema = load_schema()
    cls = _with_defaults(jsonschema.validators.validator_for(schema))
    # Without their $schema line: a referenced schema naming its dialect would be validated by
    # that dialect's stock validator (jsonschema's evolve), which does not fill in defaults.
    registry = Registry().with_resources(
        (f"instruments/{name}.schema.yaml",
         DRAFT202012.create_resource({k: v for k, v in read_yaml(path).items() if k != "$schema"}))
        for name, path in INSTRUMENT_SCHEMAS.items())
    errors = sorted(cls(schema, registry=registry).iter_errors(config), key=lambda e: list(e.absolute_path))
    if errors:
        e = errors[0]
        key = ".".join(str(p) for p in e.absolute_path) or "<top level>"
        raise ConfigError(f"config key {key}: {e.message}")
    return config


def load_config(*paths, overrides: dict | None = None) -> dict:
    """Default config, then each YAML file in ``paths``, then ``overrides``; each source migrated
    (:func:`migrate`: MOPITT's old top-level keys moved to ``instruments.mopitt``), then
    validated. :func:`instrument_config` gives the view one instrument's chain functions take."""
    config = normalize(read_yaml(DEFAULT_CONFIG))
    for p in paths:
        config = deep_update(config, migrate(normalize(read_yaml(p)), str(p))[0])
    if overrides:
        config = deep_update(config, migrate(normalize(overrides), "overrides")[0])
    return validate(config)
