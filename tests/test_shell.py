"""The shell layer: commands, arguments, flags, structure and exact file spans of RUN bodies."""

from __future__ import annotations

import subprocess
import sys

import pytest

from dflint.shell import (
    DEFAULT_SHELL,
    WINDOWS_SHELL,
    Script,
    is_posix_shell,
    is_windows_image,
    parse_script,
    script_of,
    shell_options,
    stage_shell,
)


def P(text: str, base: int = 0, shell=DEFAULT_SHELL) -> Script:
    return parse_script(text, lambda i: i + base, shell)


def names(script: Script) -> list[str]:
    return [c.name for c in script.commands]


def one(script: Script, name: str, sub: str | None = None):
    found = script.find(name, sub)
    assert len(found) == 1, found
    return found[0]


# -- laziness ---------------------------------------------------------------------------------


def test_import_does_not_load_tree_sitter():
    code = "import sys, dflint.shell; print('tree_sitter' in sys.modules, 'tree_sitter_bash' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


# -- commands and arguments -------------------------------------------------------------------


def test_simple_command_words_values_and_spans():
    text = "apt-get install -y curl"
    s = P(text, base=100)
    (c,) = s.commands
    assert c.name == "apt-get"
    assert [a.value for a in c.args] == ["install", "-y", "curl"]
    assert c.span.start == 100 and c.span.end == 100 + len(text)
    curl = c.args[2]
    assert (curl.span.start, curl.span.end) == (100 + 19, 100 + 23)
    assert c.name_arg.span.start == 100 and c.name_arg.span.end == 107


def test_quotes_removed_where_static():
    s = P("""echo "a b" 'c d' e\\ f "x"'y'z $'t\\tu' "q\\"r" "$HOME/x" pre$(date)post""")
    (c,) = [x for x in s.commands if x.name == "echo"]
    vals = [(a.value, a.static) for a in c.args]
    assert vals == [
        ("a b", True),
        ("c d", True),
        ("e f", True),
        ("xyz", True),
        ("t\tu", True),
        ('q"r', True),
        ("$HOME/x", False),
        ("pre$(date)post", False),
    ]
    assert [a.raw for a in c.args][:2] == ['"a b"', "'c d'"]


def test_quoted_command_name_is_unquoted():
    (c,) = P('"apt-get" install x').commands
    assert c.name == "apt-get"
    assert c.name_arg.raw == '"apt-get"'


def test_echoed_and_quoted_mentions_are_not_commands():
    s = P('echo "apt-get install x" && printf \'%s\' "pip install y" # apt-get install z')
    assert names(s) == ["echo", "printf"]
    assert not s.calls("apt-get")
    assert not s.calls("pip")


def test_and_or_semicolon_lists_and_subshells():
    s = P("a && b || c; d & e; (f; g) && { h; }")
    assert names(s) == list("abcdefgh")
    assert [c.background for c in s.commands] == [False, False, False, True] + [False] * 4


def test_command_substitution_and_nproc():
    s = P("cd /x && make -j$(nproc) && tar xf $(curl -fsSL https://e/x | head -1)")
    assert names(s) == ["cd", "make", "nproc", "tar", "curl", "head"]
    make = one(s, "make")
    assert make.args[0].value == "-j$(nproc)"
    assert make.args[0].static is False
    assert make.has_flag("-j")
    nproc = one(s, "nproc")
    assert nproc.substitution is True and make.substitution is False
    curl = one(s, "curl")
    assert curl.substitution is True
    assert s.find("curl")[0].args[-1].value == "https://e/x"


def test_backticks_and_process_substitution():
    s = P("echo `uname -m` && diff <(ls a) <(ls b)")
    assert names(s) == ["echo", "uname", "diff", "ls", "ls"]


def test_if_for_while_case_function_bodies():
    s = P(
        "if [ -f x ]; then apt-get install -y a; elif true; then yum install b; "
        "else apk add c; fi; for i in 1 2; do pip install $i; done; "
        "while read l; do echo $l; done < f; f() { npm i; }; case $x in a) gem install z;; esac"
    )
    assert names(s) == ["apt-get", "true", "yum", "apk", "pip", "read", "echo", "npm", "gem"]
    assert s.calls("apt-get", "install") and s.calls("apk", "add") and s.calls("gem", "install")


def test_assignments_prefix_and_bare():
    s = P("DEBIAN_FRONTEND=noninteractive A='x y' apt-get install -y z; B=1")
    c = one(s, "apt-get")
    assert [(a.name, a.value) for a in c.assignments] == [
        ("DEBIAN_FRONTEND", "noninteractive"),
        ("A", "x y"),
    ]
    assert c.args[0].value == "install"
    assert [(a.name, a.value) for a in s.assignments] == [("B", "1")]


def test_export_is_a_command():
    s = P("export PATH=/opt/bin:$PATH FOO && unset BAR")
    exp = one(s, "export")
    assert [a.value for a in exp.args] == ["PATH=/opt/bin:$PATH", "FOO"]
    assert exp.args[0].static is False
    assert one(s, "unset").args[0].value == "BAR"


def test_redirects():
    s = P("curl -o x y 2>/dev/null >>log && b >x c && d <<< word")
    curl, b, d = s.commands
    assert [(r.op, r.fd, r.target.value) for r in curl.redirects] == [
        (">", 2, "/dev/null"),
        (">>", None, "log"),
    ]
    assert [a.value for a in curl.args] == ["-o", "x", "y"]
    # tree-sitter glues `c` onto the redirect; it is an argument of b
    assert [a.value for a in b.args] == ["c"]
    assert [r.target.value for r in b.redirects] == ["x"]
    assert d.redirects[0].op == "<<<"


