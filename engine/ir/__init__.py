"""The intermediate representation (IR): frozen, validated, hashed descriptions of decision
problems, Bayesian networks and influence diagrams (shared/DESIGN.md, "engine/ir").

``nodes`` declares the parts (variables, CPTs, values, norms, theories, policies), ``problem``
and ``network`` the containers, ``checks`` their invariants (run once, at construction),
``encode`` / ``decode`` the JSON form that is hashed and written.
"""

from engine.ir.continuous import ContinuousVariable as ContinuousVariable
from engine.ir.continuous import LinearTerm as LinearTerm
from engine.ir.continuous import LogisticCPT as LogisticCPT
from engine.ir.decode import decode as decode
from engine.ir.encode import encode as encode
from engine.ir.encode import provenance_dict as provenance_dict
from engine.ir.hashing import ContentHashed as ContentHashed
from engine.ir.hashing import content_digest as content_digest
from engine.ir.network import BayesianNetwork as BayesianNetwork
from engine.ir.nodes import ABSTRACTIONS as ABSTRACTIONS
from engine.ir.nodes import CPT as CPT
from engine.ir.nodes import FORMALISMS as FORMALISMS
from engine.ir.nodes import MODALITIES as MODALITIES
from engine.ir.nodes import NORM_HANDLINGS as NORM_HANDLINGS
from engine.ir.nodes import THEORY_KINDS as THEORY_KINDS
from engine.ir.nodes import UTILITY_DISTRIBUTIONS as UTILITY_DISTRIBUTIONS
from engine.ir.nodes import Clause as Clause
from engine.ir.nodes import CPTUncertainty as CPTUncertainty
from engine.ir.nodes import DecisionNode as DecisionNode
from engine.ir.nodes import DoubleEffect as DoubleEffect
from engine.ir.nodes import Effect as Effect
from engine.ir.nodes import Norm as Norm
from engine.ir.nodes import ParameterUncertainty as ParameterUncertainty
from engine.ir.nodes import Policy as Policy
from engine.ir.nodes import PolicyCase as PolicyCase
from engine.ir.nodes import Provenance as Provenance
from engine.ir.nodes import Theory as Theory
from engine.ir.nodes import UtilityUncertainty as UtilityUncertainty
from engine.ir.nodes import ValueDimension as ValueDimension
from engine.ir.nodes import Variable as Variable
from engine.ir.problem import DecisionProblem as DecisionProblem
