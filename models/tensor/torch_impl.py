"""The torch implementation of the tensor backend: arrays on ``device``, eager execution."""

from __future__ import annotations

from typing import Any

import numpy as np
import opt_einsum
import torch

from models.tensor.backend import Executor, TensorBackend
from models.tensor.execute import evaluate, offsets
from models.tensor.plan import QueryPlan


class TorchBackend(TensorBackend):
    """Exact batched inference with torch (CPU always; CUDA with ``device="cuda"``).

    Examples
    --------
    >>> from engine.ir import CPT, BayesianNetwork, Variable
    >>> net = BayesianNetwork("r", (Variable("a", ("0", "1")), Variable("b", ("0", "1"))),
    ...     (CPT("a", (), (0.5, 0.5)), CPT("b", ("a",), (0.9, 0.1, 0.2, 0.8))))
    >>> TorchBackend().posterior(net, [{"b": "1"}], ["a"]).round(4).tolist()
    [[0.1111, 0.8889]]
    """

    name = "torch"

    def __init__(self, *, threads: int | None = None, **options: Any) -> None:
        """``threads`` sets torch's intra-op thread count (process-wide); other keyword options
        are :class:`~models.tensor.backend.TensorBackend`'s."""
        super().__init__(**options)
        if threads is not None:
            torch.set_num_threads(int(threads))

    def _executor(self, plan: QueryPlan) -> Executor:
        device = torch.device(self.device)
        tables = [torch.as_tensor(op.table, device=device) for op in plan.operands]
        ones = torch.ones(int(np.prod(plan.target_shape)), dtype=tables[0].dtype, device=device)
        contract = None
        if plan.equation:
            contract = opt_einsum.contract_expression(
                plan.equation, *plan.runtime_shapes(), optimize=list(plan.path)
            )
        batched, shape = plan.batched, plan.target_shape

        def run(index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            with torch.inference_mode():
                host = offsets(plan, index)
                moved = {id(r): torch.as_tensor(r, device=device) for r in host if r is not None}
                rows = [None if r is None else moved[id(r)] for r in host]
                post, norm = evaluate(tables, rows, contract, batched, ones, shape)
                return post.cpu().numpy(), norm.cpu().numpy()

        return run
