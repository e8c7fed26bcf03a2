"""See the package docstring of kinformer; public names are re-exported here."""
