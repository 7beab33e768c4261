"""The numpy implementation of the tensor backend: the same planner and executor as torch and
JAX, on numpy arrays, CPU only. It imports nothing beyond numpy and opt_einsum, so a process
that decides with it starts in a fraction of a second (what ``auto`` picks for discrete
problems; shared/DESIGN.md, "models/")."""

from __future__ import annotations

import numpy as np
import opt_einsum

from engine.errors import BackendUnavailable
from models.tensor.backend import Executor, TensorBackend
from models.tensor.execute import evaluate, offsets
from models.tensor.plan import QueryPlan


class NumpyBackend(TensorBackend):
    """Exact batched inference with numpy (CPU).

    Examples
    --------
    >>> from engine.ir import CPT, BayesianNetwork, Variable
    >>> net = BayesianNetwork("r", (Variable("a", ("0", "1")), Variable("b", ("0", "1"))),
    ...     (CPT("a", (), (0.5, 0.5)), CPT("b", ("a",), (0.9, 0.1, 0.2, 0.8))))
    >>> NumpyBackend().posterior(net, [{"b": "1"}], ["a"]).round(4).tolist()
    [[0.1111, 0.8889]]
    """

    name = "numpy"

    def _executor(self, plan: QueryPlan) -> Executor:
        if self.device != "cpu":
            raise BackendUnavailable(
                f"backend 'numpy' runs on the CPU only (asked for device {self.device!r}); "
                "use backend 'torch' or 'jax' for an accelerator"
            )
        tables = [np.ascontiguousarray(op.table) for op in plan.operands]
        ones = np.ones(int(np.prod(plan.target_shape)), dtype=tables[0].dtype)
        contract = None
        if plan.equation:
            contract = opt_einsum.contract_expression(
                plan.equation, *plan.runtime_shapes(), optimize=list(plan.path)
            )
        batched, shape = plan.batched, plan.target_shape

        def run(index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            return evaluate(tables, offsets(plan, index), contract, batched, ones, shape)

        return run
