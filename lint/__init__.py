"""dflint: a Dockerfile linter and multi-stage optimizer that walks the stage dependency graph."""

__version__ = "0.1.0"
