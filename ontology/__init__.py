"""phronesis.ontology (see shared/DESIGN.md)."""
