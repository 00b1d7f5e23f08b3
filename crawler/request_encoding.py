"""``RequestEncodingMiddleware``: requests followed from UTF-16/UTF-32 pages get UTF-8.

``response.follow`` gives a new request the page's encoding, and Scrapy encodes the
request's header names and values (``Referer``, ``User-Agent``...) with it: from a UTF-16
page they go out as UTF-16 bytes, which Twisted refuses (``InvalidHeaderName``) and the
linked page is lost.  Browsers do what the WHATWG URL standard says: a document in UTF-16
encodes its URLs in UTF-8.  This spider middleware (priority 800, before Scrapy's
``RefererMiddleware`` at 700 adds the ``Referer``) re-makes such requests in UTF-8; every
other request passes unchanged.
"""
from __future__ import annotations

import codecs

from scrapy import Request

WIDE = {"utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"}


def _is_wide(encoding: str | None) -> bool:
    if not encoding:
        return False
    try:
        return codecs.lookup(encoding).name in WIDE
    except LookupError:
        return False


def utf8_request(obj):
    """``obj`` again, in UTF-8 when it is a request in a UTF-16/UTF-32 encoding."""
    if isinstance(obj, Request) and _is_wide(obj.encoding):
        return obj.replace(encoding="utf-8")
    return obj


class RequestEncodingMiddleware:
    def process_spider_output(self, response, result, spider=None):
        for obj in result:
            yield utf8_request(obj)

    async def process_spider_output_async(self, response, result, spider=None):
        async for obj in result:
            yield utf8_request(obj)
