"""E-mail: a message (.eml) or a mailbox (.mbox, one "page" per message), with the subject as
a heading, sender and date kept, and the plain-text body preferred over HTML."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from email.message import EmailMessage

from localrag.indexing.parse.base import Block, ParseError, clean, paragraphs
from localrag.indexing.parse.text import parse_html


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


def mbox_messages(data: bytes) -> Iterator[bytes]:
    """The messages of an mbox, split as ``mailbox.mbox`` splits them (a line starting "From "
    opens a message). The stdlib reads mailboxes only from a path, and a user's mail is not
    copied to a temporary file to be read."""
    start = None
    pos = 0
    for line in data.splitlines(keepends=True):
        if line.startswith(b"From "):
            if start is not None:
                yield data[start:pos]
            start = pos + len(line)  # the "From " line itself is the envelope, not the message
        pos += len(line)
    if start is not None:
        yield data[start:pos]


def parse_mbox(data: bytes) -> list[Block]:
    blocks: list[Block] = []
    for n, raw in enumerate(mbox_messages(data), start=1):
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        blocks.extend(_message_blocks(msg, n))  # type: ignore[arg-type]  # the default policy makes EmailMessage
    if not blocks:
        raise ParseError("empty mailbox")
    return blocks