def test_redirect_after_list_binds_to_last_command():
    s = P("a || b 2>&1 && c >/dev/null")
    a, b, c = s.commands
    assert a.redirects == ()
    assert [r.op for r in b.redirects] == [">&"]
    assert [r.target.value for r in c.redirects] == ["/dev/null"]


def test_non_ascii_argument_spans():
    text = 'echo "héllo wörld" && apt-get install -y café ü'
    s = P(text, base=7)
    inst = one(s, "apt-get", "install")
    cafe = inst.args[2]
    assert cafe.value == "café"
    assert text[cafe.span.start - 7 : cafe.span.end - 7] == "café"
    u = inst.args[3]
    assert text[u.span.start - 7 : u.span.end - 7] == "ü"
    echo = one(s, "echo")
    assert echo.args[0].value == "héllo wörld"
    assert text[echo.args[0].span.start - 7 : echo.args[0].span.end - 7] == '"héllo wörld"'


def test_astral_characters():
    text = "echo 😀 x"
    s = P(text)
    x = s.commands[0].args[1]
    assert x.value == "x" and text[x.span.start : x.span.end] == "x"


def test_syntax_error_keeps_good_commands():
    s = P("apt-get update && apt-get install -y curl && ) ; echo ok")
    assert s.errors
    assert all(e.span.end <= 60 for e in s.errors)
    assert s.calls("apt-get", "install")
    assert s.calls("echo")


def test_missing_token_is_an_error():
    s = P("(apt-get update; apt-get install -y x")
    assert any("missing" in e.message for e in s.errors)
    assert len(s.find("apt-get")) == 2


def test_clean_script_has_no_errors():
    assert P("a && b | c; if x; then y; fi").errors == ()


# -- flags -------------------------------------------------------------------------------------


def test_combined_short_flags():
    c = P("apt-get -qy install x").commands[0]
    assert c.flags() == ("-q", "-y")
    assert c.has_flag("-y", "--yes", "--assume-yes")
    assert not c.has_flag("-f")


def test_long_flags_and_equals():
    c = P("apt-get install --no-install-recommends --assume-yes=true x").commands[0]
    assert c.has_flag("--no-install-recommends")
    assert c.has_flag("-y", "--yes", "--assume-yes")
    assert c.option("--assume-yes") == "true"
    assert not c.has_flag("--no-install")


def test_apt_option_value_is_not_a_flag_nor_positional():
    c = P("apt-get -o Dpkg::Options::=--force-confnew -qy install curl=7.1 'wget'").commands[0]
    assert c.flags() == ("-o", "-q", "-y")
    assert not c.has_flag("--force-confnew")
    assert c.option("-o") == "Dpkg::Options::=--force-confnew"
    assert [a.value for a in c.positional()] == ["install", "curl=7.1", "wget"]
    assert c.subcommand == "install"
    assert c.is_("apt-get", "install")
    assert not c.is_("apt-get", "update")


def test_positional_with_explicit_value_flags():
    c = P("tool -o out.bin -v src.c -- -notaflag").commands[0]
    assert [a.value for a in c.positional({"-o"})] == ["src.c", "-notaflag"]
    assert [a.value for a in c.positional(())] == ["out.bin", "src.c", "-notaflag"]
    assert c.option_values("-o") == ["out.bin"]


def test_glued_short_option_value():
    c = P("go build -ldflags=-s -o/out/app ./cmd").commands[0]
    assert c.option("-o") == "/out/app"
    assert c.option("-ldflags") == "-s"
    assert [a.value for a in c.positional()] == ["build", "./cmd"]
    assert c.has_flag("-ldflags")


def test_apk_virtual_name_is_a_value():
    c = P("apk add --no-cache --virtual .build-deps gcc musl-dev").commands[0]
    assert [a.value for a in c.positional()] == ["add", "gcc", "musl-dev"]
    assert c.option("--virtual") == ".build-deps"


def test_flag_arg_gives_span_of_the_flag():
    text = "apt-get install -qy x"
    c = P(text).commands[0]
    arg = c.flag_arg("-y")
    assert text[arg.span.start : arg.span.end] == "-qy"
    assert c.flag_arg("--nope") is None


# -- wrappers ----------------------------------------------------------------------------------


def test_sudo_is_not_unwrapped_in_name_but_found():
    s = P("sudo -E -u root apt-get install -y curl")
    (c,) = s.commands
    assert c.name == "sudo"
    inner = c.unwrapped()
    assert inner.name == "apt-get"
    assert [a.value for a in inner.args] == ["install", "-y", "curl"]
    assert inner.wrapper is c and inner.outermost is c
    found = s.find("apt-get", "install")
    assert found == [inner]
    assert s.find("sudo") == [c]


def test_nested_wrappers_and_env_assignments():
    text = "sudo env DEBIAN_FRONTEND=noninteractive nice -n 5 /usr/bin/apt-get install -y x"
    s = P(text)
    c = one(s, "apt-get", "install")
    assert c.name == "/usr/bin/apt-get"
    assert [(a.name, a.value) for a in c.assignments] == [("DEBIAN_FRONTEND", "noninteractive")]
    assert text[c.span.start : c.span.end] == "/usr/bin/apt-get install -y x"


