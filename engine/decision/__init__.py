"""The decision pipeline (shared/DESIGN.md, "Decision semantics" steps 5-6 and the result):
settings, permissibility, the active policy, aggregation, explanation, result, provenance."""
