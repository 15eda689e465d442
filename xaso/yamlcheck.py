"""Strict YAML loading into msgspec Structs that reports every problem with its line.

msgspec (the project's one validation library) stops at the first error and knows
nothing of lines, while an operator fixing a 2,000-line inventory wants the whole list
at once, each pointing at a line (as Frigate does). So the YAML is composed into nodes
(``yaml.compose`` keeps the marks), and the node tree is walked alongside the Struct
type: unknown, duplicate and missing keys are reported by the walk, and each scalar is
validated on its own with ``msgspec.convert`` (strict, so that a quoted ``"30"`` is not
silently taken for a number, but YAML's own ints, floats, bools and dates pass as they
are).

The walk recovers where it can, like a compiler: an invalid optional value falls back to
its default and an invalid list item is dropped. ``load_struct(..., partial=True)``
returns that best-effort instance so that cross-reference checks can run in the same
pass and report more problems; without ``partial`` an instance is only returned when
there was no problem at all.

Lines in messages are 1-based. ``Lines.of(path)`` answers "where is this?" for later
checks, by YAML key (the encoded name, e.g. ``from`` rather than ``from_``) and list
index.
"""

from __future__ import annotations

import difflib
import functools
import types
from pathlib import Path
from typing import Annotated, Any, Final, Literal, NamedTuple, TypeVar, Union, get_args, get_origin

import msgspec
import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import MappingEndEvent, SequenceEndEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

__all__ = [
    "ConfigError",
    "Lines",
    "Problem",
    "load_struct",
    "load_struct_or_raise",
    "load_struct_text",
]

T = TypeVar("T", bound=msgspec.Struct)
PathPart = str | int
YamlPath = tuple[PathPart, ...]

_NULL_TAG: Final = "tag:yaml.org,2002:null"


class _LineMark:
    """Where a node starts, as much as the checks use: its line (0-based, like a
    yaml Mark's). Nodes on one line share one."""

    __slots__ = ("line",)

    def __init__(self, line: int) -> None:
        self.line = line

    def __str__(self) -> str:
        return f'  in "<file>", line {self.line + 1}'


class _LeanComposer(Composer):
    """yaml's composer, but its nodes keep a shared line mark and no end mark.

    libyaml's own composer gives every node a start and an end ``Mark`` and a full
    attribute dict, ~490 bytes a node, ~4.5 KB a device of an inventory: loading a
    150,000-device inventory peaked at 1.15 GB, and the server's memory high-water mark
    with it (bench/server_memory.py). Events still come from libyaml."""

    def _mark(self, event: Any) -> Any:
        line = event.start_mark.line
        marks: dict[int, _LineMark] = self.__dict__.setdefault("_line_marks", {})
        mark = marks.get(line)
        if mark is None:
            mark = marks[line] = _LineMark(line)
        return mark

    def compose_scalar_node(self, anchor: Any) -> Any:
        event = self.get_event()  # type: ignore[attr-defined]
        tag = event.tag
        if tag is None or tag == "!":
            tag = self.resolve(ScalarNode, event.value, event.implicit)  # type: ignore[attr-defined]
        node = ScalarNode(tag, event.value, self._mark(event), None, style=event.style)
        if anchor is not None:
            self.anchors[anchor] = node
        return node

    def compose_sequence_node(self, anchor: Any) -> Any:
        start_event = self.get_event()  # type: ignore[attr-defined]
        tag = start_event.tag
        if tag is None or tag == "!":
            tag = self.resolve(SequenceNode, None, start_event.implicit)  # type: ignore[attr-defined]
        node = SequenceNode(
            tag, [], self._mark(start_event), None, flow_style=start_event.flow_style
        )
        if anchor is not None:
            self.anchors[anchor] = node
        index = 0
        while not self.check_event(SequenceEndEvent):  # type: ignore[attr-defined]
            node.value.append(self.compose_node(node, index))
            index += 1
        self.get_event()  # type: ignore[attr-defined]
        return node

    def compose_mapping_node(self, anchor: Any) -> Any:
        start_event = self.get_event()  # type: ignore[attr-defined]
        tag = start_event.tag
        if tag is None or tag == "!":
            tag = self.resolve(MappingNode, None, start_event.implicit)  # type: ignore[attr-defined]
        node = MappingNode(
            tag, [], self._mark(start_event), None, flow_style=start_event.flow_style
        )
        if anchor is not None:
            self.anchors[anchor] = node
        while not self.check_event(MappingEndEvent):  # type: ignore[attr-defined]
            key = self.compose_node(node, None)  # type: ignore[arg-type]
            node.value.append((key, self.compose_node(node, key)))  # type: ignore[arg-type]
        self.get_event()  # type: ignore[attr-defined]
        return node


