"""The OpenAPI 3.1 document, assembled from the operations the views declare.

Each view is registered with :func:`operation`, naming its request and response models;
:func:`build_document` turns the pydantic models into JSON Schema 2020-12 components (which
OpenAPI 3.1 uses as is). The document and the docs page therefore cannot drift from the
code: a test validates the document and checks every API route is in it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from helpdesk.core.idempotency import KEY_MAX
from helpdesk.web.api.schemas import ID_MAX, Problem

F = TypeVar("F", bound=Callable[..., Any])
PREFIX = "/api/v1"
REF_TEMPLATE = "#/components/schemas/{model}"

#: Answers every authenticated operation may give, besides its own.
COMMON_ERRORS: dict[int, object] = {
    401: _l("APIキーがないか、正しくありません。"),
    429: _l("リクエストが多すぎます。Retry-After 秒待ってください。"),
}


@dataclass(frozen=True)
class Operation:
    """One API operation as documented."""

    method: str
    rule: str
    operation_id: str
    #: Texts marked with ``lazy_gettext``: the document is written in the reader's language.
    summary: object
    description: object = ""
    body: type[BaseModel] | None = None
    body_media_type: str = "application/json"
    #: False when every field of ``body`` is optional and the body itself may be left out.
    body_required: bool = True
    #: OpenAPI ``encoding`` of a multipart body: property → ``contentType`` and the like.
    body_encoding: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    query: type[BaseModel] | None = None
    #: status → (description, model or None, media type)
    responses: Mapping[int, tuple[object, type[BaseModel] | None]] = field(default_factory=dict)
    accepts_idempotency_key: bool = False
    is_public: bool = False
    download: bool = False

    @property
    def path(self) -> str:
        """The OpenAPI form of the Flask rule: ``<id:handoff_id>`` → ``{handoff_id}``."""
        return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", self.rule)


OPERATIONS: list[Operation] = []


def operation(method: Literal["GET", "POST", "PATCH"], rule: str, summary: object, **details: Any
              ) -> Callable[[F], F]:
    """Document a view; ``summary`` and the texts in ``details`` are lazy Japanese msgids."""

    def register(view: F) -> F:
        OPERATIONS.append(Operation(method=method, rule=rule, operation_id=view.__name__,
                                    summary=summary, **details))
        return view

    return register


def _models() -> list[tuple[type[BaseModel], JsonSchemaMode]]:
    seen: dict[tuple[type[BaseModel], JsonSchemaMode], None] = {(Problem, "serialization"): None}
    for op in OPERATIONS:
        if op.body is not None:
            seen[(op.body, "validation")] = None
        for _description, model in op.responses.values():
            if model is not None:
                seen[(model, "serialization")] = None
    return list(seen)


def _parameters(op: Operation) -> list[dict[str, Any]]:
    found = [
        {"name": name, "in": "path", "required": True,
         "schema": {"type": "integer", "minimum": 1, "maximum": ID_MAX} if f"id:{name}" in op.rule
         else {"type": "string"}}
        for name in re.findall(r"\{([a-z_]+)\}", op.path)
    ]
    if op.query is not None:
        schema = op.query.model_json_schema(ref_template=REF_TEMPLATE)
        required = set(schema.get("required", []))
        for name, prop in schema["properties"].items():
            description = _(prop.pop("description", "")) if "description" in prop else ""
            prop.pop("title", None)
            param: dict[str, Any] = {"name": name, "in": "query", "required": name in required,
                                     "schema": prop}
            if description:
                param["description"] = description
            found.append(param)
    if op.accepts_idempotency_key:
        found.append({
            "name": "Idempotency-Key", "in": "header", "required": False,
            # Printable characters of the header's ISO-8859-1 text (str.isprintable), as checked.
            "schema": {"type": "string", "maxLength": KEY_MAX, "pattern": r"^[ -~\xa1-\xac\xae-\xff]+$"},
            "description": _("同じキーで再送したリクエストは一度だけ実行され、"
                             "最初の応答が返ります（24時間）。"),
        })
    return found


def build_document(*, server_url: str = PREFIX) -> dict[str, Any]:
    """The whole OpenAPI 3.1 document, in the current request's language."""
    refs, top = models_json_schema(_models(), ref_template=REF_TEMPLATE)
    components = _translated(top.get("$defs", {}))
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        entry: dict[str, Any] = {
            "operationId": op.operation_id, "summary": str(op.summary), "tags": ["tickets"],
            "parameters": _parameters(op),
            "responses": {},
        }
        if op.description:
            entry["description"] = str(op.description)
        if op.is_public:
            entry["security"] = []
        if op.body is not None:
            body: dict[str, Any] = {"schema": refs[(op.body, "validation")]}
            if op.body_encoding:
                body["encoding"] = {name: dict(value) for name, value in op.body_encoding.items()}
            entry["requestBody"] = {"required": op.body_required, "content": {op.body_media_type: body}}
        answers = dict(op.responses)
        if not op.is_public:
            answers.update({status: (text, Problem) for status, text in COMMON_ERRORS.items()})
        for status, (description, model) in sorted(answers.items()):
            response: dict[str, Any] = {"description": str(description)}
            if model is not None:
                media = "application/problem+json" if model is Problem else "application/json"
                response["content"] = {media: {"schema": refs[(model, "serialization")]}}
            elif op.download and status == 200:
                # The file as it was stored: its own type (application/pdf, image/png ...).
                response["content"] = {"*/*": {"schema": {}}}
            entry["responses"][str(status)] = response
        paths.setdefault(op.path, {})[op.method.lower()] = entry
    return {
        "openapi": "3.1.0",
        "info": {
            "title": _("ヘルプデスク API"), "version": "1",
            "description": _("チケットの起票・参照・返信・添付・更新。"
                             "APIキー（flask apikey create で発行）を"
                             " Authorization: Bearer ヘッダーで送ります。"
                             "エラーは application/problem+json で返り、"
                             "見る権限のないチケットは 404 になります。"),
        },
        "servers": [{"url": server_url}],
        "security": [{"apiKey": []}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer",
                                           "description": _("flask apikey create で発行したキー")}},
        },
    }


def _translated(node: Any) -> Any:
    """Field descriptions are Japanese msgids (``N_``): give them in the reader's language."""
    if isinstance(node, dict):
        return {key: _(value) if key == "description" and isinstance(value, str) else _translated(value)
                for key, value in node.items()}
    if isinstance(node, list):
        return [_translated(item) for item in node]
    return node


def describe(schema: Mapping[str, Any]) -> str:
    """A short human reading of a JSON Schema: ``string``, ``TicketType``, ``array of Ref | null``."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " | ".join(describe(part) for part in schema["anyOf"])
    if "enum" in schema:
        return " | ".join(repr(value) for value in schema["enum"])
    if "const" in schema:
        return repr(schema["const"])
    kind = schema.get("type", "any")
    if kind == "array":
        return f"array of {describe(schema.get('items', {}))}"
    if kind == "string" and schema.get("format"):
        return f"string ({schema['format']})"
    if kind == "string" and schema.get("contentMediaType"):
        return f"file ({schema['contentMediaType']})"
    return str(kind)


def component_of(schema: Mapping[str, Any]) -> str | None:
    """The component a ``$ref`` schema points at, or None."""
    ref = schema.get("$ref")
    return str(ref).rsplit("/", 1)[-1] if ref else None