def test_more_wrappers():
    s = P(
        "exec gosu app /usr/local/bin/pip install x; xargs -r -n1 pip3 install < reqs; "
        "timeout -s KILL 10 apt-get update; nohup time eatmydata apk add y"
    )
    assert [c.name for c in s.find(("pip", "pip3"))] == ["/usr/local/bin/pip", "pip3"]
    assert one(s, "apt-get").subcommand == "update"
    assert one(s, "apk", "add").args[-1].value == "y"


def test_command_v_runs_nothing():
    s = P("command -v apt-get && command apt-get update")
    found = s.find("apt-get")
    assert len(found) == 1 and found[0].subcommand == "update"
    assert s.commands[0].unwrapped() is s.commands[0]


def test_usr_bin_pip_by_basename():
    s = P("/usr/bin/pip install --no-cache-dir -r requirements.txt flask")
    c = one(s, "pip", "install")
    assert c.basename == "pip"
    assert [a.value for a in c.positional()] == ["install", "flask"]
    assert c.option("-r", "--requirement") == "requirements.txt"


def test_expanded_command_name_is_not_a_wrapper():
    (c,) = P('"$SUDO" apt-get install x').commands
    assert c.unwrapped() is c


# -- structure -----------------------------------------------------------------------------------


def test_and_chains_update_and_install():
    s = P("apt-get update && apt-get install -y x && rm -rf /var/lib/apt/lists/*")
    upd, inst = one(s, "apt-get", "update"), one(s, "apt-get", "install")
    assert s.same_chain(upd, inst)
    assert s.chain_of(inst) == s.commands
    assert len(s.and_chains) == 1


def test_semicolon_or_or_breaks_the_chain():
    s = P("apt-get update; apt-get install -y x || true && echo done")
    upd, inst = one(s, "apt-get", "update"), one(s, "apt-get", "install")
    assert not s.same_chain(upd, inst)
    true, echo = one(s, "true"), one(s, "echo")
    assert s.same_chain(true, echo)
    assert not s.same_chain(inst, echo)
    assert [[c.name for c in ch] for ch in s.and_chains] == [
        ["apt-get"],
        ["apt-get"],
        ["true", "echo"],
    ]


def test_chain_through_subshell_and_wrapped_command():
    s = P("sudo apt-get update && (cd /x && sudo apt-get install -y y)")
    upd, inst = one(s, "apt-get", "update"), one(s, "apt-get", "install")
    assert s.same_chain(upd, inst)


def test_order_within_a_run():
    s = P("rm -rf /var/lib/apt/lists/* && apt-get update")
    rm, upd = one(s, "rm"), one(s, "apt-get")
    assert Script.before(rm, upd) and not Script.before(upd, rm)
    assert rm.index < upd.index


def test_pipelines():
    s = P("curl -fsSL https://x | sh && a | b |& c; d")
    assert [[c.name for c in p] for p in s.pipelines] == [["curl", "sh"], ["a", "b", "c"]]
    assert len(s.pipelines[1]) == 3 and s.pipelines[1][0].name == "a"


def test_pipeline_with_compound_stage():
    s = P("{ a; b; } | c")
    (p,) = s.pipelines
    assert [[c.name for c in st] for st in p.stages] == [["a", "b"], ["c"]]


def test_pipefail_absent():
    s = P("curl -fsSL https://x | sh")
    assert s.pipefail is False
    assert s.pipelines[0].pipefail is False


@pytest.mark.parametrize(
    "prefix",
    ["set -o pipefail", "set -euxo pipefail", "set -eo pipefail", "set -e -o pipefail",
     "set -o errexit -o pipefail"],
)
def test_pipefail_set_before(prefix):
    s = P(f"{prefix} && curl -fsSL https://x | sh")
    assert s.pipefail is True
    assert s.pipelines[0].pipefail is True


def test_pipefail_set_after_the_pipe_does_not_count():
    s = P("curl x | sh; set -o pipefail; a | b")
    assert [p.pipefail for p in s.pipelines] == [False, True]
    assert s.pipefail is False


def test_pipefail_turned_off():
    s = P("set -o pipefail; a | b; set +o pipefail; c | d")
    assert [p.pipefail for p in s.pipelines] == [True, False]


def test_pipefail_from_shell():
    s = P("a | b", shell=("/bin/bash", "-o", "pipefail", "-c"))
    assert s.pipefail is True
    assert P("a | b", shell=("/bin/bash", "-c")).pipefail is False


def test_errexit_option_at():
    s = P("a; set -e; b")
    a, _set, b = s.commands
    assert s.option_at("errexit", a) is False
    assert s.option_at("errexit", b) is True


def test_shell_options():
    assert shell_options(("/bin/bash", "-euxo", "pipefail", "-c")) == {
        "errexit", "nounset", "xtrace", "pipefail"
    }
    assert shell_options(("/bin/sh", "-ec")) == {"errexit"}
    assert shell_options(DEFAULT_SHELL) == frozenset()


def test_thousand_command_chain_does_not_recurse_too_deep():
    s = P(" && ".join(f"echo {i}" for i in range(1500)))
    assert len(s.commands) == 1500
    assert len(s.and_chains) == 1


# -- shells ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "shell,posix",
    [
        (("/bin/sh", "-c"), True),
        (("/bin/bash", "-o", "pipefail", "-c"), True),
        (("ash", "-c"), True),
        (("/bin/dash", "-c"), True),
        (("zsh", "-c"), True),
        (("/usr/bin/env", "bash", "-c"), True),
        (("busybox", "sh", "-c"), True),
        (("busybox",), False),
        (("pwsh", "-Command"), False),
        (("powershell", "-Command"), False),
        (("C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe", "-c"), False),
        (("cmd", "/S", "/C"), False),
        ((), False),
    ],
)
def test_is_posix_shell(shell, posix):
    assert is_posix_shell(shell) is posix


