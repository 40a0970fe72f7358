"""Image references: ``[registry/]path[:tag][@digest]``, as Docker reads them.

`parse_image` splits a reference the way Docker's reference library does
(``github.com/distribution/reference``, ``normalize.go``): the first ``/``-separated component is
the registry (the "domain") when it contains a ``.`` or a ``:``, is ``localhost``, or has an
upper-case letter; otherwise the image is on Docker Hub (``debian`` is
``docker.io/library/debian``). The tag follows the last ``:`` after the last ``/``; the digest
follows the ``@``.

References may hold build variables (``${REGISTRY}/app:${VERSION}``, ``img${V}``): a variable is
never split, so ``${V:-1.0}`` is not read as a tag, and each part says whether a variable sits
in it (`ImageRef.variable_in`). Callers that know the variables' values (the stage graph's
`base_resolved`) parse the resolved text instead.

Every part has an offset range into the text, so a rule can point at the tag, the registry or the
digest (`ImageRef.span_of` with the span of the whole word).

Quick reference::

    ref = parse_image("gcr.io/distroless/static:nonroot@sha256:abc")
    ref.registry, ref.path, ref.tag, ref.digest   # "gcr.io", "distroless/static", "nonroot", "sha256:abc"
    ref.domain, ref.repository                    # "gcr.io", "gcr.io/distroless/static"
    parse_image("debian").repository              # "docker.io/library/debian"
    parse_image("debian").untagged                # True: no tag and no digest (means :latest)
    registry_allowed("eu.gcr.io", ["*.gcr.io"])   # True
"""

from __future__ import annotations

import functools

from dflint.source import Record, Span

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterable

__all__ = [
    "DOCKER_HUB",
    "DOCKER_HUB_ALIASES",
    "ImageRef",
    "SCRATCH",
    "is_docker_hub",
    "parse_image",
    "registry_allowed",
    "variable_mask",
]

#: The registry an image without a domain comes from.
DOCKER_HUB = "docker.io"
#: Names that all mean Docker Hub (hadolint also accepts ``hub.docker.com`` in trusted registries).
DOCKER_HUB_ALIASES = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io", "hub.docker.com"})
#: The empty base image (BuildKit compares the name case-sensitively).
SCRATCH = "scratch"


def variable_mask(text: str, escape: str = "\\") -> list[bool]:
    """For each character of `text`, whether it belongs to a variable reference (``$NAME``,
    ``${…}`` with nested braces, ``$1``…). An escaped ``$`` is not a reference."""
    mask = [False] * len(text)
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == escape and i + 1 < n:
            i += 2
            continue
        if ch != "$" or i + 1 >= n:
            i += 1
            continue
        nxt = text[i + 1]
        if nxt == "{":
            depth, j = 1, i + 2
            while j < n and depth:
                if text[j] == escape and j + 1 < n:
                    j += 2
                    continue
                if text[j] == "{":
                    depth += 1
                elif text[j] == "}":
                    depth -= 1
                j += 1
            end = j
        elif nxt == "_" or nxt.isalpha():
            j = i + 1
            while j < n and (text[j] == "_" or text[j].isalnum()):
                j += 1
            end = j
        elif nxt.isdigit() or nxt in "@*#?$!-":
            end = i + 2
        else:
            i += 1
            continue
        for k in range(i, end):
            mask[k] = True
        i = end
    return mask


class ImageRef(Record):
    """A parsed image reference. Offsets (`*_range`) are ``(start, end)`` into `text`.
    An immutable record (hand-written, as a frozen dataclass costs import time)."""

    __slots__ = _fields = (
        "text", "registry", "path", "tag", "digest", "registry_range", "path_range", "tag_range",
        "digest_range", "_mask",
    )
    text: str
    registry: str | None  # the explicit domain ("gcr.io", "localhost:5000"); None: Docker Hub
    path: str  # the repository path as written, without domain ("debian", "library/debian")
    tag: str | None
    digest: str | None
    registry_range: tuple[int, int] | None
    path_range: tuple[int, int]
    tag_range: tuple[int, int] | None
    digest_range: tuple[int, int] | None
    _mask: tuple[bool, ...]

    def __init__(
        self,
        text: str,
        registry: str | None,
        path: str,
        tag: str | None,
        digest: str | None,
        registry_range: tuple[int, int] | None = None,
        path_range: tuple[int, int] = (0, 0),
        tag_range: tuple[int, int] | None = None,
        digest_range: tuple[int, int] | None = None,
        _mask: tuple[bool, ...] = (),
    ) -> None:
        self.text = text
        self.registry = registry
        self.path = path
        self.tag = tag
        self.digest = digest
        self.registry_range = registry_range
        self.path_range = path_range
        self.tag_range = tag_range
        self.digest_range = digest_range
        self._mask = _mask

    # -- what it names ---------------------------------------------------------------------
    @property
    def domain(self) -> str:
        """The registry host, ``docker.io`` for Docker Hub (``index.docker.io`` normalised)."""
        if self.registry is None:
            return DOCKER_HUB
        return DOCKER_HUB if self.registry.lower() in ("index.docker.io", "registry-1.docker.io") \
            else self.registry

    @property
    def on_docker_hub(self) -> bool:
        return is_docker_hub(self.domain)

    @property
    def repository(self) -> str:
        """The fully qualified repository: ``docker.io/library/debian``, ``gcr.io/x/y``."""
        path = self.path
        if self.on_docker_hub and "/" not in path:
            path = "library/" + path
        return f"{self.domain}/{path}"

    @property
    def name(self) -> str:
        """Registry and path as written, without tag and digest."""
        return f"{self.registry}/{self.path}" if self.registry is not None else self.path

    @property
    def familiar_name(self) -> str:
        """The short name Docker shows: ``debian``, ``user/app``, ``gcr.io/x/y``."""
        if self.on_docker_hub:
            path = self.path
            return path[len("library/"):] if path.startswith("library/") else path
        return self.name

    # -- properties rules ask about ----------------------------------------------------------
    @property
    def is_scratch(self) -> bool:
        """``scratch``: the empty image (not pulled from anywhere)."""
        return self.text == SCRATCH

    @property
    def untagged(self) -> bool:
        """Neither a tag nor a digest: Docker pulls ``:latest``."""
        return self.tag is None and self.digest is None

    @property
    def is_latest(self) -> bool:
        """The tag is written as ``latest``."""
        return self.tag == "latest"

    @property
    def pinned(self) -> bool:
        """Pinned by digest (the tag, if any, is then ignored by Docker)."""
        return self.digest is not None

    @property
    def has_variables(self) -> bool:
        return any(self._mask)

    def variable_in(self, part: str) -> bool:
        """Whether a variable reference sits in `part`: ``registry``, ``path``, ``tag``,
        ``digest``, or ``name`` (the last path component, where an unseen tag could come
        from, as in ``img${V}``)."""
        if part == "name":
            start, end = self.path_range
            last = self.text.rfind("/", start, end)
            rng: tuple[int, int] | None = (last + 1 if last >= 0 else start, end)
        else:
            rng = getattr(self, f"{part}_range")
        if rng is None:
            return False
        return any(self._mask[rng[0] : rng[1]])

    def could_have_tag(self) -> bool:
        """Whether a tag or digest could come from a variable: none is written, and a variable
        sits in the last path component (``img${V}``, ``${IMAGE}``)."""
        return self.untagged and self.variable_in("name")

    def span_of(self, part: str, word: Span) -> Span | None:
        """The file span of `part` (``registry``, ``path``, ``tag``, ``digest``) given the span
        of the whole reference word (exact when the word was written on one line)."""
        rng = getattr(self, f"{part}_range")
        if rng is None:
            return None
        if len(word) != len(self.text):
            return word
        return Span(word.start + rng[0], word.start + rng[1])


