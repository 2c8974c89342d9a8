"""What the JSON API accepts and returns: frozen msgspec Structs, decoded strictly, unknown fields refused.

Litestar converts bodies leniently (``"1"`` becomes ``1``); ``StrictBody``
decodes the raw bytes with ``msgspec`` in strict mode instead, so a client
that sends the wrong type gets a 400 rather than a guess. Errors are RFC 9457
problem details (``errors.handle_exception``); ``problems()`` documents them.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Generic, Literal, TypeVar

import msgspec
from litestar.dto import MsgspecDTO
from litestar.exceptions import ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Reference, Schema

from signalement.officer.actions import VISIBLE_PATTERN
from signalement.officer.cases import CaseDetail, CaseSummary
from signalement.officer.filters import (
    NO_NUL,
    CategoryCode,
    OutcomeCode,
    OverrideCode,
    PartnerCode,
    RegionCode,
    RoleCode,
    TransitionTarget,
    UrgencyCode,
)
from signalement.officer.queue import QueueCounts, QueueRow
from signalement.officer.related import Related

Text = Annotated[str, msgspec.Meta(min_length=1, max_length=5000, pattern=VISIBLE_PATTERN)]
ShortText = Annotated[str, msgspec.Meta(max_length=64, pattern=NO_NUL)]
Secret = Annotated[str, msgspec.Meta(max_length=128)]
Username = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9._-]{2,31}$")]
DisplayName = Annotated[str, msgspec.Meta(max_length=128, pattern=NO_NUL)]  # blank: "use the username"
AccountId = Annotated[int, msgspec.Meta(ge=1, le=2_147_483_647)]


StructT = TypeVar("StructT", bound=msgspec.Struct)


class StrictBody(MsgspecDTO[StructT], Generic[StructT]):
    """Decode a JSON body with msgspec's strict rules straight into the handler's Struct."""

    @classmethod
    def create_openapi_schema(cls, field_definition: Any, handler_id: str, schema_creator: Any) -> Any:  # noqa: ANN401
        """Say in the schema what decoding enforces: no property beyond those listed."""
        result = super().create_openapi_schema(field_definition, handler_id, schema_creator)
        schema = (
            schema_creator.schema_registry.from_reference(result).schema
            if isinstance(result, Reference)
            else result
        )
        schema.additional_properties = False
        # The DTO's transfer model drops length limits on lists; put back what decoding will enforce.
        info = msgspec.inspect.type_info(cls.model_type)
        fields = info.fields if isinstance(info, msgspec.inspect.StructType) else ()
        for field in fields:
            if isinstance(field.type, msgspec.inspect.ListType) and schema.properties:
                prop = schema.properties[field.encode_name]
                if isinstance(prop, Schema):
                    prop.min_items, prop.max_items = field.type.min_length, field.type.max_length
        return result

    def decode_bytes(self, value: bytes) -> Any:  # noqa: ANN401 - the handler's Struct
        try:
            return msgspec.json.decode(value, type=self.model_type, strict=True)
        except msgspec.ValidationError as exc:
            raise ValidationException(detail="invalid request body", extra=[{"message": str(exc)}]) from None
        except msgspec.DecodeError:
            raise ValidationException(detail="request body is not JSON") from None


class Problem(msgspec.Struct, frozen=True, kw_only=True):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str | None = None
    errors: Any = None
    error_id: str | None = None


_DESCRIPTIONS = {
    400: "The request is malformed or a value is not acceptable.",
    401: "Not signed in, or the session expired.",
    403: "Signed in, but this role may not do this (or the CSRF token is missing).",
    404: "No such case or object, or not one the caller may see.",
    409: "The change conflicts with the object's current state.",
    410: "The information was destroyed under the retention policy.",
    429: "Too many requests or attempts; try again later.",
}


# The OpenAPI ``security`` of an operation that needs no sign-in (signing in is how a client gets the cookies).
UNAUTHENTICATED: list[dict[str, list[str]]] = [{}]


def problems(*codes: int) -> dict[int, ResponseSpec]:
    """Response documentation for the errors an operation can return (401, 403 and 429 always can)."""
    wanted = sorted({400, 401, 403, 429, *codes})
    return {
        code: ResponseSpec(
            data_container=Problem,
            media_type="application/problem+json",
            description=_DESCRIPTIONS[code],
            generate_examples=False,
        )
        for code in wanted
    }


# ---- sessions ---------------------------------------------------------------------------------------


class SignIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    username: ShortText
    password: Secret
    code: Annotated[str, msgspec.Meta(max_length=16)]


class Me(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    username: str
    display_name: str
    role: str
    region: str | None
    setup_pending: bool


class SessionInfo(msgspec.Struct, frozen=True, kw_only=True):
    authenticated: bool
    csrf_token: str
    officer: Me | None = None


# ---- cases ------------------------------------------------------------------------------------------


class QueueResponse(msgspec.Struct, frozen=True, kw_only=True):
    cases: tuple[QueueRow, ...]
    next_cursor: str | None
    counts: QueueCounts


class CaseResponse(msgspec.Struct, frozen=True, kw_only=True):
    case: CaseDetail
    related: Related


class StatusChange(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    to: TransitionTarget
    outcome: OutcomeCode | None = None


class AssigneeChange(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    officer_id: int | None  # null releases the case


class NewText(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    text: Text


# The keys of reply_templates.TEMPLATES (a test keeps them equal).
ReplyTemplateKey = Literal["received", "more", "contact", "interpreter", "danger"]


class NewReply(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """``text``; or a ``template``, sent in the reporter's language, with ``text`` (optional) after it."""

    text: Annotated[str, msgspec.Meta(max_length=5000)] = ""
    template: ReplyTemplateKey | None = None


class NewReferral(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    partner: PartnerCode
    referred_on: dt.date
    reference: ShortText = ""


class LegalHold(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    on: bool
    reason: Text  # sealed as a note; the audit entry holds its id only
    confirm: bool  # must be true: placing or lifting a hold is never a stray click


class Waiting(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What the case waits for: ``reporter`` or ``partner`` stop the clock, ``interpreter`` has its own; ``null``
    restarts the clock."""

    waiting_for: Literal["reporter", "interpreter", "partner"] | None


class TriageOverride(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    categories: Annotated[list[CategoryCode], msgspec.Meta(min_length=1, max_length=15)]
    urgency: UrgencyCode
    reason: OverrideCode
    explanation: Annotated[str, msgspec.Meta(max_length=5000)] = ""


class Created(msgspec.Struct, frozen=True, kw_only=True):
    id: str


class CaseUpdated(msgspec.Struct, frozen=True, kw_only=True):
    case: CaseSummary


# ---- staff ------------------------------------------------------------------------------------------


class NewMember(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    username: Username
    display_name: DisplayName
    role: RoleCode
    region: RegionCode | None = None


class MemberChange(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    role: RoleCode
    region: RegionCode | None = None
