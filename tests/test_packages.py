"""Package-manager commands as rules see them (dflint.packages)."""

from __future__ import annotations

import pytest

from dflint.packages import package_commands
from dflint.shell import parse_script


def summary(text: str) -> list[tuple]:
    return [
        (pc.manager, pc.action, [(p.name, p.version) for p in pc.packages])
        for pc in package_commands(parse_script(text))
    ]


@pytest.mark.parametrize(
    "text,expected",
    [
        (
            "apt-get update && apt-get install -y --no-install-recommends curl=7.1 git/bookworm "
            "-o Dpkg::Options::=--force-confnew vim",
            [("apt", "update", []), ("apt", "install", [("curl", "7.1"), ("git", None), ("vim", None)])],
        ),
        (
            "apk add --no-cache --virtual .build-deps gcc musl-dev=1.2 && apk del .build-deps",
            [("apk", "install", [("gcc", None), ("musl-dev", "1.2")]), ("apk", "remove", [(".build-deps", None)])],
        ),
        (
            "sudo python3 -m pip install --no-cache-dir -r requirements.txt flask==3.0 'requests>=2' .",
            [("pip", "install", [("flask", "==3.0"), ("requests", ">=2")])],
        ),
        ("npm install -g @angular/cli@17 typescript", [("npm", "install", [("@angular/cli", "17"), ("typescript", None)])]),
        ("yum install -y httpd-2.4.6 && yum clean all", [("yum", "install", [("httpd", "2.4.6")]), ("yum", "clean", [])]),
        ("go install golang.org/x/tools/gopls@latest", [("go", "install", [("golang.org/x/tools/gopls", "latest")])]),
        ("zypper --non-interactive in -y nginx=1.2", [("zypper", "install", [("nginx", "1.2")])]),
        ("apt-get install -y ./local.deb", [("apt", "install", [])]),
        ("yarn", [("yarn", "install", [])]),
    ],
)
def test_package_commands(text, expected):
    assert summary(text) == expected


@pytest.mark.parametrize(
    "text",
    ["echo 'apt-get install x'", "# apt-get install x", "printf '%s' \"pip install flask\"", "cat apt-get.log"],
)
def test_mentions_are_not_commands(text):
    assert summary(text) == []


def test_flags_and_spans():
    script = parse_script("apt-get -qy install --no-install-recommends curl")
    (pc,) = package_commands(script)
    assert pc.has_flag("-y") and pc.has_flag("--no-install-recommends") and not pc.has_flag("--yes")
    assert script.text[pc.packages[0].arg.span.start : pc.packages[0].arg.span.end] == "curl"


@pytest.mark.parametrize(
    "text,expected",
    [
        ("gem i rails:7.1 ./local.gem", [("gem", "install", [("rails", "7.1")])]),
        ("yarn --version", [("yarn", None, [])]),
        ("pip install '.[dev]' requests", [("pip", "install", [("requests", None)])]),
        (
            "npm install git+ssh://git@github.com:x/y#v1 lodash@4",
            [("npm", "install", [("git+ssh://git@github.com:x/y", "v1"), ("lodash", "4")])],
        ),
        ("go install ./... && go get . golang.org/x/tools@v0.1.0", [("go", "install", []), ("go", "install", [("golang.org/x/tools", "v0.1.0")])]),
        ("apk add ./pkg.apk curl", [("apk", "install", [("curl", None)])]),
        ("apt-get dist-clean && apt-get build-dep -y python3", [("apt", "clean", []), ("apt", "build-dep", [])]),
    ],
)
def test_package_commands_edge_cases(text, expected):
    assert summary(text) == expected
