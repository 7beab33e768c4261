"""phronesis: probabilistic ethical reasoning (the public API, re-exported from ``engine``)."""

from engine import (
    BayesianNetwork as BayesianNetwork,
)
from engine import (
    Decision as Decision,
)
from engine import (
    DecisionProblem as DecisionProblem,
)
from engine import (
    PhronesisError as PhronesisError,
)
from engine import (
    decide as decide,
)
from engine import (
    load as load,
)
from engine import (
    posterior as posterior,
)

__version__ = "0.1.0"
