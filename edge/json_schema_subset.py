"""The subset of JSON Schema the edge enforces by grammar, and the check that a schema
stays inside it.

llama.cpp's schema-to-grammar converter silently ignores what it cannot express
(`minimum`, `pattern` quirks, `oneOf` exclusivity, siblings of `$ref`...), and an
ignored keyword means output that does not validate. So every keyword is on an
explicit allow-list, checked per kind of node; anything else is refused by name.
Local `$ref`s are inlined here, so the converter never resolves references itself.
"""

from __future__ import annotations

import copy
from typing import Any

from common.errors import InvalidRequest, UnsupportedParameter

# Keywords that describe and never constrain: allowed on any node, never enforced.
ANNOTATIONS = frozenset(
    {
        "title",
        "description",
        "default",
        "examples",
        "$comment",
        "deprecated",
        "readOnly",
        "writeOnly",
    }
)
# Only on the root schema: where local references point, and the dialect.
ROOT_ONLY = frozenset({"$schema", "$defs", "definitions"})
TYPES = frozenset({"object", "array", "string", "number", "integer", "boolean", "null"})
# The keywords each kind of node may carry, besides `type` and the annotations.
KIND_KEYWORDS: dict[str, frozenset[str]] = {
    "object": frozenset({"properties", "required", "additionalProperties"}),
    "array": frozenset({"items", "minItems", "maxItems"}),
    "string": frozenset({"minLength", "maxLength", "format"}),
    "number": frozenset(),
    "integer": frozenset(),
    "boolean": frozenset(),
    "null": frozenset(),
}
# String formats the converter turns into a grammar; any other would be ignored.
FORMATS = frozenset({"date", "time", "date-time", "uuid", "uuid1", "uuid2", "uuid3", "uuid4"})
# The converter spells bounded repetitions out as nested rules; these bounds keep the
# grammar (and llama.cpp's stack of rules) small.
MAX_LENGTH_BOUND = 512
MAX_ITEMS_BOUND = 128
# Inlined `$ref`s multiply nodes; past this, the grammar would be too big to build.
MAX_NODES = 2000

PARAM = "response_format.json_schema.schema"


