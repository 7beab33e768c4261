"""phronesis.multiagent (see shared/DESIGN.md)."""
