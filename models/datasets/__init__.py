"""Public moral-decision datasets as decision problems (producers of IR from files).

Each adapter reads one file through :mod:`models.datasets.source` (size limit, UTF-8, CSV or
JSON, one-line errors naming the row and column) and returns an
:class:`~models.datasets.source.ImportResult`: problems with provenance (dataset, row id, line)
and the rows skipped with ``skip_bad``, never a silent drop. :data:`IMPORTERS` names them for
the command line; :func:`models.datasets.export.write_import` writes an import to a folder.
"""

from __future__ import annotations

from models.datasets.source import Imported as Imported
from models.datasets.source import ImportResult as ImportResult
from models.datasets.source import Skipped as Skipped

#: dataset name -> "module:function(path, *, skip_bad) -> ImportResult"
IMPORTERS: dict[str, str] = {
    "moralchoice": "models.datasets.moralchoice:import_moralchoice",
    "daily-dilemmas": "models.datasets.daily_dilemmas:import_dilemmas",
}


def importer(name: str):  # noqa: ANN201 - the adapter's own signature
    """The import function registered as ``name`` (its module imported now)."""
    import importlib

    from engine.errors import PolicyError, listing

    if name not in IMPORTERS:
        raise PolicyError(f"unknown dataset {name!r}; expected one of {listing(IMPORTERS)}")
    module, attr = IMPORTERS[name].split(":")
    return getattr(importlib.import_module(module), attr)
