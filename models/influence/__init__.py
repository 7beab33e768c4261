"""Influence diagrams with several decisions: exact solution by variable elimination
(no-forgetting) or single policy update."""
