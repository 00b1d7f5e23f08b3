"""PGP user IDs for linkage, read with the crawler's own PGP parser."""
from __future__ import annotations


def user_ids_from_armoured(armoured: str) -> list[str]:
    from crawler.normalise import pgp
    try:
        return list(pgp.parse_public_key(armoured).user_ids)
    except Exception:  # noqa: BLE001 - a malformed key gives no user IDs, never an error here
        return []
