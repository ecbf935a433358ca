"""Config loading and validation outside Snakemake (tests, notebooks, benchmarks).

The Snakefile validates with ``snakemake.utils.validate`` against the same schema; this module
gives library users the same checks and defaults. YAML is loaded with ``yaml.safe_load`` only;
nothing in a config is ever evaluated.
"""

from __future__ import annotations

import copy
from pathlib import Path

import jsonschema
import yaml

from satcol.core.errors import ConfigError

#: The checkout this module lies in; meaningful only in a checkout (an editable install), where
#: the tests and benchmarks find config/filters/ under it.
REPO_DIR = Path(__file__).resolve().parents[3]
#: The package's data folder. In a checkout its files are links to ``config/config.yaml``,
#: ``config/schema/config.schema.yaml`` and ``config/tccon_sites.tsv`` (the files users edit and
#: the Snakefile reads); an installed wheel carries copies, so that a config can be loaded and
#: validated by an install that has no checkout (``pip install .``).
DATA_DIR = Path(__file__).resolve().parents[1] / "data"
SCHEMA_PATH = DATA_DIR / "config.schema.yaml"
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
    schema = load_schema()
    cls = _with_defaults(jsonschema.validators.validator_for(schema))
    errors = sorted(cls(schema).iter_errors(config), key=lambda e: list(e.absolute_path))
    if errors:
        e = errors[0]
        key = ".".join(str(p) for p in e.absolute_path) or "<top level>"
        raise ConfigError(f"config key {key}: {e.message}")
    return config


def load_config(*paths, overrides: dict | None = None) -> dict:
    """Default config, then each YAML file in ``paths``, then ``overrides``; validated."""
    config = normalize(read_yaml(DEFAULT_CONFIG))
    for p in paths:
        config = deep_update(config, normalize(read_yaml(p)))
    if overrides:
        config = deep_update(config, normalize(overrides))
    return validate(config)