def test_is_windows_image():
    assert is_windows_image("mcr.microsoft.com/windows/servercore:ltsc2022")
    assert is_windows_image("mcr.microsoft.com/dotnet/sdk:8.0-nanoserver-1809")
    assert is_windows_image("microsoft/nanoserver")
    assert is_windows_image("python:3.12-windowsservercore")
    assert not is_windows_image("debian:bookworm")
    assert not is_windows_image("mcr.microsoft.com/dotnet/sdk:8.0")


# -- through the Dockerfile parser -------------------------------------------------------------

parser = pytest.importorskip("dflint.parser")


def run_script(text: str, n: int = 0):
    df = parser.parse(text)
    runs = [i for i in df.instructions if i.name == "RUN"]
    return df, runs[n], script_of(runs[n], df)


def test_span_across_line_continuation():
    df, _, s = run_script("FROM debian\nRUN apt-get update && \\\n    apt-get install -y curl\n")
    inst = one(s, "apt-get", "install")
    curl = inst.positional()[-1]
    assert df.text[curl.span.start : curl.span.end] == "curl"
    assert df.source.position(curl.span.start) == (3, 24)
    assert df.text[inst.span.start : inst.span.end] == "apt-get install -y curl"
    upd = one(s, "apt-get", "update")
    assert df.text[upd.span.start : upd.span.end] == "apt-get update"
    assert s.same_chain(upd, inst)


def test_span_with_run_flags_and_comment_inside_continuation():
    df, _, s = run_script(
        "FROM debian\nRUN --mount=type=cache,target=/var/cache/apt \\\n"
        "# a comment\n    apt-get install -y \\\n      vim \\\n      \"nano\"\n"
    )
    inst = one(s, "apt-get", "install")
    assert [df.text[a.span.start : a.span.end] for a in inst.positional()] == [
        "install",
        "vim",
        '"nano"',
    ]
    assert inst.positional()[-1].value == "nano"


def test_non_ascii_through_parser():
    df, _, s = run_script("FROM debian\nRUN echo 'ünïcödé' && touch /tmp/é && apt-get install -y x\n")
    x = one(s, "apt-get").args[-1]
    assert df.text[x.span.start : x.span.end] == "x"
    touch = one(s, "touch").args[0]
    assert df.text[touch.span.start : touch.span.end] == "/tmp/é"


def test_exec_form_is_none():
    _, _, s = run_script('FROM debian\nRUN ["apt-get", "install", "-y", "x"]\n')
    assert s is None


def test_powershell_shell_is_none():
    text = 'FROM debian\nSHELL ["pwsh", "-Command"]\nRUN Write-Host hi\n'
    df, run, s = run_script(text)
    assert s is None
    assert stage_shell(run, df) == ("pwsh", "-Command")


def test_windows_base_is_none_until_a_posix_shell():
    text = (
        "FROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN dir\n"
        'SHELL ["C:\\\\git\\\\bin\\\\bash.exe", "-c"]\nRUN ls | wc -l\n'
    )
    df, run, s = run_script(text)
    assert stage_shell(run, df) == WINDOWS_SHELL and s is None
    df, run2, s2 = run_script(text, 1)
    assert s2 is not None and s2.calls("wc")


def test_stage_shell_resets_at_from_and_inherits_from_stage():
    text = (
        'FROM debian AS base\nSHELL ["/bin/bash", "-o", "pipefail", "-c"]\nRUN a | b\n'
        "FROM debian\nRUN c | d\n"
        "FROM base\nRUN e | f\n"
    )
    df = parser.parse(text)
    runs = [i for i in df.instructions if i.name == "RUN"]
    assert [stage_shell(r, df) for r in runs] == [
        ("/bin/bash", "-o", "pipefail", "-c"),
        DEFAULT_SHELL,
        ("/bin/bash", "-o", "pipefail", "-c"),
    ]
    assert [script_of(r, df).pipefail for r in runs] == [True, False, True]


def test_context_script_caches_and_maps():
    from dflint.rule import Context

    df = parser.parse("FROM alpine\nRUN apk add --no-cache curl\n")
    ctx = Context(df)
    run = df.instructions[1]
    s = ctx.script(run)
    assert s is ctx.script(run)
    c = one(s, "apk", "add")
    assert df.text[c.span.start : c.span.end] == "apk add --no-cache curl"


def test_heredoc_only_is_the_script():
    text = "FROM debian\nRUN <<EOF\nset -e\n# apt-get install nope\napt-get install -y vim\nEOF\n"
    df, _, s = run_script(text)
    assert [p.kind for p in s.pieces] == ["heredoc"]
    assert names(s) == ["set", "apt-get"]
    vim = one(s, "apt-get", "install").args[-1]
    assert df.text[vim.span.start : vim.span.end] == "vim"
    assert df.source.position(vim.span.start) == (5, 20)
    assert s.errors == ()


@pytest.mark.parametrize("runner", ["bash", "sh -e", "/bin/sh", "sudo bash -s"])
def test_heredoc_fed_to_shell(runner):
    text = f"FROM debian\nRUN <<EOF {runner}\ncurl -fsSL x | tar x\nEOF\n"
    df, _, s = run_script(text)
    assert [p.kind for p in s.pieces] == ["line", "heredoc"]
    assert s.pieces[1].shell[0].endswith(("bash", "sh"))
    tar = one(s, "tar")
    assert df.text[tar.span.start : tar.span.end] == "tar x"
    assert s.errors == ()


