"""Scenario files (YAML or JSON) -> :class:`~engine.ir.DecisionProblem`: read the document
(``document``), validate it against the file schema (``models``, pydantic), lower it to the IR
(``lower``, ``tables``, ``hybrid``). ``read`` composes the steps."""

from engine.scenario.document import read_document as read_document
from engine.scenario.models import json_schema as json_schema
from engine.scenario.read import load_scenario as load_scenario
from engine.scenario.read import parse_scenario as parse_scenario
