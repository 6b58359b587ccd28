"""The API's reference page, built from its OpenAPI schema so the two agree."""

import json
import re
from collections.abc import Iterator
from http import HTTPStatus

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from drf_spectacular.generators import SchemaGenerator

REF_START = "#/components/schemas/"
CODE_SPAN = re.compile(r"`([^`]+)`")
# drf-spectacular appends its choices to a description, a line per value
# ("* `won` - won"); the page shows them as a table in the enum's shape.
CHOICE_LINE = re.compile(r"^\* `([^`]*)` - (.*)$", re.M)


def api_docs(request: HttpRequest) -> HttpResponse:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    context = {
        "info": schema["info"],
        "operations": [
            describe_operation(path, method, operation)
            for path, methods in schema["paths"].items()
            for method, operation in methods.items()
        ],
        "shapes": [describe_shape(n, s) for n, s in named_shapes(schema).items()],
    }
    return render(request, "routing/api_docs.html", context)


def with_code(text: str) -> SafeString:
    """Return the text escaped for HTML, its `backtick` spans as <code>."""
    # split() puts the text inside backticks at the odd positions.
    pieces = enumerate(CODE_SPAN.split(text))
    return mark_safe(  # every piece is escaped on the way in
        "".join(
            format_html("<code>{}</code>", piece) if i % 2 else escape(piece)
            for i, piece in pieces
        )
    )


def own_words(description: str) -> SafeString:
    """Return a description without drf-spectacular's list of choices."""
    return with_code(CHOICE_LINE.sub("", description).strip())


def describe_operation(path: str, method: str, operation: dict) -> dict:
    """Return what the page shows of one operation: its inputs and answers."""
    return {
        "id": operation.get("operationId") or slugify(f"{method} {path}"),
        "method": method.upper(),
        "path": path,
        "summary": with_code(operation.get("summary", "")),
        "description": with_code(operation.get("description", "")),
        "parameters": [
            {
                "name": parameter["name"],
                "where": parameter["in"],
                "required": parameter.get("required", False),
                "type": type_label(parameter.get("schema", {})),
                "description": with_code(parameter.get("description", "")),
            }
            for parameter in operation.get("parameters", [])
        ],
        "body": describe_body(operation.get("requestBody")),
        "responses": [
            describe_response(status, answer)
            for status, answer in operation.get("responses", {}).items()
        ],
    }


def describe_body(body: dict | None) -> dict | None:
    """Return a request body's type and its examples as indented JSON."""
    if not body:
        return None
    content = body.get("content", {}).get("application/json", {})
    return {
        "type": type_label(content.get("schema", {})),
        "required": body.get("required", False),
        "examples": [
            (example.get("summary", name), json.dumps(example["value"], indent=2))
            for name, example in content.get("examples", {}).items()
            if "value" in example
        ],
    }


def describe_response(status: str, answer: dict) -> dict:
    """Return a response's status, meaning, body type and headers."""
    content = answer.get("content", {}).get("application/json")
    meaning = answer.get("description") or _status_phrase(status)
    return {
        "status": status,
        "meaning": with_code(meaning),
        "type": type_label(content["schema"]) if content else "",
        "headers": [
            (name, with_code(header.get("description", "")))
            for name, header in answer.get("headers", {}).items()
        ],
    }


def _status_phrase(status: str) -> str:
    try:
        return HTTPStatus(int(status)).phrase
    except ValueError:  # "default", "2XX", or a status HTTPStatus lacks
        return ""


def named_shapes(schema: dict) -> dict[str, dict]:
    """Return the schema's components and its titled inline schemas by name.

    A titled inline schema (a raw dict in routing/api_schema.py) is described
    once, however many operations use it.
    """
    shapes = dict(schema.get("components", {}).get("schemas", {}))
    for title, shape in _titled(schema["paths"]):
        shapes.setdefault(title, shape)
    return dict(sorted(shapes.items(), key=lambda item: item[0].lower()))


