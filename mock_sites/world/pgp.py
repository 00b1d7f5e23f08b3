"""Real OpenPGP v4 public keys (Ed25519) with RFC 4880 fingerprints and armour.

The key material is 32 bytes from the world's RNG: it has the exact shape of an
Ed25519 key (algorithm 22, curve OID 1.3.6.1.4.1.11591.15.1, MPI of 0x40 || point), but
nobody holds a private key for it.  A User ID packet follows the key packet.
"""
from __future__ import annotations

import base64
import hashlib
import random
from dataclasses import dataclass

ED25519_OID = bytes.fromhex("2B06010401DA470F01")   # 1.3.6.1.4.1.11591.15.1
ALGO_EDDSA = 22


@dataclass(frozen=True, slots=True)
class PgpKey:
    fingerprint: str      # 40 upper-case hex
    armoured: str


def _packet(tag: int, body: bytes) -> bytes:
    """New-format packet header (RFC 4880 §4.2.2)."""
    n = len(body)
    if n < 192:
        length = bytes([n])
    elif n < 8384:
        n -= 192
        length = bytes([(n >> 8) + 192, n & 0xFF])
    else:
        length = b"\xff" + n.to_bytes(4, "big")
    return bytes([0xC0 | tag]) + length + body


def key_packet_body(created: int, point: bytes) -> bytes:
    mpi = b"\x40" + point                       # 0x40 prefix: native point encoding
    bits = len(mpi) * 8 - (8 - mpi[0].bit_length())
    return (b"\x04" + created.to_bytes(4, "big") + bytes([ALGO_EDDSA, len(ED25519_OID)]) + ED25519_OID
            + bits.to_bytes(2, "big") + mpi)


def fingerprint(body: bytes) -> str:
    """RFC 4880 §12.2: SHA-1 over 0x99, two-octet length, public key packet body."""
    return hashlib.sha1(b"\x99" + len(body).to_bytes(2, "big") + body).hexdigest().upper()


def _crc24_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte << 16
        for _ in range(8):
            crc = (crc << 1) ^ (0x1864CFB if crc & 0x800000 else 0)
        table.append(crc & 0xFFFFFF)
    return tuple(table)


_CRC24 = _crc24_table()


def crc24(data: bytes) -> int:
    """RFC 4880 §6.1 CRC-24 (table-driven)."""
    crc = 0xB704CE
    for byte in data:
        crc = ((crc << 8) & 0xFFFFFF) ^ _CRC24[((crc >> 16) ^ byte) & 0xFF]
    return crc


def armour(data: bytes) -> str:
    b64 = base64.b64encode(data).decode("ascii")
    lines = [b64[i:i + 64] for i in range(0, len(b64), 64)]
    check = base64.b64encode(crc24(data).to_bytes(3, "big")).decode("ascii")
    return "\n".join(["-----BEGIN PGP PUBLIC KEY BLOCK-----", "", *lines, "=" + check,
                      "-----END PGP PUBLIC KEY BLOCK-----"]) + "\n"


def make_key(rng: random.Random, created: int, user_id: str) -> PgpKey:
    body = key_packet_body(created, rng.randbytes(32))
    data = _packet(6, body) + _packet(13, user_id.encode("utf-8"))
    return PgpKey(fingerprint(body), armour(data))
