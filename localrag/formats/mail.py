"""E-mail: a message (.eml) or a mailbox (.mbox, one "page" per message), with the subject as
a heading, sender and date kept, and the plain-text body preferred over HTML."""

from __future__ import annotations

import email
import email.policy
import mailbox
import os
import tempfile
from email.message import EmailMessage

from ..parsers import Block, ParseError, clean, paragraphs, parse_html


def _body(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError, AssertionError):
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    if part.get_content_subtype() == "html":
        return "\n\n".join(b.text for b in parse_html(content))
    return content


def _read_message(fh: object) -> EmailMessage:
    """mbox's factory: messages with the modern policy, so get_content() decodes them."""
    return email.message_from_binary_file(fh, policy=email.policy.default)  # type: ignore[call-overload]


def _message_blocks(msg: EmailMessage, page: int | None) -> list[Block]:
    subject = clean(str(msg.get("subject", "") or "(no subject)")).strip()
    meta = "; ".join(f"{k}: {clean(str(msg.get(k)))}" for k in ("From", "To", "Date") if msg.get(k))
    blocks = [Block(subject, None, None, page=page, heading=1)]
    if meta:
        blocks.append(Block(meta, None, None, page=page))
    blocks.extend(paragraphs(clean(_body(msg)).split("\n"), 1, page=page))
    return blocks


def parse_eml(data: bytes) -> list[Block]:
    msg = email.message_from_bytes(data, policy=email.policy.default)
    if not msg.keys():
        raise ParseError("not an e-mail message (no headers)")
    return _message_blocks(msg, None)  # type: ignore[arg-type]


def parse_mbox(data: bytes) -> list[Block]:
    fd, tmp = tempfile.mkstemp(suffix=".mbox")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        box = mailbox.mbox(tmp, factory=_read_message, create=False)  # type: ignore[arg-type]
        blocks: list[Block] = []
        for n, msg in enumerate(box, start=1):
            blocks.extend(_message_blocks(msg, n))  # type: ignore[arg-type]  # the factory made it
        box.close()
    finally:
        os.unlink(tmp)
    if not blocks:
        raise ParseError("empty mailbox")
    return blocks
