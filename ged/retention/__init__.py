"""Records retention: management rules, legal holds, destruction lists, SEDA 2.2 transfers,
fixity (issue 18)."""
