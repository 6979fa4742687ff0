"""Article ids and digests as people and clients write them, checked and resolved."""

from __future__ import annotations

import re
from typing import Final

from registry.errors import AmbiguousIdentifier, InputError, InvalidIdentifier, NotFound
from registry.ports import StoredDocument, StorePort

MIN_PREFIX_LENGTH: Final = 8
_HEX = re.compile(r"[0-9a-f]+")


def parse_article_id(text: str) -> str:
    """A full id or a prefix (lowercase hex, at least 8 digits); ``0x`` allowed."""
    if not isinstance(text, str):
        raise InvalidIdentifier("an article id must be a string")
    value = text.strip().lower().removeprefix("0x")
    if not value or _HEX.fullmatch(value) is None:
        raise InvalidIdentifier(f"not a hexadecimal article id: {text[:80]!r}")
    if len(value) > 64:
        raise InvalidIdentifier("an article id has at most 64 hex digits (a SHA-256)")
    if len(value) < MIN_PREFIX_LENGTH:
        raise InvalidIdentifier(f"an id prefix needs at least {MIN_PREFIX_LENGTH} hex digits")
    return value


def parse_digest(text: str) -> bytes:
    """A full SHA-256 digest as 64 hex digits, ``0x`` allowed."""
    value = parse_article_id(text)
    if len(value) != 64:
        raise InvalidIdentifier("a SHA-256 digest has exactly 64 hex digits")
    return bytes.fromhex(value)


def resolve(store: StorePort, article_id: str) -> bytes:
    """The content digest an id or unambiguous prefix names."""
    value = parse_article_id(article_id)
    if len(value) == 64:
        digest = bytes.fromhex(value)
        if store.get_document(digest) is None:
            raise NotFound(f"no article {value}")
        return digest
    found = store.resolve_prefix(value, limit=2)
    if not found:
        raise NotFound(f"no article id starts with {value}")
    if len(found) > 1:
        raise AmbiguousIdentifier(f"several articles start with {value}: give more digits")
    return found[0]


def stored(store: StorePort, article_id: str) -> StoredDocument:
    """The stored document an id or unambiguous prefix names."""
    document = store.get_document(resolve(store, article_id))
    if document is None:  # deleted between the two reads
        raise NotFound(f"no article {article_id}")
    return document


def utf8(text: str, what: str) -> bytes:
    """``text`` in UTF-8; InputError if it has none (a lone surrogate, which JSON lets through)."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(f"{what} is not Unicode text: it holds a lone surrogate") from None
