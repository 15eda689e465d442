"""Semantic checks of collector configs, reported by YAML path.

The YAML walk (``xaso.yamlcheck``) has already checked types and unknown keys; what is
left is what types cannot say: ids that must match the wire contract, URLs of the right
scheme, a password given two ways. Each problem names the path of the offending key,
relative to the ``collectors:`` section, so the agent config can turn it into FILE:LINE.

A partial load drops invalid list items, so a list index in the loaded tree may differ
from the index in the file. ``Problems`` therefore asks ``path_of`` (when the caller has
one, e.g. built on ``Lines.path_of``) where an item really came from, and falls back to
the index path otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from urllib.parse import SplitResult, urlsplit

import msgspec

from xaso.protocol import ID_PATTERN, is_valid_id

PathPart = str | int
YamlPath = tuple[PathPart, ...]
PathOf = Callable[[msgspec.Struct], YamlPath | None]
ConfigProblem = tuple[YamlPath, str]


class Problems:
    def __init__(self, path_of: PathOf | None = None) -> None:
        self._path_of = path_of
        self.found: list[ConfigProblem] = []

    def add(self, item: msgspec.Struct, where: YamlPath, key: PathPart, message: str) -> None:
        """``where`` is the item's path in the loaded tree; ``key`` the key inside it."""
        located = self._path_of(item) if self._path_of is not None else None
        self.found.append(((*(located if located is not None else where), key), message))

    def device_ids(self, devices: Iterable[msgspec.Struct], where: YamlPath) -> None:
        """Every id matches the wire contract and appears once in this collector."""
        first: dict[str, int] = {}
        for index, device in enumerate(devices):
            device_id: str = getattr(device, "id")  # noqa: B009 - every device has one
            if not is_valid_id(device_id):
                self.add(
                    device,
                    (*where, index),
                    "id",
                    f"device id {device_id!r} must match {ID_PATTERN}",
                )
            elif device_id in first:
                self.add(
                    device,
                    (*where, index),
                    "id",
                    f"device {device_id!r} is already listed (item {first[device_id]})",
                )
            first.setdefault(device_id, index)

    def positive(
        self, item: msgspec.Struct, where: YamlPath, key: str, value: float | None
    ) -> None:
        if value is not None and value <= 0:
            self.add(item, where, key, f"{key} must be positive")

    def one_password(
        self,
        item: msgspec.Struct,
        where: YamlPath,
        password_file: str | None,
        password_env: str | None,
    ) -> None:
        if password_file and password_env:
            self.add(item, where, "password_env", "give password_file or password_env, not both")

    def http_url(self, item: msgspec.Struct, where: YamlPath, key: str, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            self.add(item, where, key, f"{key} must be http[s]://host[:port]/path")
        elif parts.username or parts.password:
            # Secrets stay out of the config: use username + password_file/password_env.
            self.add(item, where, key, f"{key} must not carry credentials")
        else:
            _check_port(self, item, where, key, parts)

    def argv(self, item: msgspec.Struct, where: YamlPath, key: str, argv: list[str] | None) -> None:
        if argv is not None and (not argv or not argv[0]):
            self.add(item, where, key, f"{key} must name a program: [program, arg, ...]")


def _check_port(
    problems: Problems, item: msgspec.Struct, where: YamlPath, key: str, parts: SplitResult
) -> None:
    try:
        parts.port  # noqa: B018 - raises ValueError when out of range
    except ValueError:
        problems.add(item, where, key, f"{key} has an invalid port")
