"""The world says only what the operation documents: a reason the world has (a revoked key, a
missing scope) goes out under the code the operation's contract names for its status.

Most operations' error sets are reconstructed and document the specific codes the docs list
(REVOKED_API_KEY, INSUFFICIENT_SCOPE, …). Where an operation documents only the broader code of
that family (the verbatim producer-token page: 401 NOT_AUTHENTICATED, 403 NOT_AUTHORIZED), the
answer uses the broader code, and the reason stays readable in `detail` (`apiKey:revoked`,
`scope:sessions:operate`), which is what `detail` is for.
"""

from __future__ import annotations

from mockserver.errors import ApiError
from mockserver.spec import Operation

# specific code -> the documented code of the same status that covers it
BROADER: dict[str, str] = {
    "REVOKED_API_KEY": "NOT_AUTHENTICATED",
    "INSUFFICIENT_SCOPE": "NOT_AUTHORIZED",
    "NOT_OPERATOR": "NOT_AUTHORIZED",
    "NOT_YOUR_SESSION": "NOT_AUTHORIZED",
}


def as_documented(error: ApiError, op: Operation) -> ApiError:
    """The error itself when the operation documents its code for its status, else the broader
    code when that one is documented; anything else is left for the contract tests to catch."""
    response = op.response(error.status)
    documented = response.examples if response is not None else {}
    broader = BROADER.get(error.code)
    if error.code in documented or broader is None or broader not in documented:
        return error
    return ApiError(error.status, broader, detail=error.detail, headers=error.headers)
