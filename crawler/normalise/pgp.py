"""OpenPGP public keys as vendors paste them: armour, CRC-24, packets, v4 fingerprints.

``parse_public_key(armoured)`` reads an ASCII-armoured public key block (RFC 4880 §6: armour
headers, base64 body, optional "=XXXX" CRC-24 checksum, which is verified when present),
walks its packets (old and new formats, §4.2) and returns the primary key's v4
fingerprint (SHA-1 over 0x99, the two-octet length and the key packet body, §12.2), its
creation time, its algorithm and the User IDs.  Whitespace that HTML flattened (the whole
block on one line) is tolerated.  Anything else — no armour, bad base64, wrong checksum,
truncated packets, no key packet, a key version other than 4 — raises ``PgpError`` with
the reason.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timezone

BEGIN = "-----BEGIN PGP PUBLIC KEY BLOCK-----"
END = "-----END PGP PUBLIC KEY BLOCK-----"
TAG_PUBLIC_KEY, TAG_USER_ID = 6, 13
ALGORITHMS = {1: "RSA", 2: "RSA", 3: "RSA", 16: "ElGamal", 17: "DSA", 18: "ECDH", 19: "ECDSA", 22: "EdDSA",
              25: "X25519", 27: "Ed25519", 28: "Ed448"}
MAX_ARMOUR = 200_000
_HEADER = re.compile(r"^[A-Za-z][A-Za-z0-9-]*: ")


class PgpError(ValueError):
    """The text is not a readable OpenPGP public key; the message says why."""


@dataclass(frozen=True, slots=True)
class PublicKey:
    fingerprint: str                  # 40 upper-case hex (v4)
    user_ids: tuple[str, ...]
    created: datetime
    algorithm: str


def _crc24(data: bytes) -> int:
    """RFC 4880 §6.1."""
    crc = 0xB704CE
    for byte in data:
        crc ^= byte << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    return crc & 0xFFFFFF


def dearmour(text: str) -> bytes:
    """The binary packets of an armoured public key block; the CRC-24 is checked when present."""
    if not isinstance(text, str) or len(text) > MAX_ARMOUR:
        raise PgpError("not an armoured key (not text, or too long)")
    start, end = text.find(BEGIN), text.find(END)
    if start < 0:
        raise PgpError("no '-----BEGIN PGP PUBLIC KEY BLOCK-----' line")
    if end < start:
        raise PgpError("no '-----END PGP PUBLIC KEY BLOCK-----' line (truncated key?)")
    body = text[start + len(BEGIN):end]
    lines = [line.strip() for line in body.replace("\r", "\n").split("\n")]
    lines = [line for line in lines if line and not _HEADER.match(line)]
    tokens = " ".join(lines).split()
    checksum = None
    if tokens and tokens[-1].startswith("=") and len(tokens[-1]) == 5:
        checksum = tokens.pop()
    try:
        data = base64.b64decode("".join(tokens), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise PgpError(f"the key's base64 is damaged ({exc})") from None
    if not data:
        raise PgpError("the armour holds no data")
    if checksum is not None:
        try:
            expected = int.from_bytes(base64.b64decode(checksum[1:], validate=True), "big")
        except (binascii.Error, ValueError):
            raise PgpError(f"unreadable armour checksum {checksum!r}") from None
        if _crc24(data) != expected:
            raise PgpError("armour checksum (CRC-24) does not match: the key was altered or truncated")
    return data


def packets(data: bytes):
    """(tag, body) of each packet (RFC 4880 §4.2, old and new formats)."""
    pos = 0
    while pos < len(data):
        head = data[pos]
        if not head & 0x80:
            raise PgpError(f"byte {pos}: not a packet header")
        if head & 0x40:                      # new format
            tag, pos = head & 0x3F, pos + 1
            length, pos = _new_length(data, pos)
        else:                                # old format
            tag, kind, pos = (head >> 2) & 0x0F, head & 0x03, pos + 1
            if kind == 3:
                length = len(data) - pos
            else:
                size = (1, 2, 4)[kind]
                if pos + size > len(data):
                    raise PgpError("truncated packet header")
                length, pos = int.from_bytes(data[pos:pos + size], "big"), pos + size
        if pos + length > len(data):
            raise PgpError(f"truncated packet (tag {tag}: {length} bytes announced, {len(data) - pos} left)")
        yield tag, data[pos:pos + length]
        pos += length


def _new_length(data: bytes, pos: int) -> tuple[int, int]:
    if pos >= len(data):
        raise PgpError("truncated packet header")
    first = data[pos]
    if first < 192:
        return first, pos + 1
    if first < 224:
        if pos + 1 >= len(data):
            raise PgpError("truncated packet header")
        return ((first - 192) << 8) + data[pos + 1] + 192, pos + 2
    if first == 255:
        if pos + 5 > len(data):
            raise PgpError("truncated packet header")
        return int.from_bytes(data[pos + 1:pos + 5], "big"), pos + 5
    raise PgpError("partial body lengths are not allowed in key packets")


def parse_public_key(armoured: str) -> PublicKey:
    """The primary key of an armoured public key block (see the module docstring)."""
    key_body, user_ids = None, []
    for tag, body in packets(dearmour(armoured)):
        if tag == TAG_PUBLIC_KEY and key_body is None:
            key_body = body
        elif tag == TAG_USER_ID:
            user_ids.append(body.decode("utf-8", "replace"))
    if key_body is None:
        raise PgpError("no public key packet")
    if len(key_body) < 6:
        raise PgpError("public key packet too short")
    if key_body[0] != 4:
        raise PgpError(f"key version {key_body[0]} is not supported (only v4 fingerprints are computed)")
    created = datetime.fromtimestamp(int.from_bytes(key_body[1:5], "big"), timezone.utc)
    fingerprint = hashlib.sha1(b"\x99" + len(key_body).to_bytes(2, "big") + key_body).hexdigest().upper()
    return PublicKey(fingerprint, tuple(user_ids), created, ALGORITHMS.get(key_body[5], f"algorithm {key_body[5]}"))