class _Checker:
    def __init__(self, root: dict[str, Any], param: str) -> None:
        self._root = root
        self._param = param
        self._nodes = 0

    def unsupported(self, keyword: str, where: str, why: str = "") -> UnsupportedParameter:
        detail = f": {why}" if why else ""
        return UnsupportedParameter(
            f"{self._param}: the JSON Schema keyword '{keyword}' at {where} is not supported "
            f"by the edge's constrained decoding{detail}",
            param=self._param,
        )

    def invalid(self, where: str, why: str) -> InvalidRequest:
        return InvalidRequest(f"{self._param}: at {where}, {why}", param=self._param)

    def node(self, schema: Any, where: str, resolving: tuple[str, ...] = ()) -> dict[str, Any]:
        """The schema at `where`, checked, with references inlined."""
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise self.invalid(where, f"the schema has more than {MAX_NODES} nodes")
        if not isinstance(schema, dict):
            raise self.unsupported(
                "true/false schema", where, "only object schemas are supported here"
            )
        for keyword in schema:
            if keyword in ROOT_ONLY and where != "#":
                raise self.unsupported(keyword, where, "only allowed on the root schema")
        if "$ref" in schema:
            return self._ref(schema, where, resolving)
        if "anyOf" in schema:
            return self._any_of(schema, where, resolving)
        if isinstance(schema.get("type"), list):
            return self._type_list(schema, where)
        if "enum" in schema or "const" in schema:
            return self._literal(schema, where)
        return self._typed(schema, where, resolving)

    def _only(self, schema: dict[str, Any], allowed: frozenset[str], where: str, kind: str) -> None:
        for keyword in schema:
            if keyword not in allowed and keyword not in ANNOTATIONS and keyword not in ROOT_ONLY:
                raise self.unsupported(keyword, where, f"not allowed with {kind}")

    def _ref(
        self, schema: dict[str, Any], where: str, resolving: tuple[str, ...]
    ) -> dict[str, Any]:
        self._only(schema, frozenset({"$ref"}), where, "$ref")
        ref = schema["$ref"]
        if not isinstance(ref, str) or not ref.startswith(("#/$defs/", "#/definitions/")):
            raise self.unsupported(
                "$ref", where, f"only local references into #/$defs or #/definitions ({ref!r})"
            )
        if ref in resolving:
            raise self.unsupported("$ref", where, f"recursive reference {ref!r}")
        section, name = ref[2:].split("/", 1)
        target = self._root.get(section, {}).get(name)
        if target is None:
            raise self.invalid(where, f"the reference {ref!r} points at nothing")
        return self.node(target, ref, (*resolving, ref))

    def _any_of(
        self, schema: dict[str, Any], where: str, resolving: tuple[str, ...]
    ) -> dict[str, Any]:
        self._only(schema, frozenset({"anyOf"}), where, "anyOf")
        options = schema["anyOf"]
        if not isinstance(options, list) or not options:
            raise self.invalid(where, "anyOf must be a non-empty list of schemas")
        return {
            "anyOf": [self.node(s, f"{where}/anyOf/{i}", resolving) for i, s in enumerate(options)]
        }

    def _type_list(self, schema: dict[str, Any], where: str) -> dict[str, Any]:
        # The converter turns ["string", "null"] into a union of bare types and drops
        # every other keyword, so none may come with it.
        self._only(schema, frozenset({"type"}), where, "a list of types")
        types = schema["type"]
        if not types or any(t not in TYPES for t in types):
            raise self.invalid(where, f"type must name JSON Schema types ({types!r})")
        return {"type": list(types)}

    def _literal(self, schema: dict[str, Any], where: str) -> dict[str, Any]:
        # The value is written out as is; only `type` may come along (and is implied).
        keyword = "enum" if "enum" in schema else "const"
        self._only(schema, frozenset({keyword, "type"}), where, keyword)
        if keyword == "enum":
            values = schema["enum"]
            if not isinstance(values, list) or not values:
                raise self.invalid(where, "enum must be a non-empty list")
            return {"enum": copy.deepcopy(values)}
        return {"const": copy.deepcopy(schema["const"])}

    def _typed(
        self, schema: dict[str, Any], where: str, resolving: tuple[str, ...]
    ) -> dict[str, Any]:
        kind = self._kind(schema, where)
        if kind is None:  # no constraint at all: any JSON value
            self._only(schema, frozenset(), where, "an untyped schema")
            return {}
        self._only(schema, KIND_KEYWORDS[kind] | {"type"}, where, f"type {kind!r}")
        out: dict[str, Any] = {"type": kind}
        if kind == "object":
            out |= self._object(schema, where, resolving)
        elif kind == "array":
            out |= self._array(schema, where, resolving)
        elif kind == "string":
            out |= self._string(schema, where)
        return out

    def _kind(self, schema: dict[str, Any], where: str) -> str | None:
        declared = schema.get("type")
        if declared is not None:
            if declared not in TYPES:
                raise self.invalid(where, f"unknown type {declared!r}")
            return str(declared)
        implied = {kind for kind, keywords in KIND_KEYWORDS.items() if keywords & schema.keys()}
        if len(implied) > 1:
            raise self.invalid(where, "keywords of different types need an explicit type")
        return implied.pop() if implied else None

    def _object(
        self, schema: dict[str, Any], where: str, resolving: tuple[str, ...]
    ) -> dict[str, Any]:
        properties = schema.get("properties", {})
        if not isinstance(properties, dict):
            raise self.invalid(where, "properties must be an object")
        required = schema.get("required", [])
        if not isinstance(required, list) or any(name not in properties for name in required):
            raise self.invalid(where, "required must list names declared in properties")
        extra = schema.get("additionalProperties", properties == {})
        if properties and extra is not False and "additionalProperties" in schema:
            # Free keys could repeat a declared one with a value its schema refuses.
            raise self.unsupported(
                "additionalProperties", where, "only false when properties are declared"
            )
        out: dict[str, Any] = {
            "properties": {
                name: self.node(sub, f"{where}/properties/{name}", resolving)
                for name, sub in properties.items()
            },
            "required": list(required),
        }
        if properties:
            out["additionalProperties"] = False
        elif isinstance(extra, dict):
            out["additionalProperties"] = self.node(extra, f"{where}/additionalProperties")
        else:
            out["additionalProperties"] = bool(extra)
        return out

    def _array(
        self, schema: dict[str, Any], where: str, resolving: tuple[str, ...]
    ) -> dict[str, Any]:
        items = schema.get("items")
        bounds: dict[str, Any] = {k: schema[k] for k in ("minItems", "maxItems") if k in schema}
        if items is None:
            if bounds:
                raise self.unsupported(next(iter(bounds)), where, "needs an items schema")
            return {}
        out = {"items": self.node(items, f"{where}/items", resolving)}
        return out | self._bounds(bounds, MAX_ITEMS_BOUND, where)

    def _string(self, schema: dict[str, Any], where: str) -> dict[str, Any]:
        bounds: dict[str, Any] = {k: schema[k] for k in ("minLength", "maxLength") if k in schema}
        if "format" in schema:
            fmt = schema["format"]
            if fmt not in FORMATS:
                raise self.unsupported("format", where, f"format {fmt!r} cannot be enforced")
            if bounds:
                raise self.unsupported(next(iter(bounds)), where, "not together with format")
            return {"format": fmt}
        return self._bounds(bounds, MAX_LENGTH_BOUND, where)

    def _bounds(self, bounds: dict[str, Any], limit: int, where: str) -> dict[str, Any]:
        for name, value in bounds.items():
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= limit:
                raise self.invalid(where, f"{name} must be an integer from 0 to {limit}")
        low = next((v for k, v in bounds.items() if k.startswith("min")), 0)
        high = next((v for k, v in bounds.items() if k.startswith("max")), None)
        if high is not None and low > high:
            raise self.invalid(where, "the minimum is above the maximum")
        return dict(bounds)


def enforceable_schema(schema: Any, param: str = PARAM) -> dict[str, Any]:
    """`schema`, checked against the subset and with its references inlined: what the
    grammar is built from. Raises UnsupportedParameter naming the first keyword the
    edge cannot enforce, or InvalidRequest for a schema that is not well formed."""
    if not isinstance(schema, dict):
        raise InvalidRequest(f"{param} must be a JSON Schema object", param=param)
    return _Checker(schema, param).node(schema, "#")