def _find(text: str, mask: list[bool], ch: str, start: int, end: int, last: bool = False) -> int:
    """Index of `ch` outside variable references in ``text[start:end]``, or -1."""
    indices = range(end - 1, start - 1, -1) if last else range(start, end)
    for i in indices:
        if text[i] == ch and not mask[i]:
            return i
    return -1


def _looks_like_domain(component: str, mask: list[bool], offset: int) -> bool:
    if any(mask[offset : offset + len(component)]):
        # ``${REGISTRY}/app``: a variable as the first component with more after it names a
        # registry in practice (Docker Hub user names are rarely put in variables)
        literal = "".join(c for c, m in zip(component, mask[offset:]) if not m)
        return not literal or "." in literal or ":" in literal
    return "." in component or ":" in component or component == "localhost" \
        or component.lower() != component


def parse_image(text: str, escape: str = "\\") -> ImageRef:
    """Split an image reference into registry, path, tag and digest (see the module doc).

    Never raises: an odd reference gives an odd path. Quotes are not removed (BuildKit does not
    remove them from FROM either). Parsed once per distinct text (an `ImageRef` is immutable)."""
    return _parse_image(text, escape)


@functools.lru_cache(maxsize=2048)
def _parse_image(text: str, escape: str) -> ImageRef:
    mask = variable_mask(text, escape)
    n = len(text)
    name_end = n
    digest = digest_range = None
    at = _find(text, mask, "@", 0, n)
    if at >= 0:
        digest, digest_range, name_end = text[at + 1 :], (at + 1, n), at
    tag = tag_range = None
    slash = _find(text, mask, "/", 0, name_end, last=True)
    colon = _find(text, mask, ":", slash + 1, name_end, last=True)
    if colon >= 0:
        tag, tag_range = text[colon + 1 : name_end], (colon + 1, name_end)
        name_end = colon
    registry = registry_range = None
    path_start = 0
    first = _find(text, mask, "/", 0, name_end)
    if first >= 0 and _looks_like_domain(text[:first], mask, 0):
        registry, registry_range, path_start = text[:first], (0, first), first + 1
    return ImageRef(
        text=text,
        registry=registry,
        path=text[path_start:name_end],
        tag=tag,
        digest=digest,
        registry_range=registry_range,
        path_range=(path_start, name_end),
        tag_range=tag_range,
        digest_range=digest_range,
        _mask=tuple(mask),
    )


def is_docker_hub(registry: str | None) -> bool:
    """Whether `registry` (None: no domain written) is Docker Hub."""
    return registry is None or registry.lower() in DOCKER_HUB_ALIASES


def registry_allowed(domain: str | None, allowed: Iterable[str]) -> bool:
    """Whether the registry `domain` (None: Docker Hub) matches one of `allowed`.

    Matching is case-insensitive (host names are). Every Docker Hub name (``docker.io``,
    ``index.docker.io``, ``registry-1.docker.io``, ``hub.docker.com``) allows Docker Hub images.
    An entry with a wildcard is a glob: ``*.gcr.io`` allows ``eu.gcr.io`` but not ``gcr.io``
    (as hadolint). A port is part of the name: ``my.reg:5000`` does not allow ``my.reg``."""
    hub = is_docker_hub(domain)
    host = (domain or DOCKER_HUB).lower()
    for entry in allowed:
        pattern = str(entry).strip().lower()
        if not pattern:
            continue
        if hub and pattern in DOCKER_HUB_ALIASES:
            return True
        if any(c in pattern for c in "*?["):
            import fnmatch

            if fnmatch.fnmatchcase(host, pattern):
                return True
        elif host == pattern:
            return True
    return False
