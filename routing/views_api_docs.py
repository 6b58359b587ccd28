import json

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from drf_spectacular.generators import SchemaGenerator


def api_docs(request: HttpRequest) -> HttpResponse:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    context = {
        "info": schema["info"],
        "operations": operations(schema),
        "components": pretty(schema.get("components", {}).get("schemas", {})),
    }
    return render(request, "routing/api_docs.html", context)


def operations(schema: dict) -> list[dict]:
    """Return each path and method of the schema with its bodies as JSON text."""
    found = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            body = operation.get("requestBody", {}).get("content", {})
            found.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "request": pretty(body.get("application/json", {}).get("schema")),
                    "responses": [
                        (
                            code,
                            answer.get("description", ""),
                            pretty(
                                answer.get("content", {})
                                .get("application/json", {})
                                .get("schema")
                            ),
                        )
                        for code, answer in operation.get("responses", {}).items()
                    ],
                }
            )
    return found


def pretty(value: object) -> str:
    return json.dumps(value, indent=2) if value else ""
