"""Learning from data: Dirichlet posterior CPTs, Thurstonian utilities from pairwise choices,
credences over theories from observed choices, exchange rates between groups."""
