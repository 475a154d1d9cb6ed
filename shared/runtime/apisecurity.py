"""The bearer scheme in the OpenAPI documents of intake and reporting: which operations need a
staff token (``Authorization: Bearer <token>``), which take one optionally, which are public.

Declared on the generated document (FastAPI's own security dependencies are not used: the
services check tokens themselves), so a client generator or a linter sees what the code does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from fastapi import FastAPI

Need = Literal["required", "optional"] | None
SCHEME = "staffToken"
BEARER = {
    "type": "http",
    "scheme": "bearer",
    "description": "a staff member's token (KLACHTEN_STAFF_TOKEN or KLACHTEN_STAFF_TOKENS; "
    "klachten up keeps a generated one in credentials/staff-token in the data folder)",
}


def declare(document: dict[str, Any], need: Callable[[str, dict[str, Any]], Need]) -> None:
    """Add the scheme and each operation's ``security`` (``[]`` for public ones)."""
    document.setdefault("components", {}).setdefault("securitySchemes", {})[SCHEME] = BEARER
    for path, operations in document.get("paths", {}).items():
        for operation in operations.values():
            needed = need(path, operation)
            token = [{SCHEME: []}]
            operation["security"] = {"required": token, "optional": [{}, *token]}.get(
                needed or "", []
            )


def install(api: FastAPI, need: Callable[[str, dict[str, Any]], Need]) -> None:
    generate = api.openapi

    def openapi() -> dict[str, Any]:
        document = generate()  # cached by FastAPI; declaring again writes the same
        declare(document, need)
        return document

    api.openapi = openapi  # type: ignore[method-assign]
