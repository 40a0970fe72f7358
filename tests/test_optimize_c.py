"""The C/C++ and PHP recipes: runtime images and runtime libraries they rely on."""

from __future__ import annotations

from dflint.fix import apply_edits
from dflint.optimize import Options, Plan, Refusal, plan_rewrite
from dflint.optimize.runtime import runtime_library, toolchain_runtime
from dflint.optimize.verify import check_rewrite
from dflint.parser import parse
from dflint.rule import Context
from dflint.source import SourceFile
from dflint.toolchain import evidence


def _plan(text: str):
    ctx = Context(parse(SourceFile(text, "Dockerfile")))
    return plan_rewrite(ctx, evidence(ctx), Options())


def test_buildpack_deps_ubuntu_release_ships_that_ubuntu():
    assert toolchain_runtime("buildpack-deps:xenial") == "ubuntu:xenial"
    assert toolchain_runtime("buildpack-deps:focal-scm") == "ubuntu:focal"
    assert toolchain_runtime("buildpack-deps:bookworm") == "debian:bookworm-slim"
    assert toolchain_runtime("buildpack-deps:trusty") is None  # end of life: no runtime image
    assert toolchain_runtime("buildpack-deps:xenial", {"buildpack-deps": "my/xenial"}) == "my/xenial"


def test_runtime_library_additions():
    assert runtime_library("apt", "libbabeltrace-ctf-dev", "buster").packages == ("libbabeltrace-ctf1",)
    assert runtime_library("apt", "libbabeltrace-ctf-dev", "bookworm").unknown
    assert runtime_library("apt", "libgcrypt11-dev", None).packages == ("libgcrypt20",)
    assert runtime_library("apt", "uthash-dev", "noble").packages == ()
    assert runtime_library("apt", "libc6-dev:i386", "buster").packages == ()
    assert runtime_library("apt", "zlib1g-dev:i386", "buster").packages == ("zlib1g:i386",)


def test_install_prefix_from_a_variable_is_expanded():
    text = ("FROM debian:bookworm\nRUN apt-get update && apt-get install -y --no-install-recommends gcc make cmake "
            "&& rm -rf /var/lib/apt/lists/*\nENV ROOT=/opt/app\nCOPY . /src\nWORKDIR /src/build\n"
            "RUN cmake -DCMAKE_INSTALL_PREFIX=${ROOT} .. && make && make install\n"
            'CMD ["/opt/app/bin/server"]\n')
    result = _plan(text)
    assert isinstance(result, Plan), getattr(result, "reason", "")
    new = apply_edits(text, result.edits())
    assert "COPY --from=build /opt/app /opt/app\n" in new
    assert "${ROOT}" not in result.title
    assert check_rewrite(text, new) == []


def test_unknown_install_prefix_is_refused():
    text = ("FROM debian:bookworm\nRUN apt-get update && apt-get install -y --no-install-recommends gcc make "
            "&& rm -rf /var/lib/apt/lists/*\nCOPY . /src\nWORKDIR /src\n"
            "RUN ./configure --prefix=$HOME_DIR && make && make install\n"
            'CMD ["server"]\n')
    result = _plan(text)
    assert isinstance(result, Refusal)
    assert "the install prefix $HOME_DIR" in result.reason


def test_installed_program_run_at_build_time_is_refused():
    text = ("FROM debian:bookworm\nRUN apt-get update && apt-get install -y --no-install-recommends gcc make "
            "&& rm -rf /var/lib/apt/lists/*\nCOPY . /src\nWORKDIR /src\n"
            "RUN ./configure && make && make install && lkp install\n"
            'CMD ["lkp"]\n')
    result = _plan(text)
    assert isinstance(result, Refusal)
    assert "`lkp install` on line 5 runs the program the build installed" in result.reason


def test_urweb_writes_the_project_exe():
    text = ("FROM ubuntu:24.04\nRUN apt-get update && apt-get install -y --no-install-recommends gcc make "
            "libpq-dev && rm -rf /var/lib/apt/lists/*\nCOPY . /app\nWORKDIR /app\n"
            "RUN ./configure && make && make install\n"
            'RUN urweb -db "dbname=app" -sqlcache bench\n'
            'CMD ["./bench.exe"]\n')
    result = _plan(text)
    assert isinstance(result, Plan), getattr(result, "reason", "")
    new = apply_edits(text, result.edits())
    assert "COPY --from=build /app/bench.exe /app/bench.exe\n" in new
    assert check_rewrite(text, new) == []
