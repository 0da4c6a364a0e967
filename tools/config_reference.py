"""Writes the configuration reference table of docs/configuration.md from the settings
models, so the table cannot drift from the code, and checks that the document's
hand-annotated example shows every key with its default.

    python -m tools.config_reference --write   # regenerate the table in place
    python -m tools.config_reference --check   # exit 1 when the file is not current

The root model is `gateway.cli.settings.Settings` (or, before the command line became a
package, `gateway.settings.Settings`). Every pydantic model reachable from it is walked;
each leaf key gets one row: dotted key, type, default, constraints and a description.
Descriptions come from `Field(description=...)` or, as most models have them, from the
`#` comment lines immediately above the field (and a trailing comment on its line) in
the class body, read from the source with `ast` and `tokenize`.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import inspect
import io
import json
import sys
import textwrap
import tokenize
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

import annotated_types
import yaml
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "configuration.md"
START = "<!-- config-reference:start -->"
END = "<!-- config-reference:end -->"
WRITE_COMMAND = "python -m tools.config_reference --write"
SETTINGS_MODULES = ("gateway.cli.settings", "gateway.settings")


@dataclass(frozen=True)
class Row:
    key: str
    type: str
    default: str
    constraints: str
    description: str


def root_model() -> type[BaseModel]:
    """The root settings model: the composition root's, else the older location."""
    for name in SETTINGS_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name is not None and name.startswith(exc.name):
                continue
            raise
        settings = getattr(module, "Settings", None)
        if isinstance(settings, type) and issubclass(settings, BaseModel):
            return settings
    raise RuntimeError(f"no Settings model in any of {', '.join(SETTINGS_MODULES)}")


# Descriptions from source comments ---------------------------------------------------


@cache
def _class_comments(cls: type) -> dict[str, str]:
    """Field name → the comment lines right above its assignment in the class body,
    plus a trailing comment on the assignment itself."""
    try:
        source = textwrap.dedent(inspect.getsource(cls))
    except (OSError, TypeError):
        return {}
    comments: dict[int, str] = {}  # line → comment text
    code_lines: set[int] = set()  # lines holding anything but a comment
    skip = {tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            comments[tok.start[0]] = tok.string.lstrip("#").strip()
        elif tok.type not in skip:
            code_lines.update(range(tok.start[0], tok.end[0] + 1))
    tree = ast.parse(source)
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
    found: dict[str, str] = {}
    for node in body:
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)):
            continue
        above: list[str] = []
        line = node.lineno - 1
        while line in comments and line not in code_lines:
            above.insert(0, comments[line])
            line -= 1
        end = node.end_lineno or node.lineno
        trailing = [comments[n] for n in range(node.lineno, end + 1) if n in comments]
        text = " ".join(part for part in [*above, *trailing] if part)
        if text:
            found[node.target.id] = text
    return found


def _description(model: type[BaseModel], name: str, info: FieldInfo) -> str:
    if info.description:
        return " ".join(info.description.split())
    for cls in model.__mro__:
        if cls is BaseModel or not (isinstance(cls, type) and issubclass(cls, BaseModel)):
            continue
        if name in inspect.get_annotations(cls):
            text = _class_comments(cls).get(name)
            if text:
                return text
    for section in _nested_models(info.annotation):
        if section.__doc__:
            return " ".join(section.__doc__.split())
    return ""


# Types, defaults and constraints ------------------------------------------------------

_NAMES = {str: "string", int: "integer", float: "number", bool: "boolean", Path: "path"}


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def render_type(tp: Any) -> str:
    """A readable name for an annotation: `integer | null`, `list[string]`, `"a" | "b"`."""
    origin = get_origin(tp)
    if tp is type(None):
        return "null"
    if origin is typing.Annotated:
        return render_type(get_args(tp)[0])
    if origin is Literal:
        return " | ".join(json.dumps(v) for v in get_args(tp))
    if origin in (Union, types.UnionType):
        return " | ".join(render_type(a) for a in get_args(tp))
    if origin in (list, set, frozenset, tuple):
        inner = ", ".join(render_type(a) for a in get_args(tp) if a is not Ellipsis)
        name = "list" if origin in (list, tuple) else "set"
        return f"{name}[{inner}]" if inner else name
    if origin is dict:
        key, value = get_args(tp) or (Any, Any)
        return f"map[{render_type(key)}, {render_type(value)}]"
    if tp in _NAMES:
        return _NAMES[tp]
    if tp is Any:
        return "any"
    if isinstance(tp, type):
        if "Url" in tp.__name__:
            return "URL"
        if issubclass(tp, Enum):
            return " | ".join(json.dumps(m.value) for m in tp)
        return "section" if issubclass(tp, BaseModel) else tp.__name__
    return str(tp).replace("typing.", "")


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def render_default(info: FieldInfo) -> str:
    if info.default_factory is not None:
        value = info.default_factory()  # type: ignore[call-arg]
    elif info.default is PydanticUndefined:
        return "required"
    else:
        value = info.default
    plain = _plain(value)
    if plain is None:
        return "null"
    if isinstance(plain, bool):
        return "true" if plain else "false"
    if isinstance(plain, str):
        return plain if plain else '""'
    return json.dumps(plain, ensure_ascii=False)