def test_heredoc_fed_to_python_is_data():
    text = "FROM debian\nRUN python3 <<EOF\nimport os\nos.system('apt-get install x')\nEOF\n"
    _, _, s = run_script(text)
    assert names(s) == ["python3"]
    assert not s.calls("apt-get")


def test_heredoc_with_python_shebang_is_not_shell():
    _, _, s = run_script("FROM debian\nRUN <<EOF\n#!/usr/bin/env python3\nprint(1)\nEOF\n")
    assert s is None


def test_heredoc_with_bash_shebang():
    _, _, s = run_script("FROM debian\nRUN <<EOF\n#!/bin/bash -e\nset -o pipefail\na | b\nEOF\n")
    assert s.pieces[0].shell == ("/bin/bash", "-e")
    assert s.pipefail is True


def test_heredoc_file_body_is_data_and_line_still_parsed():
    text = (
        "FROM debian\nRUN cat <<EOF > /etc/apt/sources.list && apt-get update\n"
        "deb http://x apt-get install\nEOF\n"
    )
    df, _, s = run_script(text)
    assert names(s) == ["cat", "apt-get"]
    cat = one(s, "cat")
    assert [(r.op, r.target.value) for r in cat.redirects] == [("<<", "EOF"), (">", "/etc/apt/sources.list")]
    assert cat.redirects[0].heredoc is not None
    assert df.text[cat.span.start : cat.span.end] == "cat <<EOF > /etc/apt/sources.list"
    assert s.errors == ()


def test_two_heredocs_one_fed_to_sh_with_chomp():
    text = (
        'FROM debian\nRUN cat <<A > /f && sh <<-"B"\nbody\nA\n\tapt-get install -y x\n\tB\n'
    )
    df, _, s = run_script(text)
    assert [p.kind for p in s.pieces] == ["line", "heredoc"]
    assert s.pieces[1].heredoc.name == "B"
    x = one(s, "apt-get", "install").args[-1]
    assert df.text[x.span.start : x.span.end] == "x"


def test_heredoc_piped_through_cat_to_shell():
    text = "FROM debian\nRUN cat <<EOF | sh\napk add curl\nEOF\n"
    _, _, s = run_script(text)
    assert s.calls("apk", "add")


def test_heredoc_pipefail_is_per_shell():
    text = 'FROM debian\nSHELL ["/bin/bash", "-o", "pipefail", "-c"]\nRUN set -x; bash <<EOF\na | b\nEOF\n'
    _, _, s = run_script(text)
    (p,) = s.pipelines
    assert p.pipefail is False  # a fresh bash does not inherit the SHELL's -o pipefail


def test_heredoc_shell_with_c_is_not_fed():
    _, _, s = run_script("FROM debian\nRUN bash -c 'cat' <<EOF\napt-get install x\nEOF\n")
    assert not s.calls("apt-get")


def test_crlf_heredoc():
    text = "FROM debian\r\nRUN <<EOF\r\necho a\r\napt-get install -y b\r\nEOF\r\n"
    df, _, s = run_script(text)
    b = one(s, "apt-get").args[-1]
    assert b.value == "b"
    assert df.text[b.span.start : b.span.end] == "b"


def test_onbuild_run():
    df = parser.parse("FROM debian\nONBUILD RUN apt-get install -y x\n")
    inner = df.instructions[1].inner
    s = script_of(inner, df)
    x = one(s, "apt-get").args[-1]
    assert df.text[x.span.start : x.span.end] == "x"


def test_cmd_and_healthcheck_shell_form():
    df = parser.parse(
        "FROM debian\nCMD exec gunicorn app\nHEALTHCHECK --interval=5s CMD curl -f http://x || exit 1\n"
        'ENTRYPOINT ["x"]\n'
    )
    cmd, hc, ep = df.instructions[1:]
    assert one(script_of(cmd, df), "gunicorn").args[0].value == "app"
    s = script_of(hc, df)
    curl = one(s, "curl")
    assert df.text[curl.span.start : curl.span.end] == "curl -f http://x"
    assert script_of(ep, df) is None
    assert script_of(df.instructions[0], df) is None  # FROM


def test_substitution_in_command_name():
    s = P("$(which pip) install x")
    assert names(s) == ["$(which pip)", "which"]
    assert s.commands[0].name_arg.static is False


def test_unwrapped_text_is_as_written():
    text = "sudo -E apt-get install  -y x >/dev/null"
    c = one(P(text), "apt-get")
    assert c.text == "apt-get install  -y x >/dev/null"
    assert c.index == 0


def test_wrapped_heredoc_runner_keeps_indices():
    df, _, s = run_script("FROM debian\nRUN echo a && <<EOF sudo bash\nb\nEOF\n")
    sudo = one(s, "sudo")
    assert sudo.index == 1 and sudo.unwrapped().index == 1
    assert [c.index for c in s.commands] == [0, 1, 2]
    assert one(s, "b").piece == 1


def test_python_dash_m_runs_the_module():
    s = P("python3 -u -m pip install --no-cache-dir flask==3.0 && python -c 'import pip' && python3 x.py -m pip")
    (pip,) = s.find("pip", "install")
    assert pip.wrapper is not None and pip.wrapper.name == "python3"
    assert [a.value for a in pip.positional()] == ["install", "flask==3.0"]
    assert pip.has_flag("--no-cache-dir")
    assert len(s.find("pip")) == 1


