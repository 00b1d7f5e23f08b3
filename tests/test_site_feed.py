"""The feed mock social network serves, over real HTTP, exactly the posts of the truth:
timeline, city searches, city list, permalinks and profiles, with opaque cursors."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from urllib.parse import urljoin

import httpx
import pytest
from parsel import Selector

from mock_sites.server import serve_world
from mock_sites.sites.feed import POSTS_PER_PAGE, ago, decode_cursor, fold, profile_url
from mock_sites.world.config import WorldConfig
from mock_sites.world.model import DayView, Post, SiteState

SITE = "feed"
DAY = 8


@pytest.fixture(scope="module")
def feed(world_config, world):
    with serve_world(world_config, day=DAY, sites=(SITE,), world=world) as running:
        with httpx.Client(base_url=running.urls[SITE], timeout=10) as client:
            yield client


def walk(client, url):
    """Every post (as a parsel selector) of a paged list, following "Load more" to the end."""
    while url:
        r = client.get(url)
        assert r.status_code == 200, url
        page = Selector(r.text)
        posts = page.css("article.post")
        assert len(posts) <= POSTS_PER_PAGE
        yield from posts
        nxt = page.css("a.load-more[rel=next]::attr(href)").get()
        assert nxt is None or len(posts) == POSTS_PER_PAGE
        url = urljoin(url, nxt) if nxt else None


def fields(post) -> tuple[str, str, str, str]:
    return (post.attrib["data-post-id"], post.css("span.handle::text").get(),
            post.css("time::attr(datetime)").get(), post.css("p.post-text").xpath("string()").get())


def newest_first(posts):
    return sorted(posts, key=lambda p: (p.posted_at.isoformat(), p.post_id), reverse=True)


def as_shown(post: Post) -> tuple[str, str, str, str]:
    return post.post_id, post.author, post.posted_at.isoformat(), post.text


def test_robots_disallows_messages_only(feed):
    assert feed.get("/robots.txt").text == "User-agent: *\nDisallow: /messages\n"
    assert feed.get("/messages").status_code == 403


def test_timeline_pages_through_every_post_of_the_last_week(feed, world):
    view = world.day_view(DAY)
    assert {p.posted_at.date() for p in view.posts} == {view.date - timedelta(days=k) for k in range(7)}
    shown = [fields(p) for p in walk(feed, "/")]
    assert shown == [as_shown(p) for p in newest_first(view.posts)]


def test_city_searches_list_the_posts_about_each_city(feed, world):
    view = world.day_view(DAY)
    page = Selector(feed.get("/explore/cities").text)
    listed = page.css("a.city-link::attr(href)").getall()
    cities = sorted({p.city for p in view.posts if p.city})
    assert listed == [f"/search?q={c}" for c in cities]
    for city, href in zip(cities, listed):
        shown = [fields(p) for p in walk(feed, href)]
        assert shown == [as_shown(p) for p in newest_first(p for p in view.posts if p.city == city)]
    # keywords fold case, accents and a leading '#'
    liege = [fields(p) for p in walk(feed, "/search?q=%23Li%C3%A8ge")]
    assert liege == [fields(p) for p in walk(feed, "/search?q=liege")] and liege


def test_hashtags_and_mentions_are_links_around_the_same_text(feed, world):
    view = world.day_view(DAY)
    advert = next(p for p in view.posts if p.is_advert and "@" in p.text)
    page = Selector(feed.get(f"/post/{advert.post_id}").text)
    assert fields(page.css("article.post")[0]) == as_shown(advert)
    tags = page.css("p.post-text a.hashtag")
    assert [t.xpath("string()").get() for t in tags] == ["#" + h for h in advert.hashtags]
    assert all(t.attrib["href"].startswith("/search?q=") for t in tags)
    assert page.css("p.post-text a.mention::attr(href)").get().startswith("/u/")


def test_profiles_show_an_authors_recent_posts(feed, world):
    view = world.day_view(DAY)
    author = max({p.author for p in view.posts}, key=lambda a: sum(p.author == a for p in view.posts))
    shown = [fields(p) for p in walk(feed, profile_url(author))]
    assert shown == [as_shown(p) for p in newest_first(p for p in view.posts if p.author == author)]
    assert feed.get("/u/nobody-here").status_code == 404


def test_nothing_labels_adverts(feed, world):
    view = world.day_view(DAY)
    advert = next(p for p in view.posts if p.is_advert)
    chatter = next(p for p in view.posts if not p.is_advert)
    pages = [feed.get(f"/post/{p.post_id}").text for p in (advert, chatter)]
    for html in pages:
        assert "advert" not in html.lower() and "sponsor" not in html.lower()
    classes = [set(Selector(html).css("article.post *::attr(class)").getall()) - {"hashtag", "mention"}
               for html in pages]
    assert classes[0] == classes[1]


def test_bad_cursors_and_unknown_pages(feed):
    assert feed.get("/?cursor=not-a-cursor!").status_code == 400
    assert feed.get("/post/0").status_code == 404
    assert feed.get("/nowhere").status_code == 404
    page = Selector(feed.get("/").text)
    cursor = page.css("a.load-more::attr(href)").re_first(r"cursor=([^&]+)")
    assert decode_cursor(cursor) is not None and "|" not in cursor   # opaque


def test_human_times_and_folding():
    now = datetime(2018, 11, 5, 12, tzinfo=timezone.utc)
    assert [ago(now - timedelta(seconds=s), now) for s in (5, 600, 3 * 3600 + 5, 2 * 86400 + 60)] == \
        ["now", "10m", "3h", "2d"]
    assert fold("#Liège") == fold("LIEGE") == "liege"


class TinyWorld:
    """A world of a few hand-written posts: emoji, right-to-left text and markup in the text."""

    def __init__(self, posts: list[Post]):
        self.config = WorldConfig(days=3)
        self.posts = posts

    def day_view(self, day: int) -> DayView:
        today = self.config.start_date + timedelta(days=day)
        now = datetime(today.year, today.month, today.day, 12, tzinfo=timezone.utc)
        return DayView(self.config.seed, day, today, now, {SITE: SiteState(SITE, "up", "v1", "EUR", None)},
                       [], [], [], [], [], self.posts)


def tiny_post(k: int, text: str, city: str | None, hour: int) -> Post:
    import re
    tags = tuple(t.lower() for t in re.findall(r"#(\w+)", text))
    return Post(SITE, f"P{k}", f"user_{k}", datetime(2018, 11, 1, hour, tzinfo=timezone.utc), text, tags, city,
                (), False)


def test_emoji_rtl_and_markup_survive_exactly():
    posts = [tiny_post(1, "🔥🍀 شحن سريع في #liege 📦 @مرحبا", "liege", 9),
             tiny_post(2, "שלום <script>alert(1)</script> & co #Liège", "liege", 10),
             tiny_post(3, "mail me a@b.example, \u200fعربي\u200f #tag_1", None, 11)]
    with serve_world(WorldConfig(days=3), day=0, sites=(SITE,), world=TinyWorld(posts)) as running:
        with httpx.Client(base_url=running.urls[SITE]) as client:
            html = client.get("/").text
            assert "<script>alert" not in html and 'dir="auto"' in html
            assert [fields(p) for p in walk(client, "/")] == [as_shown(p) for p in newest_first(posts)]
            assert [fields(p)[0] for p in walk(client, "/search?q=li%C3%A8ge")] == ["P2", "P1"]
            page = Selector(client.get("/post/P3").text)
            assert page.css("a.mention") == []                      # no mention inside an e-mail address
            assert date(2018, 11, 1) == datetime.fromisoformat(fields(page.css("article.post")[0])[2]).date()
