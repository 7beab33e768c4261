"""The Pyro backend: a :class:`~engine.ir.BayesianNetwork` as a Pyro program.

The program (:func:`models.pyro.program.network_program`) only *declares* the network; this
module and :mod:`models.pyro.importance` interpret it with Pyro's effect handlers:

- **exact** — ``poutine.enum`` enumerates every latent site in parallel and the packed log-factors
  of the trace are contracted with Pyro's tensor variable elimination
  (``pyro.ops.contract.contract_to_tensor``, Obermeyer et al. 2019, "Tensor Variable Elimination
  for Plated Factor Graphs", ICML) in float64, keeping the target dimensions: the *joint*
  posterior P(targets | e), not only marginals;
- **importance** — likelihood weighting (Fung & Chang 1990; Koller & Friedman 2009, §12.2.2): the
  unobserved sites are drawn from the prior in a vectorised particle plate and each particle is
  weighted by w = prod_{observed X} P(x | pa(x)); the effective sample size
  ESS = (sum w)^2 / sum w^2 is reported per evidence row.

Evidence rows are a ``pyro.plate``: each row is an independent query, so every site sits inside
the plate and rows observing the same variables share one trace.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np

from engine.backends.protocol import Evidence
from engine.errors import EvidenceError, InferenceError
from engine.ir import BayesianNetwork
from models.pyro.importance import (
    ImportanceResult,
    Particles,
    likelihood_weighting,
    sample_particles,
)
from models.pyro.program import (
    CompiledNetwork,
    check_evidence,
    check_targets,
    compile_network,
    evidence_groups,
    network_program,
    observed_indices,
    pyro_module,
    quiet,
    shown,
    torch_module,
    unobserved_continuous,
)
from models.torch_runtime import torch_threads

__all__ = [
    "ImportanceResult",
    "Particles",
    "PyroBackend",
    "compile_network",
    "network_program",
]


Method = Literal["exact", "importance", "auto"]
METHODS: tuple[str, ...] = ("exact", "importance", "auto")

#: ``auto`` switches to importance sampling when the kept network has more variables than this.
AUTO_EXACT_LIMIT = 60


class PyroBackend:
    """Inference with Pyro: exact enumeration (default) or likelihood-weighted importance sampling.

    Parameters
    ----------
    method
        ``"exact"`` (enumeration and tensor variable elimination; agrees with pgmpy to 1e-9),
        ``"importance"`` (likelihood weighting), or ``"auto"`` (exact unless the query's ancestral
        network has more than ``AUTO_EXACT_LIMIT`` variables or exact contraction fails).
    num_samples
        Particles per evidence row for importance sampling.
    seed
        Seed of the torch generator used for sampling; the same seed gives the same numbers.
    num_threads
        torch intra-op threads while a query runs (restored afterwards; None leaves torch's
        setting). One is fastest for the small factors of typical networks.

    Examples
    --------
    >>> from engine.ir import CPT, BayesianNetwork, Variable
    >>> net = BayesianNetwork(
    ...     "pair",
    ...     (Variable("a", ("0", "1")), Variable("b", ("0", "1"))),
    ...     (CPT("a", (), (0.3, 0.7)), CPT("b", ("a",), (0.9, 0.1, 0.2, 0.8))),
    ... )
    >>> PyroBackend().posterior(net, [{"b": "1"}], ["a"]).round(4).tolist()
    [[0.0508, 0.9492]]
    """

    name = "pyro"

    def __init__(
        self,
        method: Method = "exact",
        num_samples: int = 10_000,
        seed: int = 0,
        num_threads: int | None = 1,
    ) -> None:
        if method not in METHODS:
            raise InferenceError(
                f"PyroBackend(method={method!r}): expected one of {', '.join(METHODS)}"
            )
        if num_samples < 1:
            raise InferenceError(f"PyroBackend(num_samples={num_samples}): expected at least 1")
        self.method = method
        self.num_samples = int(num_samples)
        self.seed = int(seed)
        self.num_threads = num_threads

    # -- protocol ----------------------------------------------------------------------------
    def posterior(
        self,
        network: BayesianNetwork,
        evidence_batch: Sequence[Evidence],
        targets: Sequence[str],
    ) -> np.ndarray:
        """P(targets | evidence_i) for each row, shaped (N, |t_1|, ..., |t_k|)."""
        compiled = compile_network(network)
        check_targets(compiled, targets)
        rows = [check_evidence(compiled, e) for e in evidence_batch]
        method = self._method_for(compiled, rows, targets)
        if method == "importance":
            return self.importance(network, rows, targets).posterior
        try:
            with torch_threads(self.num_threads):
                return _exact_posterior(compiled, rows, tuple(targets))
        except (RuntimeError, MemoryError):
            if self.method != "auto":
                raise
            return self.importance(network, rows, targets).posterior

    def probability_of_evidence(
        self, network: BayesianNetwork, evidence_batch: Sequence[Evidence]
    ) -> np.ndarray:
        """P(evidence_i) for each row, shaped (N,) (exact, or the importance estimate)."""
        compiled = compile_network(network)
        rows = [check_evidence(compiled, e) for e in evidence_batch]
        if self._method_for(compiled, rows, ()) == "importance":
            return np.exp(self.importance(network, rows, (), allow_zero=True).log_evidence)
        with torch_threads(self.num_threads):
            return np.exp(_exact_log_evidence(compiled, rows))

    # -- sampling ----------------------------------------------------------------------------
    def importance(
        self,
        network: BayesianNetwork,
        evidence_batch: Sequence[Evidence],
        targets: Sequence[str],
        *,
        allow_zero: bool = False,
    ) -> ImportanceResult:
        """Likelihood weighting with ``num_samples`` particles per row, seeded by ``seed``.

        Rows in which every particle has weight zero raise :class:`EvidenceError` unless
        ``allow_zero`` (then their posterior is NaN and their log evidence -inf).
        """
        compiled = compile_network(network)
        check_targets(compiled, targets)
        rows = [check_evidence(compiled, e) for e in evidence_batch]
        with torch_threads(self.num_threads):
            return likelihood_weighting(
                compiled, rows, tuple(targets), self.num_samples, self.seed, allow_zero
            )

    def particles(
        self,
        network: BayesianNetwork,
        evidence_batch: Sequence[Evidence],
        sites: Sequence[str],
        *,
        allow_zero: bool = False,
    ) -> Particles:
        """Likelihood-weighted particles of ``sites`` (discrete or continuous) per evidence row.

        Whatever ``method`` is, this samples: it is how decisions over networks with continuous
        variables are evaluated (every expectation and its standard error comes from one set of
        weighted particles per row).
        """
        compiled = compile_network(network)
        for site in sites:
            if site not in compiled.parents:
                raise EvidenceError(
                    f"{site!r} is not a variable of the network; "
                    f"expected one of: {', '.join(compiled.order)}"
                )
        rows = [check_evidence(compiled, e) for e in evidence_batch]
        with torch_threads(self.num_threads):
            return sample_particles(
                compiled, rows, tuple(sites), self.num_samples, self.seed, allow_zero
            )

    def _method_for(
        self, compiled: CompiledNetwork, rows: Sequence[Mapping[str, Any]], targets: Sequence[str]
    ) -> str:
        needed = set(targets).union(*(set(r) for r in rows)) if rows else set(targets)
        latent = {
            name
            for r in (rows or [{}])
            for name in unobserved_continuous(compiled, set(targets), set(r))
        }
        if latent:
            if self.method == "exact":
                raise InferenceError(
                    f"exact enumeration cannot integrate over the unobserved continuous "
                    f"variables {sorted(latent)}; use PyroBackend(method='importance') or 'auto'"
                )
            return "importance"
        if self.method != "auto":
            return self.method
        return "exact" if len(compiled.ancestral(needed)) <= AUTO_EXACT_LIMIT else "importance"


# -- exact -----------------------------------------------------------------------------------
def _enumerated_trace(
    compiled: CompiledNetwork, rows: Sequence[Mapping[str, Any]], needed: set[str]
) -> Any:
    """Trace the program over ``rows`` with every latent site enumerated in parallel."""
    pyro = pyro_module()
    poutine = pyro.poutine
    observed_names = tuple(rows[0])
    variables = compiled.ancestral(needed | set(observed_names))
    observed = observed_indices(compiled, rows, observed_names, (len(rows),))

    def model() -> None:
        network_program(compiled, variables, observed, [("rows", len(rows), -1)])

    with quiet():
        enumerated = poutine.enum(
            pyro.infer.config_enumerate(model, "parallel"), first_available_dim=-2
        )
        trace = poutine.trace(enumerated).get_trace()
        trace.compute_log_prob()
        trace.pack_tensors()
    return trace


def _contract(trace: Any, keep: Sequence[str]) -> Any:
    """log sum_{other latents} prod_sites P(site | parents), shaped (rows, *keep sizes).

    With ``keep`` empty this is log P(e) per row; otherwise it is correct up to a per-row
    constant (Pyro drops the factor components that do not touch the kept dimensions).
    """
    pyro = pyro_module()
    torch = torch_module()
    factors: OrderedDict[frozenset[str], list[Any]] = OrderedDict()
    sum_dims: set[str] = set()
    symbols: dict[str, str] = {}
    sizes: dict[str, int] = {}
    for name, site in trace.nodes.items():
        if site["type"] != "sample":
            continue
        ordinal = frozenset(
            trace.plate_to_symbol[f.name] for f in site["cond_indep_stack"] if f.vectorized
        )
        factors.setdefault(ordinal, []).append(site["packed"]["log_prob"])
        symbol = site["infer"].get("_enumerate_symbol")
        if symbol is not None:
            sum_dims.add(symbol)
            symbols[name] = symbol
            sizes[symbol] = int(site["fn"].enumerate_support(expand=False).shape[0])
    plate = trace.plate_to_symbol["rows"]
    sizes[plate] = int(trace.nodes["rows"]["value"].shape[0])
    target_dims = {symbols[k] for k in keep}
    with quiet():
        result = pyro.ops.contract.contract_to_tensor(
            factors,
            sum_dims,
            target_ordinal=frozenset({plate}),
            target_dims=target_dims,
            ring=pyro.ops.rings.LogRing(dim_to_size=sizes),
        )
    if not isinstance(result, torch.Tensor):
        result = torch.tensor(float(result), dtype=torch.float64)
        result._pyro_dims = ""
    return _arrange(result, [plate, *(symbols[k] for k in keep)])


def _arrange(packed: Any, wanted: Sequence[str]) -> Any:
    """A packed tensor with its dims permuted to ``wanted`` (size-1 dims restored)."""
    dims = list(getattr(packed, "_pyro_dims", ""))
    tensor = packed[...]
    for symbol in wanted:
        if symbol not in dims:
            tensor = tensor.unsqueeze(-1)
            dims.append(symbol)
    extra = [d for d in dims if d not in wanted]
    assert not extra, f"unexpected dims {extra} after contraction"
    return tensor.permute(*(dims.index(s) for s in wanted))


def _exact_posterior(
    compiled: CompiledNetwork, rows: Sequence[Mapping[str, Any]], targets: tuple[str, ...]
) -> np.ndarray:
    shape = tuple(len(compiled.states[t]) for t in targets)
    out = np.zeros((len(rows), *shape))
    for observed, indices in evidence_groups(rows).items():
        group = [rows[i] for i in indices]
        free = tuple(dict.fromkeys(t for t in targets if t not in observed))
        if not free and not observed:  # nothing to infer: P() = 1
            out[indices] = 1.0
            continue
        trace = _enumerated_trace(compiled, group, set(free))
        log_joint = _contract(trace, free)
        log_z = _contract(trace, ())
        _raise_if_impossible(group, log_z)
        # contract_to_tensor drops factors not connected to the kept dims (a per-row constant),
        # so the joint is normalised over the kept dims rather than divided by P(e).
        axes = tuple(range(1, 1 + len(free)))
        norm = log_joint.logsumexp(dim=axes, keepdim=True) if free else log_joint
        joint = (log_joint - norm).exp().numpy()
        # The free part is joint over ``free``; observed targets are point masses.
        for r, i in enumerate(indices):
            _place(out, i, joint[r], targets, free, compiled, rows[i])
    return out


def _place(
    out: np.ndarray,
    i: int,
    joint: np.ndarray,
    targets: tuple[str, ...],
    free: tuple[str, ...],
    compiled: CompiledNetwork,
    row: Mapping[str, str],
) -> None:
    """Write P(free | e) into ``out`` over ``targets`` (observed ones fixed, repeats diagonal)."""
    for index in np.ndindex(*joint.shape):
        assignment = dict(zip(free, index, strict=True))
        for t in targets:
            if t in row:
                assignment[t] = compiled.states[t].index(row[t])
        out[(i, *(assignment[t] for t in targets))] = joint[index]


def _raise_if_impossible(rows: Sequence[Mapping[str, str]], log_z: Any) -> None:
    impossible = ~(log_z > -math.inf)
    if bool(impossible.any()):
        row = rows[int(impossible.nonzero()[0, 0])]
        raise EvidenceError(f"evidence ({shown(row)}) has probability 0 under the model")


def _exact_log_evidence(compiled: CompiledNetwork, rows: Sequence[Mapping[str, Any]]) -> np.ndarray:
    out = np.zeros(len(rows))
    for observed, indices in evidence_groups(rows).items():
        if not observed:
            continue
        trace = _enumerated_trace(compiled, [rows[i] for i in indices], set())
        out[indices] = _contract(trace, ()).numpy()
    return out
