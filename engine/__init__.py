"""engine: the library — the IR, scenario files, the backend protocol and registry, decision
semantics and rules, and the analyses composed on decisions (shared/DESIGN.md).

Importing it loads numpy only: scenario files (pydantic, YAML) load with ``engine.scenario``,
backends when they are used. The composition root, ``phronesis``, is the public entry point.
"""

from engine.decision.pipeline import decide as decide
from engine.decision.result import Decision as Decision
from engine.errors import BackendUnavailable as BackendUnavailable
from engine.errors import EvidenceError as EvidenceError
from engine.errors import InferenceError as InferenceError
from engine.errors import InvalidProblem as InvalidProblem
from engine.errors import PhronesisError as PhronesisError
from engine.errors import PolicyError as PolicyError
from engine.errors import ScenarioError as ScenarioError
from engine.ir import BayesianNetwork as BayesianNetwork
from engine.ir import DecisionProblem as DecisionProblem

__all__ = [
    "BackendUnavailable",
    "BayesianNetwork",
    "Decision",
    "DecisionProblem",
    "EvidenceError",
    "InferenceError",
    "InvalidProblem",
    "PhronesisError",
    "PolicyError",
    "ScenarioError",
    "decide",
]
