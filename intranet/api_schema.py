"""What the API's OpenAPI schema says about errors, ids and times, so that it matches what the API answers.

- One `Error` body (`{"detail": "…"}`, in French) for every refusal, and `ValidationErrorOut` (the same with
  the invalid fields) for ninja's own 422.
- `document_errors()` adds to every operation the answers every operation can give: 401 (no or bad
  credentials), 400 (a value `intranet.params` refuses) and 422 (a value of the wrong type) when it takes
  parameters or a body, 404 when it names an object in its path (forbidden and missing alike), 403 on
  unsafe methods (CSRF refused under a browser session), 413 when it takes a body.
- `ObjectId`, `PageNumber`: bounded integers, so a 30-digit id is refused before it reaches the database.
- `WallClock`: a time of day without offset (rooms open « 08:00:00 », Paris time); OpenAPI's `format: time`
  demands an offset, which would make every such answer a schema violation.
- `StrictIn`: request bodies refuse unknown fields and anything but a JSON object (`[null, null]`).
"""

import datetime as dt
from typing import Annotated

from ninja import Schema
from pydantic import ConfigDict, Field, WithJsonSchema, model_validator

from intranet.params import MAX_ID, MAX_PAGE

ObjectId = Annotated[int, Field(ge=1, le=MAX_ID)]
PageNumber = Annotated[int, Field(ge=1, le=MAX_PAGE)]
WallClock = Annotated[
    dt.time,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?$",
            "description": "Heure locale (Europe/Paris), sans décalage : HH:MM:SS.",
        }
    ),
]


class Error(Schema):
    detail: str = Field(..., description="Ce qui ne va pas, en français, à montrer tel quel.")


class FieldError(Schema):
    loc: list[str | int] = Field(..., description="« path », « query », « body » ou « form », puis le champ.")
    msg: str
    type: str


class ValidationErrorOut(Error):
    errors: list[FieldError]


class StrictIn(Schema):
    """A request body: a JSON object with only the declared fields."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _json_object_only(cls, data):
        # Ninja hands the parsed body wrapped in a DjangoGetter; a list or a scalar is not a body we accept.
        if not isinstance(getattr(data, "_obj", data), dict):
            raise ValueError("un objet JSON est attendu")
        return data


_UNSAFE = {"post", "put", "patch", "delete"}
_COMMON = {
    "400": "Paramètre refusé (identifiant, page ou date hors limites, combinaison impossible).",
    "401": "Authentification requise : session du navigateur ou jeton d'accès personnel.",
    "403": "Requête refusée : jeton CSRF manquant ou invalide (session du navigateur).",
    "404": "Introuvable, ou pas accessible à cet agent (les deux répondent de la même façon).",
    "413": "Corps de requête trop volumineux.",
    "422": "Paramètre ou corps mal formé (type, format, champ inconnu ou manquant).",
}


# Ninja describes answers with the English reason phrase; the documentation is French like the product.
_REASONS = {
    "OK": "Réussi.",
    "Created": "Créé.",
    "No Content": "Fait (pas de contenu).",
    "Partial Content": "Une partie du fichier (en-tête Range).",
    "Bad Request": _COMMON["400"],
    "Unauthorized": _COMMON["401"],
    "Forbidden": _COMMON["403"],
    "Not Found": _COMMON["404"],
    "Conflict": "Conflit avec l'état actuel (créneau pris, version dépassée…).",
    "Precondition Failed": "L'en-tête If-Match ne désigne pas la version actuelle.",
    "Content Too Large": _COMMON["413"],
    "Request Entity Too Large": _COMMON["413"],
    "Range Not Satisfiable": "La plage demandée (en-tête Range) est hors du fichier.",
    "Unprocessable Content": _COMMON["422"],
    "Unprocessable Entity": _COMMON["422"],
}


def _ref(name: str) -> dict:
    return {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}}


def document_errors(schema: dict) -> dict:
    """Declare on every operation of an OpenAPI document the error answers the API gives (see above)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for model in (Error, ValidationErrorOut):
        definition = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, sub in definition.pop("$defs", {}).items():
            components.setdefault(name, sub)
        components[model.__name__] = definition
    for definition in components.values():
        # Pydantic titles each field after its name in English (« Closes At »): the name says it already.
        for prop in definition.get("properties", {}).values():
            prop.pop("title", None)
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            params = operation.get("parameters", [])
            for param in params:
                param.get("schema", {}).pop("title", None)
            takes_input = bool(params) or "requestBody" in operation
            wanted = []
            if operation.get("security"):
                wanted.append("401")
            if takes_input:
                wanted += ["400", "422"]
            if any(p.get("in") == "path" for p in params):
                wanted.append("404")
            if method in _UNSAFE:
                wanted.append("403")
            if "requestBody" in operation:
                wanted.append("413")
            # Ninja keys responses by int; JSON turns them into strings anyway.
            responses = {str(code): value for code, value in operation.get("responses", {}).items()}
            operation["responses"] = responses
            for code in wanted:
                responses.setdefault(code, {"description": _COMMON[code]})
            for code, response in responses.items():
                description = response.get("description") or ""
                response["description"] = _REASONS.get(description, description) or _COMMON.get(code, "")
                if code.startswith(("4", "5")):
                    content = response.get("content", {}).get("application/json", {}).get("schema")
                    # `dict` bodies and missing ones become the shared Error (richer bodies keep their own).
                    if content is None or content.get("type") == "object" and "properties" not in content:
                        response.update(_ref("ValidationErrorOut" if code == "422" else "Error"))
    return schema
