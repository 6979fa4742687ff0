"""Request bodies that are not one JSON model: multipart registrations and the verify body.

A registration carries one or more ``file`` parts. With one file its metadata
may come as plain form fields (``title``, ``publisher``...; an empty field is
an absent one, as an HTML form sends it); with several, as the form field
``metadata`` holding a JSON array with one object per file. ``POST /v1/verify``
takes either a multipart ``file`` or JSON ``{"text": ...}``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from fastapi import Request, UploadFile
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.datastructures import UploadFile as StarletteUploadFile

from api.errors import UnsupportedMediaType
from api.schemas import ArticleCreate, VerifyText
from registry.core.metadata import ArticleMetadata
from registry.core.wire import describe_validation_error
from registry.errors import InputError, InvalidMetadata
from registry.rendition import declared_charset
from registry.service import Submission

MAX_NAME_LENGTH: Final = 255
METADATA_FIELDS: Final = (*ArticleMetadata.model_fields, "supersedes")
REGISTRATION_FIELDS: Final = ("file", *METADATA_FIELDS, "metadata", "label")
"""Every field a registration form may carry; anything else is refused."""


async def refuse_unknown_registration_fields(request: Request) -> None:
    """Refuse a registration form carrying a field the API does not know.

    A misspelt field (``titel=...``) would otherwise be dropped and the document
    registered, for good, without the metadata meant for it. The form is the one
    FastAPI has already parsed (Starlette keeps it on the request), not read again.
    """
    form = await request.form()  # not `async with`: that would close the uploads
    unknown = sorted({name for name in form if name not in REGISTRATION_FIELDS})
    if unknown:
        names = ", ".join(f"`{name}`" for name in unknown)
        known = ", ".join(f"`{name}`" for name in REGISTRATION_FIELDS)
        raise InvalidMetadata(f"unknown form field {names}; the known fields are {known}")


def submissions_from_form(
    files: Sequence[UploadFile], fields: Mapping[str, str | None], metadata_json: str | None
) -> list[Submission]:
    """The submissions of a multipart registration (reads the uploaded files)."""
    given = {name: value for name, value in fields.items() if value is not None and value != ""}
    if metadata_json is not None and metadata_json.strip():
        if given:
            raise InputError(
                "give the metadata either as form fields or as the `metadata` JSON, not both"
            )
        entries = _metadata_entries(metadata_json, len(files))
    elif len(files) > 1 and given:
        raise InputError(
            "with several files, give the metadata as a JSON array in the `metadata` form "
            "field, one object per file"
        )
    elif given:
        entries = [_entry(given)]
    else:
        entries = [ArticleCreate() for _ in files]
    return [_submission(upload, entry) for upload, entry in zip(files, entries, strict=True)]


def _metadata_entries(text: str, count: int) -> list[ArticleCreate]:
    try:
        value: Any = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise InvalidMetadata(f"the `metadata` field is not JSON: {exc}") from None
    if isinstance(value, dict) and count == 1:
        value = [value]
    if not isinstance(value, list):
        raise InvalidMetadata("the `metadata` field must be a JSON array of objects")
    if len(value) != count:
        raise InvalidMetadata(
            f"the `metadata` array has {len(value)} entries for {count} file(s): give one per file"
        )
    entries = []
    for index, entry in enumerate(value):
        if not isinstance(entry, dict):
            raise InvalidMetadata(f"metadata[{index}] is not a JSON object")
        try:
            entries.append(_entry(entry))
        except InvalidMetadata as exc:
            raise InvalidMetadata(f"metadata[{index}]: {exc}") from None
    return entries


def _entry(data: Mapping[str, Any]) -> ArticleCreate:
    try:
        return ArticleCreate.model_validate(dict(data))
    except ValidationError as exc:
        raise InvalidMetadata(describe_validation_error(exc)) from None


def _submission(upload: UploadFile, entry: ArticleCreate) -> Submission:
    # the end of a long name holds the file name (a path is reduced to it when stored)
    name = upload.filename[-MAX_NAME_LENGTH:] if upload.filename else None
    metadata = ArticleMetadata.model_validate(entry.model_dump(exclude={"supersedes"}))
    return Submission(
        content=upload.file.read(),
        metadata=metadata,
        name=name,
        media_type=upload.content_type,
        supersedes=entry.supersedes,
        charset=declared_charset(upload.content_type),
    )


@dataclass(frozen=True, slots=True)
class PresentedDocument:
    """The bytes to verify, and the media type sent with them (its ``charset`` declares
    their encoding: ``text/plain; charset=gbk``)."""

    content: bytes
    content_type: str | None = None

    @property
    def charset(self) -> str | None:
        return declared_charset(self.content_type)


async def presented_document(request: Request) -> PresentedDocument:
    """The bytes to verify: a multipart ``file`` (with its part's Content-Type), or JSON
    ``{"text": ...}`` encoded as UTF-8."""
    essence = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if essence == "multipart/form-data":
        async with request.form() as form:
            uploads = form.getlist("file")
            if len(uploads) != 1 or not isinstance(uploads[0], StarletteUploadFile):
                raise InputError("send exactly one document, as the multipart file field `file`")
            return PresentedDocument(await uploads[0].read(), uploads[0].content_type)
    if essence == "application/json":
        try:
            presented = VerifyText.model_validate_json(await request.body())
        except ValidationError as exc:
            raise RequestValidationError(
                [{**error, "loc": ("body", *error["loc"])} for error in exc.errors()]
            ) from None
        return PresentedDocument(presented.text.encode("utf-8"))
    raise UnsupportedMediaType(
        'send the document as multipart/form-data (field `file`) or as JSON {"text": "..."}'
    )
