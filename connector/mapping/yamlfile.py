"""Read YAML keeping where each value came from, so errors can name file, line and key.

``load_yaml`` returns a ``YamlDoc``: the plain data (dicts, lists, scalars) and the line of every key path.
``YamlDoc.error`` builds a ConfigError for a key path, with the nearest valid name when one is close.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from connector.errors import ConfigError, Location

KeyPath = tuple[str | int, ...]


def path_text(path: KeyPath) -> str:
    """``("engagement", "rules", 3, "points")`` -> ``engagement.rules[3].points``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def nearest(name: str, candidates: Iterable[str]) -> str | None:
    """The closest valid name to a misspelt one, or None when nothing is close."""
    matches = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return matches[0] if matches else None


@dataclass
class YamlDoc:
    """Parsed YAML plus the line of each key path (1-based)."""

    file: str
    data: Any
    lines: dict[KeyPath, int] = field(default_factory=dict)

    def line(self, path: KeyPath) -> int | None:
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), None)

    def error(
        self, path: KeyPath, message: str, *, unknown: str | None = None, valid: Iterable[str] = ()
    ) -> ConfigError:
        """A located error; with ``unknown`` and ``valid`` it suggests the nearest valid name."""
        suggestion = nearest(unknown, valid) if unknown is not None else None
        return ConfigError(message, Location(self.file, self.line(path), path_text(path) or None), suggestion)


def load_yaml(source: str | Path, text: str | None = None) -> YamlDoc:
    """Parse a YAML file (or ``text`` named ``source``) into a YamlDoc; syntax errors are located."""
    name = str(source)
    if text is None:
        try:
            text = Path(source).read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise ConfigError(f"file not found: {name}; check the path") from None
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{name} is not UTF-8 text ({exc.reason}); save it as UTF-8") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        line = mark.line + 1 if mark is not None else None
        raise ConfigError(f"invalid YAML: {problem}", Location(name, line)) from None
    doc = YamlDoc(name, None)
    doc.data = _construct(node, (), doc.lines, name) if node is not None else None
    return doc


def _construct(node: yaml.Node, path: KeyPath, lines: dict[KeyPath, int], name: str) -> Any:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = yaml.SafeLoader(" ").construct_object(key_node) if not isinstance(
                key_node, yaml.ScalarNode
            ) else _scalar(key_node)
            key = str(key)
            if key in out:
                raise ConfigError(
                    f"duplicate key '{key}'; remove one of them",
                    Location(name, key_node.start_mark.line + 1, path_text((*path, key))),
                )
            lines[(*path, key)] = key_node.start_mark.line + 1
            out[key] = _construct(value_node, (*path, key), lines, name)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, (*path, i), lines, name) for i, item in enumerate(node.value)]
    return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()