def _titled(node: object) -> Iterator[tuple[str, dict]]:
    if isinstance(node, dict):
        # A property may be named "title"; only a text title names a schema.
        if isinstance(node.get("title"), str):
            yield node["title"], node
        node = list(node.values())
    if isinstance(node, list):
        for child in node:
            yield from _titled(child)


def describe_shape(name: str, shape: dict) -> dict:
    """Return a shape's fields, or its values if it is an enum."""
    required = set(shape.get("required", []))
    fields = [
        {
            "name": format_html("<code>{}</code>", field),
            "type": type_label(schema),
            "required": field in required,
            "description": own_words(schema.get("description", "")),
        }
        for field, schema in shape.get("properties", {}).items()
    ]
    extra = shape.get("additionalProperties")
    if extra and shape.get("properties"):
        # additionalProperties may be `true` rather than a schema: any value.
        any_value = extra if isinstance(extra, dict) else {}
        fields.append(
            {
                "name": "any other field",
                "required": False,
                "description": own_words(any_value.get("description", "")),
                "type": type_label(any_value),
            }
        )
    # A meaning that only repeats its value ("* `text` - text") says nothing.
    meanings = {
        value: meaning
        for value, meaning in CHOICE_LINE.findall(shape.get("description", ""))
        if meaning != value
    }
    return {
        "name": name,
        "anchor": shape_anchor(name),
        "description": own_words(shape.get("description", "")),
        "fields": fields,
        "values": [
            (_value_text(value), with_code(meanings.get(value, "")))
            for value in shape.get("enum", [])
        ],
        "alternatives": either([type_label(s) for s in shape.get("oneOf", [])]),
    }


def _value_text(value: object) -> str:
    # A blank or null value would show as nothing; JSON spells it out.
    return value if isinstance(value, str) and value else json.dumps(value)


def shape_anchor(name: str) -> str:
    return f"shape-{slugify(name)}"


def type_label(schema: dict) -> SafeString:
    """Return a schema's type in words, each named shape linked to its entry."""
    if "$ref" in schema:
        return _shape_link(schema["$ref"].removeprefix(REF_START))
    if isinstance(schema.get("title"), str):
        return _shape_link(schema["title"])
    for key in ("oneOf", "anyOf", "allOf"):
        if key in schema:
            return either([type_label(choice) for choice in schema[key]])
    kinds = schema.get("type", "any")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    return either([_kind_label(kind, schema) for kind in kinds])


def _shape_link(name: str) -> SafeString:
    return format_html('<a href="#{}">{}</a>', shape_anchor(name), name)


def _kind_label(kind: str, schema: dict) -> SafeString:
    if kind == "array":
        items = type_label(schema.get("items", {}))
        return format_html("array of {}{}", items, _size(schema, "Items", "items"))
    if kind == "null":
        return mark_safe("null")
    label = format_html("{}", kind)
    if "format" in schema:
        label = format_html("{} ({})", label, schema["format"])
    if "enum" in schema:
        values = [format_html("<code>{}</code>", json.dumps(v)) for v in schema["enum"]]
        label = format_html("{}: {}", label, either(values))
    return format_html("{}{}", label, _size(schema, "Length", "characters"))


def _size(schema: dict, suffix: str, unit: str) -> str:
    low, high = schema.get(f"min{suffix}"), schema.get(f"max{suffix}")
    if low is not None and high is not None:
        return f", {low:,} to {high:,} {unit}"
    if high is not None:
        return f", at most {high:,} {unit}"
    return f", at least {low:,} {unit}" if low is not None else ""


def either(labels: list[SafeString]) -> SafeString:
    """Return "a, b or c" from labels that are already safe HTML."""
    if len(labels) < 2:
        return labels[0] if labels else mark_safe("")
    first = format_html_join(", ", "{}", ((label,) for label in labels[:-1]))
    return format_html("{} or {}", first, labels[-1])
