"""The JSON Schema subset the edge enforces: what passes, what is refused and how."""

from __future__ import annotations

from typing import Any

import pytest

from common.errors import InvalidRequest, UnsupportedParameter
from edge.json_schema_subset import PARAM, enforceable_schema

PERSON: dict[str, Any] = {
    "type": "object",
    "title": "Person",
    "properties": {
        "name": {"type": "string", "maxLength": 20, "description": "full name"},
        "age": {"type": "integer"},
        "height": {"type": "number"},
        "member": {"type": "boolean"},
        "tier": {"enum": ["gold", "silver"]},
        "kind": {"const": "person"},
        "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 3},
        "born": {"type": "string", "format": "date"},
        "nick": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
        "note": {"type": ["string", "null"]},
        "address": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
            "additionalProperties": False,
        },
    },
    "required": ["name", "age"],
}


def test_a_schema_inside_the_subset_passes_unchanged_in_meaning() -> None:
    checked = enforceable_schema(PERSON)
    assert checked["required"] == ["name", "age"]
    assert checked["additionalProperties"] is False
    assert checked["properties"]["tags"] == {
        "type": "array",
        "items": {"type": "string"},
        "minItems": 1,
        "maxItems": 3,
    }
    # Annotations describe and never constrain: they are not passed on.
    assert "description" not in checked["properties"]["name"]


def test_local_references_are_inlined() -> None:
    schema = {
        "$defs": {"Step": {"type": "object", "properties": {"n": {"type": "integer"}}}},
        "type": "object",
        "properties": {"steps": {"type": "array", "items": {"$ref": "#/$defs/Step"}}},
        "required": ["steps"],
    }
    checked = enforceable_schema(schema)
    item = checked["properties"]["steps"]["items"]
    assert item["properties"] == {"n": {"type": "integer"}}
    assert "$ref" not in str(checked)


@pytest.mark.parametrize(
    ("schema", "keyword"),
    [
        ({"type": "integer", "minimum": 0}, "minimum"),
        ({"type": "number", "maximum": 1}, "maximum"),
        ({"type": "number", "exclusiveMinimum": 0}, "exclusiveMinimum"),
        ({"type": "integer", "multipleOf": 2}, "multipleOf"),
        ({"type": "string", "pattern": "^a+$"}, "pattern"),
        ({"type": "string", "format": "email"}, "format"),
        ({"oneOf": [{"type": "string"}, {"type": "integer"}]}, "oneOf"),
        ({"allOf": [{"type": "string"}]}, "allOf"),
        ({"not": {"type": "string"}}, "not"),
        ({"if": {"type": "string"}, "then": {"maxLength": 2}}, "if"),
        ({"type": "object", "patternProperties": {"^a": {}}}, "patternProperties"),
        ({"type": "object", "dependentSchemas": {"a": {}}}, "dependentSchemas"),
        ({"type": "object", "dependentRequired": {"a": ["b"]}}, "dependentRequired"),
        ({"type": "object", "propertyNames": {"maxLength": 3}}, "propertyNames"),
        ({"type": "object", "minProperties": 1}, "minProperties"),
        ({"type": "array", "items": {}, "uniqueItems": True}, "uniqueItems"),
        ({"type": "array", "contains": {"type": "string"}, "minContains": 2}, "contains"),
        ({"type": "array", "prefixItems": [{"type": "string"}]}, "prefixItems"),
        ({"type": "array", "minItems": 2}, "minItems"),
        ({"type": "object", "unevaluatedProperties": False}, "unevaluatedProperties"),
        ({"$ref": "https://example.com/schema.json"}, "$ref"),
        (
            {"$ref": "#/$defs/A", "description": "x", "maxLength": 3, "$defs": {"A": {}}},
            "maxLength",
        ),
        ({"anyOf": [{"type": "string"}], "type": "string"}, "type"),
        ({"type": ["string", "null"], "maxLength": 3}, "maxLength"),
        ({"enum": ["a", "bb"], "maxLength": 1}, "maxLength"),
        ({"type": "string", "format": "date", "maxLength": 10}, "maxLength"),
        ({"type": "integer", "nullable": True}, "nullable"),
        (
            {"type": "object", "properties": {"a": {}}, "additionalProperties": True},
            "additionalProperties",
        ),
        ({"type": "object", "properties": {"a": {"$defs": {}}}}, "$defs"),
        ({"type": "object", "properties": {"a": True}}, "true/false schema"),
    ],
)
def test_unenforceable_keywords_are_refused_by_name(schema: dict[str, Any], keyword: str) -> None:
    with pytest.raises(UnsupportedParameter) as caught:
        enforceable_schema(schema)
    assert caught.value.param == PARAM
    assert f"'{keyword}'" in caught.value.message
    assert caught.value.status_code == 400


def test_a_recursive_reference_is_refused() -> None:
    schema = {
        "$defs": {"Node": {"type": "object", "properties": {"next": {"$ref": "#/$defs/Node"}}}},
        "$ref": "#/$defs/Node",
    }
    with pytest.raises(UnsupportedParameter, match="recursive"):
        enforceable_schema(schema)


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object", "properties": {"a": {}}, "required": ["b"]},
        {"type": "strange"},
        {"type": "string", "maxLength": 10_000},
        {"type": "string", "minLength": 5, "maxLength": 2},
        {"$ref": "#/$defs/Missing"},
        {"enum": []},
        {"anyOf": []},
        {"properties": {"a": {}}, "items": {}},
    ],
)
def test_malformed_schemas_are_invalid_requests(schema: dict[str, Any]) -> None:
    with pytest.raises(InvalidRequest) as caught:
        enforceable_schema(schema)
    assert caught.value.param == PARAM


def test_the_param_names_the_field_it_came_from() -> None:
    param = "tools[1].function.parameters"
    with pytest.raises(UnsupportedParameter) as caught:
        enforceable_schema({"type": "integer", "minimum": 1}, param=param)
    assert caught.value.param == param
    assert caught.value.message.startswith(param)


def test_a_non_object_schema_is_refused() -> None:
    with pytest.raises(InvalidRequest):
        enforceable_schema(["not", "a", "schema"])