def test_wrapper_edge_cases():
    s = P("sudo; sudo -l; env; xargs -I{} cp {} /x; timeout 5")
    assert [c.unwrapped() is c for c in s.commands] == [True, True, True, False, True]
    assert s.commands[3].unwrapped().name == "cp"


def test_flags_and_positional_work_as_tuples_and_calls():
    c = P("apt-get -o X=1 -qy install a").commands[0]
    assert "-y" in c.flags and "-o" in c.flags
    assert c.flags == ("-o", "-q", "-y")
    assert [a.value for a in c.positional] == ["install", "a"]
    assert c.positional[0].value == "install"
    assert [a.value for a in c.positional(())] == ["X=1", "install", "a"]
    assert c.flags({"-q"}) == ("-o", "-q")  # -q takes "y" as its value


def test_hadolint_shell_pragma_sets_the_stage_shell():
    from dflint.parser import parse
    from dflint.shell import script_of, stage_shell

    df = parse(
        "FROM mcr.microsoft.com/powershell\n# hadolint shell=powershell\nRUN Write-Host hi\n"
        "FROM debian:12\nRUN echo hi\n# dflint: shell=bash\nRUN echo $((1+1))\n"
    )
    runs = [i for i in df.instructions if i.name == "RUN"]
    assert stage_shell(runs[0], df) == ("powershell",)
    assert script_of(runs[0], df) is None
    assert stage_shell(runs[1], df) == ("/bin/sh", "-c")  # the pragma ends with its stage
    assert stage_shell(runs[2], df) == ("bash", "-c")


# -- scaling: linear time and memory on big inputs (issue #8) ---------------------------------


def test_stage_shell_of_a_long_from_chain_has_no_recursion_limit():
    # each stage builds FROM the previous one; the SHELL of the first is inherited by the last
    lines = ['FROM alpine AS s0', 'SHELL ["/bin/bash", "-c"]']
    lines += [f"FROM s{i - 1} AS s{i}\nRUN echo {i}" for i in range(1, 3000)]
    from dflint.parser import parse as parse_df

    df = parse_df("\n".join(lines) + "\n")
    runs = [i for i in df.instructions if i.name == "RUN"]
    assert stage_shell(runs[-1], df) == ("/bin/bash", "-c")
    assert stage_shell(runs[0], df) == ("/bin/bash", "-c")


def test_stage_shell_is_computed_once_per_file():
    from dflint.parser import parse as parse_df

    df = parse_df("FROM a\n" + "RUN x\n" * 50 + "SHELL [\"bash\", \"-c\"]\nRUN y\n")
    runs = [i for i in df.instructions if i.name == "RUN"]
    assert [stage_shell(r, df) for r in runs] == [DEFAULT_SHELL] * 50 + [("bash", "-c")]
    assert "stage_shells" in df.memo


def test_deeply_nested_substitutions_keep_memory_linear():
    depth = 3000
    script = parse_script("echo " + "$(echo " * depth + "x" + ")" * depth)
    assert len(script.commands) == depth + 1
    outer = script.commands[0]
    # the outer argument is long: read from the code on use, not kept (quadratic otherwise)
    arg = outer.args[0]
    assert arg.value == arg.raw and arg.value.startswith("$(echo $(echo") and not arg.static
    assert arg == outer.args[0] and hash(arg) == hash(outer.args[0])
    assert outer.text.startswith("echo $(echo") and outer.text.endswith(")")
    assert script.commands[-1].args[0].value == "x"


def test_command_text_is_sliced_from_its_piece():
    script = parse_script("sudo -E apt-get install -y curl && echo done")
    cmd = script.find("apt-get", "install")[0]
    assert cmd.text == "apt-get install -y curl" and cmd.outermost.text == "sudo -E apt-get install -y curl"
    assert script.commands[1].text == "echo done"


def test_script_of_restores_the_garbage_collector():
    import gc

    from dflint.parser import parse as parse_df

    df = parse_df("FROM a\nRUN echo hi\n")
    assert gc.isenabled()
    script_of(df.instructions[1], df)
    assert gc.isenabled()
    gc.disable()
    try:
        script_of(df.instructions[1], df)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_windows_base_named_through_a_global_arg_gets_the_windows_shell():
    # corpus 0849-0861 (docker-library style): `ARG target=mcr.microsoft.com/windows/...` then
    # `FROM $target`; a RUN there is cmd, not /bin/sh (found comparing with hadolint)
    from dflint.parser import parse
    from dflint.shell import WINDOWS_SHELL, stage_shell

    df = parse("ARG target=mcr.microsoft.com/windows/servercore:ltsc2022\nFROM $target\nRUN dir\n")
    assert stage_shell(df.instructions[-1], df) == WINDOWS_SHELL
    df = parse("ARG target=debian:bookworm\nFROM ${target}\nRUN ls\n")
    assert stage_shell(df.instructions[-1], df) != WINDOWS_SHELL


# -- plain words without tree-sitter -------------------------------------------------------------


def _everything(script: Script) -> tuple:
    """All a rule can read of a script, positions included."""

    def arg(a):
        return None if a is None else (a.value, a.raw, a.static, a.span)

    index = {id(c): i for i, c in enumerate(script.commands)}
    return (
        [
            (c.name, arg(c.name_arg), [arg(a) for a in c.args], [a._values() for a in c.assignments],
             [(r.op, r.fd, arg(r.target), r.span) for r in c.redirects], c.text, c.span, c.piece,
             c.index, c.substitution, c.background, c.unwrapped().name)
            for c in script.commands
        ],
        [tuple(index[id(c)] for c in chain) for chain in script.and_chains],
        [(tuple(index[id(c)] for c in p.commands), p.span, p.pipefail) for p in script.pipelines],
        [e._values() for e in script.errors],
        [a._values() for a in script.assignments],
        script.pipefail,
    )