def _lean_loader() -> type:
    """libyaml's parser under the lean composer; the pure-Python one without libyaml
    (250 ms against 15 ms for a 500-line inventory)."""
    try:
        import yaml.cyaml as cyaml
    except ImportError:
        return yaml.SafeLoader
    c_parser: Any = vars(cyaml)["CParser"]

    class LeanLoader(_LeanComposer, c_parser, SafeConstructor, Resolver):
        def __init__(self, stream: str) -> None:
            c_parser.__init__(self, stream)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)

    return LeanLoader


_LOADER: Final = _lean_loader()


class Problem(NamedTuple):
    file: str
    line: int  # 1-based; 0 when the problem concerns the whole file (e.g. unreadable)
    message: str

    def __str__(self) -> str:
        if self.line <= 0:
            return f"{self.file}: {self.message}"
        return f"{self.file}:{self.line}: {self.message}"


class ConfigError(Exception):
    """A configuration file with problems; ``str()`` lists them all, one per line."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class Lines:
    """Where each key and list item of a YAML document is, by path."""

    def __init__(
        self,
        lines: dict[YamlPath, int] | None = None,
        items: dict[int, tuple[msgspec.Struct, YamlPath]] | None = None,
    ) -> None:
        self._lines: dict[YamlPath, int] = lines if lines is not None else {}
        # Struct instance (by id, kept alive here) -> the path it was read from.
        self._items = items if items is not None else {}

    def of(self, *path: PathPart) -> int:
        """The line of ``path``, or of its nearest ancestor present in the file."""
        key: YamlPath = path
        while key:
            line = self._lines.get(key)
            if line is not None:
                return line
            key = key[:-1]
        return self._lines.get((), 1)

    def path_of(self, item: msgspec.Struct) -> YamlPath | None:
        """The YAML path a Struct instance of the loaded tree was read from."""
        entry = self._items.get(id(item))
        return entry[1] if entry is not None and entry[0] is item else None

    def of_item(self, item: msgspec.Struct, *path: PathPart) -> int:
        """The line of ``path`` inside ``item``. Prefer it to counting list indices:
        in a partial load invalid list items were dropped, so indices can shift."""
        base = self.path_of(item)
        return self.of(*base, *path) if base is not None else self.of()


def load_struct(
    path: str | Path, type_: type[T], *, partial: bool = False
) -> tuple[T | None, list[Problem], Lines]:
    """Read ``path`` as ``type_``. The instance is None when there is any problem,
    unless ``partial`` asks for the best-effort one (see the module docstring)."""
    file = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        return None, [Problem(file, 0, f"cannot read: {exc.strerror or exc}")], Lines()
    try:
        # "-sig": files saved by Windows editors often start with a byte-order mark.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [Problem(file, line, "not valid UTF-8 text")], Lines()
    return load_struct_text(text, type_, file=file, partial=partial)


def load_struct_text(
    text: str, type_: type[T], file: str = "<string>", *, partial: bool = False
) -> tuple[T | None, list[Problem], Lines]:
    """Like ``load_struct`` but from a string (tests, or YAML that came over HTTP)."""
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_problem(file, exc)], Lines()
    except yaml.reader.ReaderError as exc:  # e.g. a control character
        line = text[: exc.position].count("\n") + 1
        return None, [Problem(file, line, f"YAML error: {exc.reason}")], Lines()
    except yaml.YAMLError as exc:
        return None, [Problem(file, 1, f"YAML error: {exc}")], Lines()
    if root is None:
        return None, [Problem(file, 1, "the file is empty; expected a mapping")], Lines()

    lines: dict[YamlPath, int] = {}
    _record_lines(root, (), 1, lines, set())
    walker = _Walker(file)
    value = walker.walk(root, type_, (), 1)
    # Sorted by line (stable) so that the report reads like the file.
    problems = sorted(walker.problems, key=lambda p: p.line)
    found = Lines(lines, walker.items)
    if value is _INVALID or (problems and not partial):
        return None, problems, found
    return value, problems, found


def load_struct_or_raise(path: str | Path, type_: type[T]) -> tuple[T, Lines]:
    value, problems, lines = load_struct(path, type_)
    if problems or value is None:
        raise ConfigError(problems)
    return value, lines


def _syntax_problem(file: str, exc: yaml.MarkedYAMLError) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else 1
    problem, context = exc.problem, exc.context
    if problem and context:
        # PyYAML splits some sentences in two ("expected a single document in the
        # stream" / "but found another document"); others are a problem and its place.
        text = f"{context}, {problem}" if problem.startswith("but ") else f"{problem} ({context})"
    else:
        text = problem or context or "invalid YAML"
    return Problem(file, line, f"YAML syntax error: {text}")


def _record_lines(
    node: Node, path: YamlPath, line: int, out: dict[YamlPath, int], active: set[int]
) -> None:
    # ``active`` guards against recursive aliases (``&a [*a]``), which YAML allows.
    if id(node) in active:
        return
    out.setdefault(path, line)  # with a duplicated key the first one keeps the line
    active.add(id(node))
    if isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode):
                key_line = key_node.start_mark.line + 1
                _record_lines(value_node, (*path, key_node.value), key_line, out, active)
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            _record_lines(item, (*path, index), item.start_mark.line + 1, out, active)
    active.discard(id(node))


class _Invalid:
    """The result of walking a node that could not be converted (already reported)."""


_INVALID: Final = _Invalid()


def _where(path: YamlPath) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _describe(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if node.tag == _NULL_TAG:
        return "nothing (null)"
    return repr(node.value)


def _is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == _NULL_TAG


def _literal_choices(tp: Any) -> tuple[Any, ...] | None:
    """The allowed values when ``tp`` is a Literal (possibly optional), else None."""
    if get_origin(tp) is Literal:
        return get_args(tp)
    if get_origin(tp) in (Union, types.UnionType):
        for arg in get_args(tp):
            choices = _literal_choices(arg)
            if choices is not None:
                return choices
    return None


@functools.cache
def _fields_by_key(tp: type[msgspec.Struct]) -> dict[str, msgspec.structs.FieldInfo]:
    # Cached: ``fields`` evaluates the annotations again on every call.
    return {field.encode_name: field for field in msgspec.structs.fields(tp)}


def _is_struct(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, msgspec.Struct)


def _is_structured(tp: Any) -> bool:
    """Whether the walk descends into ``tp`` rather than converting it as one value."""
    return _is_struct(tp) or get_origin(tp) in (list, dict)


class _Walker:
    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []
        # Builds Python values from scalar nodes with YAML's own rules (ints, dates...).
        self._constructor = SafeConstructor()
        self._active: set[int] = set()
        self.items: dict[int, tuple[msgspec.Struct, YamlPath]] = {}

    def report(self, line: int, path: YamlPath, message: str) -> None:
        where = _where(path)
        self.problems.append(Problem(self.file, line, f"{where}: {message}" if where else message))

    def walk(self, node: Node, tp: Any, path: YamlPath, line: int) -> Any:
        if id(node) in self._active:
            self.report(line, path, "recursive YAML alias")
            return _INVALID
        self._active.add(id(node))
        try:
            return self._walk(node, tp, path, line)
        finally:
            self._active.discard(id(node))

    def _walk(self, node: Node, tp: Any, path: YamlPath, line: int) -> Any:
        origin = get_origin(tp)
        if origin is Annotated:
            base = get_args(tp)[0]
            if _is_structured(base):
                # Descend for per-item lines, then let msgspec apply the constraints
                # (e.g. ``Meta(min_length=1)``) to the built value.
                value = self._walk(node, base, path, line)
                return value if value is _INVALID else self._convert(value, tp, node, path, line)
        elif origin in (Union, types.UnionType):
            args = get_args(tp)
            if _is_null(node) and type(None) in args:
                return None
            rest = [arg for arg in args if arg is not type(None)]
            if len(rest) == 1 and _is_structured(rest[0]):
                return self._walk(node, rest[0], path, line)
        elif _is_struct(tp):
            return self._struct(node, tp, path, line)
        elif origin is list:
            return self._list(node, get_args(tp)[0], path, line)
        elif origin is dict:
            key_tp, value_tp = get_args(tp)
            return self._dict(node, key_tp, value_tp, path, line)
        return self._leaf(node, tp, path, line)

    def _struct(self, node: Node, tp: type[msgspec.Struct], path: YamlPath, line: int) -> Any:
        if not isinstance(node, MappingNode):
            self.report(line, path, f"expected a mapping, got {_describe(node)}")
            return _INVALID
        # Merge keys (``<<: *defaults``) are part of YAML as PyYAML reads it.
        self._constructor.flatten_mapping(node)
        fields = _fields_by_key(tp)
        seen: dict[str, int] = {}
        values: dict[str, Any] = {}
        complete = True
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            if not isinstance(key_node, ScalarNode):
                self.report(
                    key_line, path, f"a key must be a plain name, got {_describe(key_node)}"
                )
                continue
            # The key's text, not its YAML type: ``on:`` or ``no:`` stay names.
            key = key_node.value
            if key in seen:
                self.report(key_line, path, f"duplicate key '{key}' (first at line {seen[key]})")
                continue
            seen[key] = key_line
            field = fields.get(key)
            if field is None:
                self.report(key_line, path, _unknown_key(key, list(fields)))
                continue
            value = self.walk(value_node, field.type, (*path, key), key_line)
            if value is _INVALID:
                complete = complete and not field.required
                continue  # an optional field falls back to its default
            values[field.name] = value
        for name, field in fields.items():
            if field.required and name not in seen:
                self.report(line, path, f"missing required key '{name}'")
                complete = False
        if not complete:
            return _INVALID
        try:
            instance = tp(**values)
        except (TypeError, ValueError) as exc:  # raised by a __post_init__
            self.report(line, path, str(exc))
            return _INVALID
        self.items[id(instance)] = (instance, path)
        return instance

    def _list(self, node: Node, item_tp: Any, path: YamlPath, line: int) -> Any:
        if not isinstance(node, SequenceNode):
            self.report(line, path, f"expected a list, got {_describe(node)}")
            return _INVALID
        items = []
        for index, item in enumerate(node.value):
            value = self.walk(item, item_tp, (*path, index), item.start_mark.line + 1)
            if value is not _INVALID:
                items.append(value)  # a bad item is dropped; the rest still counts
        return items

    def _dict(self, node: Node, key_tp: Any, value_tp: Any, path: YamlPath, line: int) -> Any:
        if not isinstance(node, MappingNode):
            self.report(line, path, f"expected a mapping, got {_describe(node)}")
            return _INVALID
        self._constructor.flatten_mapping(node)
        seen: dict[Any, int] = {}
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            key = self._dict_key(key_node, key_tp, path, key_line)
            if key is _INVALID:
                continue
            if key in seen:
                self.report(key_line, path, f"duplicate key '{key}' (first at line {seen[key]})")
                continue
            seen[key] = key_line
            value = self.walk(value_node, value_tp, (*path, str(key_node.value)), key_line)
            if value is not _INVALID:
                result[key] = value
        return result

    def _dict_key(self, node: Node, key_tp: Any, path: YamlPath, line: int) -> Any:
        if isinstance(node, ScalarNode):
            # Names first (``no:`` is a name here, not False), then YAML's own reading.
            try:
                return msgspec.convert(node.value, key_tp, strict=True)
            except msgspec.ValidationError:
                pass
            choices = _literal_choices(key_tp)
            if choices is not None:
                self.report(line, path, _not_a_choice("key", node.value, choices))
                return _INVALID
        return self._leaf(node, key_tp, path, line, what="key")

    def _leaf(self, node: Node, tp: Any, path: YamlPath, line: int, what: str = "value") -> Any:
        try:
            value = self._constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, TypeError) as exc:
            # e.g. ``2025-02-30`` looks like a date to YAML but is not one.
            detail = getattr(exc, "problem", None) or str(exc)
            self.report(line, path, f"cannot read {what} {_describe(node)}: {detail}")
            return _INVALID
        return self._convert(value, tp, node, path, line, what)

    def _convert(
        self, value: Any, tp: Any, node: Node, path: YamlPath, line: int, what: str = "value"
    ) -> Any:
        try:
            return msgspec.convert(value, tp, strict=True)
        except msgspec.ValidationError as exc:
            choices = _literal_choices(tp)
            if choices is not None and not isinstance(node, MappingNode | SequenceNode):
                message = _not_a_choice(what, value, choices)
            else:
                detail = str(exc)
                message = f"invalid {what} {_describe(node)}: {detail[:1].lower()}{detail[1:]}"
            self.report(line, path, message)
            return _INVALID


def _unknown_key(key: str, allowed: list[str]) -> str:
    close = difflib.get_close_matches(key, allowed, n=1)
    if close:
        return f"unknown key '{key}' (did you mean '{close[0]}'?)"
    return f"unknown key '{key}' (allowed: {', '.join(allowed)})"


def _not_a_choice(what: str, value: Any, choices: tuple[Any, ...]) -> str:
    message = f"{what} {value!r} must be one of {', '.join(repr(c) for c in choices)}"
    close = difflib.get_close_matches(str(value), [str(c) for c in choices], n=1)
    return f"{message} (did you mean '{close[0]}'?)" if close else message
