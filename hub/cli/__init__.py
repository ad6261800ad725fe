"""The `alliance-hub` command line: one module per command group, joined in `main`."""