PLAIN_TEXTS = [
    "apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10 git"
    "     && rm -rf /var/lib/apt/lists/*",
    "groupadd -r app && useradd -r -g app app",
    "a&&b&&c",
    "  make   -j4   install  ",
    "set -eux && pip3.11 install x==1 && python3 -m pip install y",
    "sudo -E env A=1 apt-get install -y x && nice -n 5 ./configure --prefix=/usr",
    "g++ -o app main.cpp && ./app",
    "chmod 755 /usr/local/bin/* && ls ? && echo a=b c==d",
    # where tree-sitter reads plain words otherwise: its answer is kept
    "a == b && c",
    "- a && b",
    "-x && y",
    "x@ && y",
    "x% y",
    "A=1 b && c",
    "export A=1 && local b && unset c",
    "time make && do x",
    "if && then",
    "a && && b",
    "a &&",
    "&& a",
    "a &&&& b",
    # ;, || and | between plain commands (pipelines, pipefail and && runs as tree-sitter makes them)
    "apt-get update || true",
    "a && b || c && d; e",
    "set -o pipefail && curl -fsSL https://x/install.sh | bash",
    "set -o pipefail; wget -O- x | tee log | sh; curl y | sh",
    "curl x | sh && set -eo pipefail && wget y|bash || echo failed",
    "a|b;c||d;",
    "x && a | b | c || d",
    # redirects to plain words ending a pipeline or a command
    "make install > /var/log/build.log 2>&1 && rm -rf /src",
    "curl -fsSL x | tar -xz -C /opt && chmod +x /opt/x && /opt/x --version > /opt/VERSION",
    "a >/dev/null 2>&1 || echo missing >&2; b >> log",
    "set -o pipefail && wget -O- x | sh > out 1>x",
    "apt-get update &&\tapt-get install -y\tcurl\t&& make >\tlog\t2>&1",  # tabs (indented lines)
    # shapes left to tree-sitter (it reads some otherwise, others do not parse): its answer is kept
    "a | b | c && d",
    "a | b | c | d || e; f",
    "x || a | b | c | d && e",
    "a ; ; b",
    "a;;",
    "; a",
    "a |",
    "a ||| b",
    "a |& b",
    "a & b",
    "a; done",
    "a | time b",
    "a > x | b",
    "a && b 2>&1 | c",
    "xargs - 2> x",
    "a>x",
    "a 12>x",
    "a > x y",
    "a >& x",
    "a >&-",
    "a &> x",
    "a >| x",
    "a < x",
    "a > 'x'",
    "a 0>x",
    "a\t2>x",
    # NAME=value before a command's name: its assignments
    "CGO_ENABLED=0 go build -trimpath -o /usr/local/bin/hello .",
    "DEBIAN_FRONTEND=noninteractive apt-get install -y curl && A=1 B= c=d e",
    "A=1 B=x=y make install > log 2>&1 | PATH=/x:$PATH tee out; _x=1 y",
    "A='x y' B=\"$HOME/bin\" C=$(nproc) D=${E}f go build",
    "_=x y",
    "A=1",
    "A=1 B=2",
    "A=1 && b",
    "a; B=2",
    "A+=1 b",
    "1A=2 b",
    "A=1 if x",
    "A=1 export B",
    "A=1 -x",
    # quoted words, $NAME, ${NAME} and $(plain command)
    "python3 -c 'import sys; print(sys.version)' > /tmp/py5",
    'echo "export HOME_3=$HOME/bin:$PATH" >> /etc/profile.d/env3.sh && grep -c HOME /etc/profile.d/env3.sh | wc -l',
    'cd /src && ./configure --prefix=/usr/local && make -j"$(nproc)" && make install',
    "echo $(uname -m) ${A}x $B.c && tar xf $A-$B.tar.gz",
    "echo $A-$B.c x$B.c $A$B.c ${A}-$B.c $A-${B}.c '$A'-$B.c \"$A\"$B- $A-$B",
    "echo '$(x)' \"$(y) $(z w)\" $(z) a$(b)c $(d)$(e) && f | g $(h) | i; j",
    "echo '' \"\" 'a'\"b\"c '&& ; | > <' \"x'y\" 'é' \"𝄞 ü\"",
    "echo ==$A ==\"x\" =='y' '=='",
    "x $(if) $(a == b) $(A=1 b) $( ) $(-x)",
    "echo \"$\" \"$1\" $1 \"a\\b\" \"$(a; b)\" \"`x`\" \"!x\" $'x' $\"x\"",
    "'a' b",
    "$A b",
    "echo 'x' > 'y'",
    "echo \"x\">y",
    # assignments as statements, and newlines (heredoc bodies)
    "A=1 && b; C=$(d) || e; F=1 G=2 && h",
    "nproc=\"$(nproc)\"; make -j \"$nproc\"",
    "A=1 | b",
    "a | A=1",
    "A=1 > x",
    "apt-get update\napt-get install -y git\n",
    "\n\na &&\n  b |\n c\n\n;d",
    "a\n;b",
    "a;\n",
    "a\n;",
    "A=1\nb",
    "A=1 B=2\nb",
    "A=1 B=2\n\nC=3 b",
    "a | b | c\nd",
    "a|b|c\nd&&e",
    "a | b\nc && d",
    "go || >e\nho",
    "A= || b",
    "A=1 B=|| c",
    "x && A=|| b",
    "A=&& b; A=; c",
]


