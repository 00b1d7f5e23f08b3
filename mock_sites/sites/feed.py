"""feed: a public social network (Starlette + Jinja2) where dealers advertise among city chatter.

Pages: ``/robots.txt`` (disallows /messages); ``/`` the timeline; ``/search?q=KEYWORD``
the posts about a city keyword or carrying a hashtag; ``/explore/cities`` the city
keywords that have posts, each linking to its search; ``/post/{id}`` a permalink;
``/u/{author}`` an author's recent posts; ``/messages`` private (403).

The feed shows the posts of the last 7 days (``DayView.posts``), newest first by
(posted_at, post_id).  Timeline, search and profile pages hold 25 posts each and end
with a "Load more" link (``rel=next``) carrying an opaque ``cursor``: the last post's
key, base64-encoded (keyset paging, so pages do not shift when posts are added).

Search matches a post when the keyword, case- and accent-folded and without a leading
"#", equals the post's city keyword or one of its hashtags.  In the world every post
about a city carries that city's hashtag and no other city's, so a city search lists
exactly the posts whose ``Post.city`` is that keyword.

Each post shows its id (``data-post-id``), its author, its time as ISO 8601 in
``<time datetime>`` plus a human "5m"/"3h"/"2d", and its text, with hashtags linking to
their search and @mentions to a profile.  The text's characters are exactly
``Post.text`` (links only wrap them).  Nothing says whether a post is an advert: that
label is truth only.
"""
from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import jinja2
from markupsafe import Markup, escape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from mock_sites.sites.common import SiteContext
from mock_sites.world.model import Post

POSTS_PER_PAGE = 25
TEMPLATES = Path(__file__).resolve().parent / "templates" / "feed"
ROBOTS = "User-agent: *\nDisallow: /messages\n"
# hashtags as the world reads them (mock_sites.world.feed); mentions not inside a word or an e-mail
TOKENS = re.compile(r"#(?P<tag>\w+)|(?<![\w@.])@(?P<mention>\w+)")


def fold(keyword: str) -> str:
    """Search key: lower case, accents removed, no leading '#' ("#Liège" → "liege")."""
    decomposed = unicodedata.normalize("NFKD", keyword.strip().lstrip("#"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def search_url(keyword: str) -> str:
    return "/search?q=" + quote(keyword, safe="")


def profile_url(author: str) -> str:
    return "/u/" + quote(author, safe="")


def linkify(text: str) -> Markup:
    """The post text, escaped, with hashtags and mentions as links (same characters)."""
    out, pos = [], 0
    for m in TOKENS.finditer(text):
        out.append(escape(text[pos:m.start()]))
        if m["tag"]:
            out.append(Markup('<a class="hashtag" href="{}">{}</a>').format(search_url(m["tag"]), m[0]))
        else:
            out.append(Markup('<a class="mention" href="{}">{}</a>').format(profile_url(m["mention"]), m[0]))
        pos = m.end()
    out.append(escape(text[pos:]))
    return Markup("").join(out)


def ago(posted_at: datetime, now: datetime) -> str:
    """Human age of a post: "now", "12m", "3h", "2d"."""
    seconds = max(0, int((now - posted_at).total_seconds()))
    if seconds < 60:
        return "now"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


def sort_key(post: Post) -> tuple[str, str]:
    return post.posted_at.isoformat(), post.post_id


def encode_cursor(post: Post) -> str:
    return base64.urlsafe_b64encode("|".join(sort_key(post)).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, str] | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    posted, sep, post_id = raw.partition("|")
    return (posted, post_id) if sep and post_id else None


@dataclass
class FeedIndex:
    posts: list[Post]                  # newest first
    by_id: dict[str, Post]
    by_keyword: dict[str, list[Post]]  # folded city keyword or hashtag → posts, newest first
    by_author: dict[str, list[Post]]
    cities: list[tuple[str, int]]      # (city keyword, post count), by keyword

    @classmethod
    def build(cls, posts: list[Post]) -> "FeedIndex":
        posts = sorted(posts, key=sort_key, reverse=True)
        by_keyword: dict[str, list[Post]] = {}
        by_author: dict[str, list[Post]] = {}
        cities: dict[str, int] = {}
        for p in posts:
            keys = {fold(h) for h in p.hashtags}
            if p.city:
                keys.add(fold(p.city))
                cities[p.city] = cities.get(p.city, 0) + 1
            for k in keys:
                by_keyword.setdefault(k, []).append(p)
            by_author.setdefault(p.author, []).append(p)
        return cls(posts, {p.post_id: p for p in posts}, by_keyword, by_author, sorted(cities.items()))


def page_after(posts: list[Post], cursor: str | None) -> tuple[list[Post], str | None] | None:
    """The page of ``posts`` (newest first) after ``cursor`` and the next cursor; None for a bad cursor."""
    if cursor:
        key = decode_cursor(cursor)
        if key is None:
            return None
        posts = [p for p in posts if sort_key(p) < key]
    page = posts[:POSTS_PER_PAGE]
    more = len(posts) > POSTS_PER_PAGE
    return page, encode_cursor(page[-1]) if more else None


def create_app(ctx: SiteContext) -> Starlette:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(linkify=linkify, search_url=search_url, profile_url=profile_url, ago=ago)
    cache: dict = {}

    def index() -> FeedIndex:
        view = ctx.view()
        if cache.get("day") != view.day:
            cache.update(day=view.day, index=FeedIndex.build(view.posts))
        return cache["index"]

    def render(name: str, status: int = 200, **context) -> HTMLResponse:
        return HTMLResponse(env.get_template(name).render(now=ctx.view().now, **context), status_code=status)

    def listing(request: Request, posts: list[Post], heading: str, **context) -> HTMLResponse:
        paged = page_after(posts, request.query_params.get("cursor"))
        if paged is None:
            return render("error.html", status=400, message="This link has expired or is invalid.")
        page, cursor = paged
        next_url = None
        if cursor:
            params = dict(request.query_params, cursor=cursor)
            next_url = request.url.path + "?" + "&".join(f"{k}={quote(v, safe='')}" for k, v in params.items())
        return render("posts.html", posts=page, next_url=next_url, heading=heading, **context)

    async def robots(request: Request) -> Response:
        return PlainTextResponse(ROBOTS)

    async def timeline(request: Request) -> Response:
        return listing(request, index().posts, "Latest posts")

    async def search(request: Request) -> Response:
        q = request.query_params.get("q", "").strip()
        posts = index().by_keyword.get(fold(q), []) if q else []
        return listing(request, posts, f"Results for {q}" if q else "Search", query=q)

    async def cities(request: Request) -> Response:
        return render("cities.html", cities=index().cities)

    async def post(request: Request) -> Response:
        found = index().by_id.get(request.path_params["post_id"])
        if found is None:
            return render("error.html", status=404, message="This post is not available.")
        return render("post.html", post=found)

    async def profile(request: Request) -> Response:
        author = request.path_params["author"]
        posts = index().by_author.get(author)
        if not posts:
            return render("error.html", status=404, message="No recent posts by this account.")
        return listing(request, posts, f"@{author}", author=author)

    async def messages(request: Request) -> Response:
        return render("error.html", status=403, message="Log in to read your messages.")

    async def unknown(request: Request) -> Response:
        return render("error.html", status=404, message="This page does not exist.")

    return Starlette(routes=[
        Route("/robots.txt", robots),
        Route("/", timeline),
        Route("/search", search),
        Route("/explore/cities", cities),
        Route("/post/{post_id}", post),
        Route("/u/{author}", profile),
        Route("/messages{rest:path}", messages),
        Route("/{rest:path}", unknown),
    ])
