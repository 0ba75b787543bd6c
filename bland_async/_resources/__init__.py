"""API resources: one module per API area, async and hand-written."""