def test_plain_words_are_read_as_tree_sitter_reads_them(monkeypatch):
    """Plain words joined by ``&&`` are split without tree-sitter (`_Builder.plain_chain`), as is
    a command of plain words inside other code (`_Builder._plain_command`): the scripts are the
    ones the tree-sitter walk makes."""
    from dflint import shell
    from dflint.parser import parse as parse_df

    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    import generate

    texts = [*PLAIN_TEXTS]
    texts += [i.args for i in parse_df(generate.dockerfile(200)).instructions if i.name == "RUN"]
    texts += ["PF " + t for t in PLAIN_TEXTS]  # with a SHELL that sets pipefail

    def script(text):
        if text.startswith("PF "):
            return parse_script(text[3:], lambda i: i + 7, ("/bin/bash", "-o", "pipefail", "-c"))
        return P(text, 7)

    fast = [_everything(script(t)) for t in texts]
    monkeypatch.setattr(shell._Builder, "plain_chain", lambda self: False)
    monkeypatch.setattr(shell._Builder, "_plain_command", lambda self, node, sub: None)
    slow = [_everything(script(t)) for t in texts]
    for text, a, b in zip(texts, fast, slow):
        assert a == b, text


def test_a_plain_chain_is_not_parsed_by_tree_sitter(monkeypatch):
    from dflint import shell

    def refuse():
        raise AssertionError("tree-sitter was asked")

    monkeypatch.setattr(shell, "_parser", refuse)
    script = P("apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*")
    assert [c.name for c in script.commands] == ["apt-get", "apt-get", "rm"]
    assert [len(chain) for chain in script.and_chains] == [3]
    assert not script.errors and not script.pipelines


def test_pipelines_and_lists_of_plain_commands_are_not_parsed_by_tree_sitter(monkeypatch):
    from dflint import shell

    def refuse():
        raise AssertionError("tree-sitter was asked")

    monkeypatch.setattr(shell, "_parser", refuse)
    script = P("set -o pipefail; curl -fsSL x | sh && apt-get update >/dev/null 2>&1 || true")
    assert [c.name for c in script.commands] == ["set", "curl", "sh", "apt-get", "true"]
    assert [[c.name for c in chain] for chain in script.and_chains] == [
        ["set"], ["curl", "sh", "apt-get"], ["true"]
    ]
    (pipeline,) = script.pipelines
    assert [c.name for c in pipeline] == ["curl", "sh"] and pipeline.pipefail and script.pipefail
    assert [(r.op, r.fd, r.target.value) for r in script.commands[3].redirects] == [
        (">", None, "/dev/null"), (">&", 2, "1")
    ]
    assert script.commands[3].text == "apt-get update >/dev/null 2>&1"
    assert not script.errors


def test_assignments_quotes_and_substitutions_are_not_parsed_by_tree_sitter(monkeypatch):
    from dflint import shell

    def refuse():
        raise AssertionError("tree-sitter was asked")

    monkeypatch.setattr(shell, "_parser", refuse)
    script = P("CGO_ENABLED=0 GOOS=$TARGETOS go build -o x . && make -j\"$(nproc)\" && python3 -c 'import sys'")
    assert [c.name for c in script.commands] == ["go", "make", "nproc", "python3"]
    go, make, nproc, python = script.commands
    assert [(a.name, a.value, a.static) for a in go.assignments] == [
        ("CGO_ENABLED", "0", True), ("GOOS", "$TARGETOS", False)
    ]
    assert go.text.startswith("CGO_ENABLED=0") and go.args[0].value == "build"
    assert (make.args[0].value, make.args[0].raw, make.args[0].static) == ("-j$(nproc)", '-j"$(nproc)"', False)
    assert nproc.substitution and not make.substitution
    assert (python.args[1].value, python.args[1].static) == ("import sys", True)
    assert [len(chain) for chain in script.and_chains] == [4]


def test_the_go_hello_example_never_loads_tree_sitter(monkeypatch):
    from pathlib import Path

    from dflint import shell
    from dflint.parser import parse as parse_df

    def refuse():
        raise AssertionError("tree-sitter was asked")

    monkeypatch.setattr(shell, "_parser", refuse)
    path = Path(__file__).resolve().parent.parent / "examples" / "go-hello" / "Dockerfile"
    df = parse_df(path.read_text())
    scripts = [script_of(i, df) for i in df.instructions if i.name == "RUN"]
    assert len(scripts) == 3 and all(s.commands and not s.errors for s in scripts)


def test_many_or_operators_before_a_quote_do_not_backtrack():
    # each operator of the plain-code patterns is read one way only: with ``||`` read either
    # as ``||`` or as ``|`` twice, a text that does not match took 2^n steps to fail
    script = P("a || " * 60 + 'echo "$(a; b)"')
    assert len(script.commands) == 63


def test_names_are_the_commands_and_what_their_wrappers_run():
    script = P("sudo env A=1 /usr/bin/apt-get install -y x && echo $(curl -s y) | xargs rm -f")
    assert script.names == {"sudo", "env", "apt-get", "echo", "curl", "xargs", "rm"}
    assert isinstance(script.names, frozenset) and script.names is script.names
    assert P("a=1").names == frozenset()
    assert not script.find("wget") and script.find("apt-get")
