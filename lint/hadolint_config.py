"""hadolint's configuration file, read as dflint's (for teams switching from hadolint).

When no dflint config governs a Dockerfile, a `.hadolint.yaml`/`.hadolint.yml` is looked for as
hadolint 2.15 looks for it: the current directory, then `$XDG_CONFIG_HOME/hadolint.yaml`,
`~/.config/hadolint.yaml`, `~/.hadolint/hadolint.yaml`, `~/hadolint/config.yaml` and
`~/.hadolint.yaml` (dflint also looks in the Dockerfile's folder and its parents first, the way
it finds its own config). Every key hadolint documents is understood; unlike hadolint, an unknown
or misspelled key is an error with a did-you-mean.
"""

from __future__ import annotations

import os

from dflint.config import Config, ConfigError, config_from_table

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from pathlib import Path

NAMES = (".hadolint.yaml", ".hadolint.yml")

#: Rule option names fed from hadolint's top-level keys.
LABEL_RULES = ("DL3049", "DL3050", "DL3051", "DL3052", "DL3053", "DL3054", "DL3055", "DL3056", "DL3058")
KEYS = (
    "ignored",
    "override",
    "failure-threshold",
    "trustedRegistries",
    "label-schema",
    "strict-labels",
    "disable-ignore-pragma",
    "no-fail",
    "no-color",
    "verbose",
    "format",
    "formats",
)
_FORMATS = {"tty": "full", "json": "json", "checkstyle": "checkstyle", "gitlab_codeclimate": "gitlab", "sarif": "sarif"}


def find_hadolint_config(start: str | os.PathLike[str]) -> Path | None:
    # str paths (os.path) while looking: pathlib is imported only when a file is found
    p = os.path.abspath(start)
    folder = p if os.path.isdir(p) else os.path.dirname(p)
    folders = []
    while True:
        folders.append(folder)
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    folders.append(os.getcwd())
    for d in folders:
        for name in NAMES:
            if os.path.isfile(os.path.join(d, name)):
                return _as_path(os.path.join(d, name))
    home = os.path.expanduser("~")
    xdg = os.environ.get("XDG_CONFIG_HOME")
    candidates = [os.path.join(xdg, "hadolint.yaml")] if xdg else []
    candidates += [
        os.path.join(home, ".config", "hadolint.yaml"),
        os.path.join(home, ".hadolint", "hadolint.yaml"),
        os.path.join(home, "hadolint", "config.yaml"),
        os.path.join(home, ".hadolint.yaml"),
    ]
    for c in candidates:
        if os.path.isfile(c):
            return _as_path(c)
    return None


def _as_path(path: str) -> Path:
    from pathlib import Path

    return Path(path)


def load_hadolint_config(path: str | os.PathLike[str]) -> Config:
    from pathlib import Path

    path = Path(os.path.abspath(path))
    try:
        import yaml
    except ImportError:  # pragma: no cover - pyyaml is a dependency
        raise ConfigError(f"{path}: reading a hadolint config needs PyYAML (pip install pyyaml)") from None
    try:
        data = yaml.safe_load(path.read_text("utf-8")) or {}
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {' '.join(str(exc).split())}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of hadolint settings")
    return config_from_table(translate(data, str(path)), path).replace(hadolint=True)


def translate(data: dict[str, Any], origin: str) -> dict[str, Any]:
    """hadolint's keys as a dflint config table."""
    table: dict[str, Any] = {}
    rules: dict[str, dict[str, Any]] = {}
    for key, value in data.items():
        if key not in KEYS:
            import difflib

            hint = difflib.get_close_matches(str(key), KEYS, n=1, cutoff=0.6)
            suffix = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise ConfigError(f"{origin}: unknown hadolint key {key!r}{suffix}")
        if key == "ignored":
            table["ignore"] = _codes(origin, key, value)
        elif key == "override":
            if not isinstance(value, dict):
                raise ConfigError(f"{origin}: 'override' must map levels to lists of rules")
            severity: dict[str, str] = {}
            for level, codes in value.items():
                if level not in ("error", "warning", "info", "style"):
                    import difflib

                    hint = difflib.get_close_matches(str(level), ["error", "warning", "info", "style"], n=1)
                    suffix = f" (did you mean {hint[0]!r}?)" if hint else ""
                    raise ConfigError(f"{origin}: override: unknown level {level!r}{suffix}")
                for code in _codes(origin, f"override.{level}", codes):
                    severity[code] = level
            table["severity"] = severity
        elif key == "failure-threshold":
            level = str(value).lower()
            if level in ("none", "ignore"):
                table["exit-zero"] = True
            else:
                table["failure-threshold"] = level
        elif key == "trustedRegistries":
            regs = [value] if isinstance(value, str) else value
            rules.setdefault("DL3026", {})["trusted-registries"] = _strings(origin, key, regs)
        elif key == "label-schema":
            if not isinstance(value, dict):
                raise ConfigError(f"{origin}: 'label-schema' must map label names to types")
            for code in LABEL_RULES:
                rules.setdefault(code, {})["label-schema"] = {str(k): str(v) for k, v in value.items()}
        elif key == "strict-labels":
            rules.setdefault("DL3050", {})["strict-labels"] = _bool(origin, key, value)
        elif key == "disable-ignore-pragma":
            table["disable-pragmas"] = _bool(origin, key, value)
        elif key == "no-fail":
            if _bool(origin, key, value):
                table["exit-zero"] = True
        elif key in ("format", "formats"):
            fmts = [value] if isinstance(value, str) else list(value or [])
            if fmts:
                table["output-format"] = _FORMATS.get(str(fmts[0]), str(fmts[0]))
        # no-color and verbose only change how hadolint prints; dflint has flags for both
    if rules:
        table["rules"] = rules
    return table


def _codes(origin: str, key: str, value: Any) -> list[str]:
    return [c.strip() for c in _strings(origin, key, value)]


def _strings(origin: str, key: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
        raise ConfigError(f"{origin}: {key!r} must be a list of strings")
    return [str(v) for v in value]


def _bool(origin: str, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{origin}: {key!r} must be true or false")
    return value
