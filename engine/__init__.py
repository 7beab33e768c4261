"""phronesis.engine: the IR, scenario files, decision semantics, the public API and the CLI.

Importing this package imports neither torch nor JAX; backends load lazily.
"""

from engine.api import load as load
from engine.api import posterior as posterior
from engine.decide import decide as decide
from engine.errors import (
    EvidenceError as EvidenceError,
)
from engine.errors import (
    InvalidProblem as InvalidProblem,
)
from engine.errors import (
    PhronesisError as PhronesisError,
)
from engine.errors import (
    ScenarioError as ScenarioError,
)
from engine.ir import BayesianNetwork as BayesianNetwork
from engine.ir import DecisionProblem as DecisionProblem
from engine.result import Decision as Decision
