"""Errors raised on bad input. Every one names the file and, where known, the dataset or key."""

from __future__ import annotations


class SatcolError(Exception):
    """Base class of satcol's own errors."""


class BadInputError(SatcolError):
    """An input file that cannot be used.

    ``reason`` is a short machine-readable slug (e.g. ``missing_dataset``) under which a skip
    is counted in ``results/summary.json`` when the config says ``on_bad_input: skip``.
    """

    def __init__(self, path, reason: str, message: str, dataset: str | None = None):
        self.path = str(path)
        self.reason = reason
        self.dataset = dataset
        self.detail = message
        where = f"{self.path}"
        if dataset:
            where += f" [dataset {dataset}]"
        super().__init__(f"{where}: {message} (reason: {reason})")

    def as_record(self) -> dict:
        return {
            "file": self.path,
            "reason": self.reason,
            "dataset": self.dataset,
            "message": self.detail,
        }


class ConfigError(SatcolError):
    """A configuration value that cannot be used; the message names the key."""


#: The values of the config key ``on_bad_input``: ``fail`` raises the BadInputError, ``skip``
#: records it (``results/summary.json``) and goes on without the file.
ON_BAD_INPUT = ("fail", "skip")


def handle_bad_input(err: BadInputError, on_bad_input: str, skipped: list, log=None) -> None:
    """Apply the ``on_bad_input`` policy to one bad input: the one definition of fail/skip.

    Parameters
    ----------
    err : BadInputError
        The bad input.
    on_bad_input : str
        ``"skip"`` records ``err.as_record()`` in ``skipped`` (and logs a warning on ``log``, a
        :class:`logging.Logger`, when given); anything else raises ``err``.
    skipped : list
        The records of the inputs skipped so far.
    """
    if on_bad_input != "skip":
        raise err
    if log is not None:
        log.warning("skipping bad input: %s", err)
    skipped.append(err.as_record())
