"""The OpenAPI side of the clients' API: the token security scheme, and the error answers every
operation can give (added by a post-processing hook, so each view need not repeat them)."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension

ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
FIELD_ERRORS = {
    "type": "object",
    "description": "Field name -> the reasons it was refused (or `detail` for the body as a whole).",
    "additionalProperties": True,
}
RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}}


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "clients.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": _(
                "A client token: `Authorization: Bearer <token>` (or `Token <token>`). Create one in the admin "
                "or with `manage.py create_token NAME --scope read|write|editor`."
            ),
        }


def _error(description: str, schema_name: str = "Error", headers: dict | None = None) -> dict:
    answer = {"description": description, "content": {"application/json": {"schema": {"$ref": schema_name}}}}
    if headers:
        answer["headers"] = headers
    return answer


def add_error_responses(result: dict, generator, request, public) -> dict:
    """Every operation documents 401, 403 and 429; those with parameters or a body 400; those on
    one object 404 (unless the view described them itself). While anonymous reading is on, reading
    operations also say that no credentials are needed."""
    anonymous_read = settings.FACTCHECK_API_ANONYMOUS_READ
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR)
    schemas.setdefault("FieldErrors", FIELD_ERRORS)
    error = "#/components/schemas/Error"
    errors: dict[str, dict] = {
        "401": _error(_("No token, or an unknown or revoked one."), error),
        "403": _error(_("The token's scope does not allow this."), error),
        "429": _error(_("Too many requests; retry after `Retry-After` seconds."), error, RETRY_AFTER),
    }
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            reads = method == "get" or operation.get("operationId") == "checkworthiness_create"
            if anonymous_read and reads and {} not in operation.setdefault("security", []):
                operation["security"].append({})
            responses = operation["responses"]
            for code, answer in errors.items():
                responses.setdefault(code, answer)
            if operation.get("parameters") or operation.get("requestBody"):
                invalid = _error(_("Invalid parameters or body."), "#/components/schemas/FieldErrors")
                responses.setdefault("400", invalid)
            if "{" in path:
                responses.setdefault("404", _error(_("Not found."), error))
    return result
