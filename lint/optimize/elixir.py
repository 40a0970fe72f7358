"""Elixir: ``mix compile``, ``mix release``.

Only a reason is given, never a rewrite yet: ``mix compile``/``mix deps.compile`` leave ``.beam``
files that run under ``mix`` (``mix phx.server``, ``mix run --no-halt``), so the toolchain is
needed when the container starts; a ``mix release`` is self-contained
(``_build/<MIX_ENV>/rel/<app>``, the Erlang runtime included), but its runtime base depends on the
libraries (OpenSSL, ncurses) of the image it was built in, which is not known here.
"""

from __future__ import annotations

import posixpath

from dflint.optimize import Options, Recipe
from dflint.optimize.plan import Draft, PlanError

_RUNTIME_TOOLS = frozenset({"mix", "elixir", "iex", "erl"})


class ElixirRecipe(Recipe):
    name = "elixir"
    ecosystem = "elixir"
    tools = ("mix ",)

    def build(self, draft: Draft, options: Options) -> None:
        entry = draft.facts.entry
        argv = entry.argv
        if not argv:
            raise PlanError("the stage has no ENTRYPOINT or CMD, so what the container runs is not known")
        program = posixpath.basename(argv[0])
        if program in _RUNTIME_TOOLS:
            sub = next((a for a in argv[1:] if not a.startswith("-")), "")
            raise PlanError(f"ENTRYPOINT/CMD runs `{program} {sub}`".rstrip() + ", which needs the Elixir toolchain "
                            "when the container starts: build a release (`mix release`) and run that instead")
        if not any(b.tool == "mix release" for b in draft.facts.ev.builds):
            raise PlanError(f"ENTRYPOINT/CMD runs `{argv[0]}`, and the build makes no release (`mix compile` "
                            f"output runs under mix)")
        raise PlanError("a `mix release` is not rewritten yet: its runtime base depends on the libraries of "
                        "the image it was built in")