def render_constraints(info: FieldInfo) -> str:
    parts: list[str] = []
    for item in info.metadata:
        for attr, sign in (("ge", "≥"), ("gt", ">"), ("le", "≤"), ("lt", "<")):
            value = getattr(item, attr, None)
            if value is not None and isinstance(item, annotated_types.BaseMetadata):
                parts.append(f"{sign} {value}")
        min_length = getattr(item, "min_length", None)
        if min_length is not None:
            parts.append(f"at least {min_length} item(s)")
        max_length = getattr(item, "max_length", None)
        if max_length is not None:
            parts.append(f"at most {max_length} item(s)")
    alias = info.validation_alias
    choices = getattr(alias, "choices", None)
    if choices:
        names = [c for c in choices if isinstance(c, str)]
        if len(names) > 1:
            parts.append("also read from " + ", ".join(f"`{n}`" for n in names[1:]))
    return ", ".join(parts)


def _nested_models(tp: Any) -> list[type[BaseModel]]:
    """The models inside an annotation that is a model or an optional model."""
    if _is_model(tp):
        return [tp]
    if get_origin(tp) in (Union, types.UnionType):
        return [a for a in get_args(tp) if _is_model(a)]
    return []


def rows(model: type[BaseModel] | None = None, prefix: str = "") -> Iterator[Row]:
    """One row per leaf key of the model, depth first, in declaration order. A section
    that may be null (an optional model) gets a row of its own, then its keys."""
    model = model or root_model()
    for name, info in model.model_fields.items():
        key = f"{prefix}{name}"
        nested = _nested_models(info.annotation)
        optional = nested and not _is_model(info.annotation)
        if nested and not optional:
            yield from rows(nested[0], f"{key}.")
            continue
        yield Row(
            key=key,
            type=render_type(info.annotation),
            default=render_default(info),
            constraints=render_constraints(info),
            description=_description(model, name, info),
        )
        for sub in nested:
            yield from rows(sub, f"{key}.")


# The document ---------------------------------------------------------------------------


def _cell(text: str, code: bool = False) -> str:
    text = " ".join(text.split())
    if code and text:
        text = f"`{text}`"
    elif not code:
        # `<client-id>` would be read as an HTML tag and vanish.
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("|", "\\|")


def table() -> str:
    lines = [
        "| key | type | default | constraints | description |",
        "|---|---|---|---|---|",
    ]
    for row in rows():
        cells = [
            _cell(row.key, code=True),
            _cell(row.type),
            _cell(row.default, code=row.default != "required"),
            _cell(row.constraints),
            _cell(row.description),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def rendered(text: str) -> str:
    """The document's text with the table between the markers replaced."""
    start, end = text.find(START), text.find(END)
    if start < 0 or end < start:
        raise ValueError(f"{DOC} lacks the markers {START} … {END}")
    generated = (
        f"{START}\n<!-- generated by `{WRITE_COMMAND}`; do not edit by hand -->\n\n{table()}\n\n"
    )
    return text[:start] + generated + text[end:]


# The annotated example ----------------------------------------------------------------

EXAMPLE_FENCE = "```yaml\n"  # the document's first YAML block is the annotated example
ABRIDGED = "…"  # a list ending with it shows the first items of the default


def example(text: str) -> dict[str, Any]:
    """The annotated example of the document's text, parsed."""
    start = text.index(EXAMPLE_FENCE) + len(EXAMPLE_FENCE)
    parsed = yaml.safe_load(text[start : text.index("```", start)])
    if not isinstance(parsed, dict):
        raise ValueError(f"{DOC}: the annotated example is not a mapping")
    return parsed


def _shown(tree: dict[str, Any], key: str) -> tuple[bool, Any]:
    node: Any = tree
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return False, None
        node = node[part]
    return True, node


def _same(shown: Any, default: str) -> bool:
    try:
        expected = json.loads(default)
    except json.JSONDecodeError:
        expected = default
    if isinstance(shown, bool) != isinstance(expected, bool):
        return False  # True == 1 in Python, not in a configuration file
    if isinstance(shown, list) and shown[-1:] == [ABRIDGED] and isinstance(expected, list):
        return expected[: len(shown) - 1] == shown[:-1]
    if isinstance(shown, str) and isinstance(expected, str):
        # pydantic's URL type adds a trailing "/" that the example leaves out.
        return shown.rstrip("/") == expected.rstrip("/")
    return bool(shown == expected)


def example_gaps(text: str) -> list[str]:
    """The keys the annotated example leaves out or shows with another default. The
    keys of a section that is null by default are shown in a comment, not checked."""
    tree = example(text)
    gaps: list[str] = []
    unset: list[str] = []
    for row in rows():
        if any(row.key.startswith(f"{section}.") for section in unset):
            continue
        found, value = _shown(tree, row.key)
        if "section" in row.type.split(" | ") and row.default == "null":
            unset.append(row.key)
        if not found:
            gaps.append(f"{row.key}: missing (default {row.default})")
        elif not _same(value, row.default):
            gaps.append(f"{row.key}: shown as {value!r}, default {row.default}")
    return gaps


def check(path: Path = DOC) -> bool:
    """True when the table in the file is what the models say now."""
    text = path.read_text(encoding="utf-8")
    return rendered(text) == text


def write(path: Path = DOC) -> bool:
    """Regenerates the table; True when the file changed."""
    text = path.read_text(encoding="utf-8")
    new = rendered(text)
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.config_reference")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help=f"regenerate the table in {DOC}")
    mode.add_argument("--check", action="store_true", help="exit 1 when the table is stale")
    parser.add_argument("--file", type=Path, default=DOC)
    args = parser.parse_args(argv)
    if args.write:
        changed = write(args.file)
        print(f"{args.file}: {'updated' if changed else 'already current'}")
        return 0
    gaps = example_gaps(args.file.read_text(encoding="utf-8"))
    for gap in gaps:
        print(f"{args.file}: annotated example: {gap}")
    if check(args.file):
        return 1 if gaps else 0
    print(f"{args.file}: the configuration reference is stale; run: {WRITE_COMMAND}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
