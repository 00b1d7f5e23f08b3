"""The relational model (SQLAlchemy 2.x declarative).

Migrations (``storage/migrations``) are the only way these tables are created; this
module is the reference the migrations are checked against (tests compare the schema
that ``Store.upgrade()`` builds with ``Base.metadata``).

Conventions (see docs/schema.md):
- every timestamp is UTC, stored without a zone;
- ``observed_at`` is the crawl clock (possibly simulated), ``started_at``/``finished_at``
  the wall clock;
- listing and account IDs are deterministic (``storage.ids``): the same site and
  external id give the same ID in every database;
- ``*_versions`` tables hold validity intervals ``[valid_from, valid_to)``: one row per
  distinct state of an entity, not one per crawl.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

RUN_STATUSES = ("running", "complete", "partial", "blocked", "failed")
LINEAGE_KINDS = ("new", "split", "merge", "redirect")
ACTOR_STATUSES = ("active", "merged", "retired")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING)


class SchemaInfo(Base):
    """Key/value facts about the schema: ``schema_version``, ``views_version``."""
    __tablename__ = "schema_info"
    key: Mapped[str] = mapped_column(sa.String(50), primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(200))


class Site(Base):
    __tablename__ = "sites"
    site_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    first_seen_at: Mapped[datetime] = mapped_column(sa.DateTime())


class CrawlRun(Base):
    __tablename__ = "crawl_runs"
    run_id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    run_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    site_id: Mapped[str] = mapped_column(sa.ForeignKey("sites.site_id"))
    spider: Mapped[str] = mapped_column(sa.String(100))
    observed_at: Mapped[datetime] = mapped_column(sa.DateTime())
    observed_day: Mapped[date] = mapped_column(sa.Date())
    targets_ref: Mapped[str | None] = mapped_column(sa.Text)
    started_at: Mapped[datetime] = mapped_column(sa.DateTime())
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime())
    status: Mapped[str] = mapped_column(sa.String(16))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    n_listings: Mapped[int | None] = mapped_column(sa.Integer)
    n_vendors: Mapped[int | None] = mapped_column(sa.Integer)
    n_feedback: Mapped[int | None] = mapped_column(sa.Integer)
    n_posts: Mapped[int | None] = mapped_column(sa.Integer)
    n_quarantined: Mapped[int | None] = mapped_column(sa.Integer)
    stats: Mapped[dict | None] = mapped_column(sa.JSON)
    warc_files: Mapped[list | None] = mapped_column(sa.JSON)     # [{"file": ..., "sha256": ...}]
    missing: Mapped[list | None] = mapped_column(sa.JSON)        # URLs the run could not fetch
    __table_args__ = (
        sa.CheckConstraint(sa.column("status").in_(RUN_STATUSES), name="status"),
        sa.Index("ix_crawl_runs_site_day", "site_id", "observed_day"),
    )


class VendorAccount(Base):
    __tablename__ = "vendor_accounts"
    account_id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    site_id: Mapped[str] = mapped_column(sa.ForeignKey("sites.site_id"))
    handle: Mapped[str] = mapped_column(sa.String(200))
    first_seen_at: Mapped[datetime] = mapped_column(sa.DateTime())
    first_run_id: Mapped[int] = mapped_column(sa.ForeignKey("crawl_runs.run_id"))
    __table_args__ = (sa.UniqueConstraint("site_id", "handle"),)


class Listing(Base):
    __tablename__ = "listings"
    listing_uid: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    site_id: Mapped[str] = mapped_column(sa.ForeignKey("sites.site_id"))
    listing_id: Mapped[str] = mapped_column(sa.String(200))
    first_seen_at: Mapped[datetime] = mapped_column(sa.DateTime())
    first_run_id: Mapped[int] = mapped_column(sa.ForeignKey("crawl_runs.run_id"))
    __table_args__ = (sa.UniqueConstraint("site_id", "listing_id"),)


class _Interval:
    """Validity interval, run pointers and the provenance of the first and last sighting."""
    version_id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    attrs_hash: Mapped[str] = mapped_column(sa.String(64))
    valid_from: Mapped[datetime] = mapped_column(sa.DateTime())
    valid_to: Mapped[datetime | None] = mapped_column(sa.DateTime())
    last_seen_at: Mapped[datetime] = mapped_column(sa.DateTime())
    first_run_id: Mapped[int] = mapped_column(sa.ForeignKey("crawl_runs.run_id"))
    last_seen_run_id: Mapped[int] = mapped_column(sa.ForeignKey("crawl_runs.run_id"), index=True)
    first_url: Mapped[str] = mapped_column(sa.Text)
    first_warc_record_id: Mapped[str | None] = mapped_column(sa.String(100))
    first_warc_file: Mapped[str | None] = mapped_column(sa.Text)
    first_page_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    last_url: Mapped[str] = mapped_column(sa.Text)
    last_warc_record_id: Mapped[str | None] = mapped_column(sa.String(100))
    last_warc_file: Mapped[str | None] = mapped_column(sa.Text)
    last_page_sha256: Mapped[str | None] = mapped_column(sa.String(64))


def _interval_args(table: str, key: str) -> tuple:
    """At most one open version per entity, and one version per (entity, valid_from)."""
    return (
        sa.UniqueConstraint(key, "valid_from"),
        sa.Index(f"uq_{table}_open", key, unique=True,
                 sqlite_where=sa.text("valid_to IS NULL"), postgresql_where=sa.text("valid_to IS NULL")),
    )


class ListingVersion(_Interval, Base):
    __tablename__ = "listing_versions"
    listing_uid: Mapped[str] = mapped_column(sa.ForeignKey("listings.listing_uid"))
    # tracked attributes (a change makes a new version)
    title: Mapped[str] = mapped_column(sa.Text)
    vendor: Mapped[str] = mapped_column(sa.String(200))
    category: Mapped[str] = mapped_column(sa.String(50))
    currency: Mapped[str] = mapped_column(sa.String(10))
    price_eur: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2))
    quantity: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 4))
    unit: Mapped[str | None] = mapped_column(sa.String(16))
    unit_price_eur: Mapped[Decimal | None] = mapped_column(sa.Numeric(18, 6))
    ships_from: Mapped[str | None] = mapped_column(sa.String(16))
    ships_to: Mapped[str] = mapped_column(sa.Text)        # sorted codes, comma-separated
    excludes: Mapped[str] = mapped_column(sa.Text)
    # untracked: as shown at the first sighting / at the last sighting
    vendor_account_id: Mapped[str] = mapped_column(sa.ForeignKey("vendor_accounts.account_id"))
    category_raw: Mapped[str | None] = mapped_column(sa.Text)
    price: Mapped[Decimal] = mapped_column(sa.Numeric(30, 12))
    price_raw: Mapped[str] = mapped_column(sa.Text)
    last_price: Mapped[Decimal] = mapped_column(sa.Numeric(30, 12))
    last_price_raw: Mapped[str] = mapped_column(sa.Text)
    __table_args__ = _interval_args("listing_versions", "listing_uid")


class VendorVersion(_Interval, Base):
    __tablename__ = "vendor_versions"
    account_id: Mapped[str] = mapped_column(sa.ForeignKey("vendor_accounts.account_id"))
    # tracked attributes
    rating: Mapped[Decimal | None] = mapped_column(sa.Numeric(6, 3))
    sales_count: Mapped[int | None] = mapped_column(sa.Integer)
    join_date: Mapped[date | None] = mapped_column(sa.Date)
    pgp_fingerprint: Mapped[str | None] = mapped_column(sa.String(40))
    pgp_user_ids: Mapped[list] = mapped_column(sa.JSON)
    contacts: Mapped[list] = mapped_column(sa.JSON)           # [[kind, value], ...] sorted
    profile_text: Mapped[str | None] = mapped_column(sa.Text)
    ships_from: Mapped[str] = mapped_column(sa.Text)          # sorted codes, comma-separated
    # untracked (first sighting): the armoured key; its fingerprint is tracked
    pgp_key: Mapped[str | None] = mapped_column(sa.Text)
    __table_args__ = _interval_args("vendor_versions", "account_id")


class _Sighting:
    """First sighting of an immutable record (feedback, post)."""
    first_seen_at: Mapped[datetime] = mapped_column(sa.DateTime())
    first_run_id: Mapped[int] = mapped_column(sa.ForeignKey("crawl_runs.run_id"), index=True)
    url: Mapped[str] = mapped_column(sa.Text)
    warc_record_id: Mapped[str | None] = mapped_column(sa.String(100))
    warc_file: Mapped[str | None] = mapped_column(sa.Text)
    page_sha256: Mapped[str | None] = mapped_column(sa.String(64))


class Feedback(_Sighting, Base):
    __tablename__ = "feedback"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(sa.ForeignKey("sites.site_id"))
    feedback_id: Mapped[str] = mapped_column(sa.String(200))
    listing_id: Mapped[str] = mapped_column(sa.String(200))          # the site's listing id
    listing_uid: Mapped[str] = mapped_column(sa.String(40), index=True)   # storage.ids.listing_uid
    vendor: Mapped[str] = mapped_column(sa.String(200))
    vendor_account_id: Mapped[str] = mapped_column(sa.ForeignKey("vendor_accounts.account_id"))
    posted_on: Mapped[date] = mapped_column(sa.Date)
    rating: Mapped[int] = mapped_column(sa.SmallInteger)
    text: Mapped[str] = mapped_column(sa.Text)
    buyer_hash: Mapped[str] = mapped_column(sa.String(64))           # HMAC-SHA256, never the name
    __table_args__ = (sa.UniqueConstraint("site_id", "feedback_id"),)


class SocialPost(_Sighting, Base):
    __tablename__ = "social_posts"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(sa.ForeignKey("sites.site_id"))
    post_id: Mapped[str] = mapped_column(sa.String(200))
    author: Mapped[str] = mapped_column(sa.String(200))
    posted_at: Mapped[datetime] = mapped_column(sa.DateTime())
    text: Mapped[str] = mapped_column(sa.Text)
    hashtags: Mapped[list] = mapped_column(sa.JSON)
    contacts: Mapped[list] = mapped_column(sa.JSON)
    city_keywords: Mapped[list] = mapped_column(sa.JSON)
    is_advert: Mapped[bool] = mapped_column(sa.Boolean)
    advert_score: Mapped[float] = mapped_column(sa.Float)
    __table_args__ = (sa.UniqueConstraint("site_id", "post_id"),)


class Quarantine(Base):
    __tablename__ = "quarantine"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("crawl_runs.run_id"))
    site_id: Mapped[str] = mapped_column(sa.ForeignKey("sites.site_id"))
    kind: Mapped[str] = mapped_column(sa.String(20))
    reason: Mapped[str] = mapped_column(sa.Text)
    url: Mapped[str] = mapped_column(sa.Text)
    fetched_at: Mapped[datetime] = mapped_column(sa.DateTime())
    warc_record_id: Mapped[str | None] = mapped_column(sa.String(100))
    warc_file: Mapped[str | None] = mapped_column(sa.Text)
    page_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    raw: Mapped[dict] = mapped_column(sa.JSON)                       # buyer names removed
    fingerprint: Mapped[str] = mapped_column(sa.String(64))          # SHA-256 of the record
    __table_args__ = (sa.UniqueConstraint("run_id", "fingerprint"),)


class LinkageRun(Base):
    """One execution of the cross-site linkage (the method and parameters used)."""
    __tablename__ = "linkage_runs"
    linkage_run_id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    started_at: Mapped[datetime] = mapped_column(sa.DateTime())
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime())
    method: Mapped[str] = mapped_column(sa.String(100))
    params: Mapped[dict | None] = mapped_column(sa.JSON)
    n_accounts: Mapped[int | None] = mapped_column(sa.Integer)
    n_actors: Mapped[int | None] = mapped_column(sa.Integer)


class Actor(Base):
    """A cross-site identity. ``actor_id`` is minted once and never reused; a merged actor
    keeps its row with ``status='merged'`` and ``merged_into`` pointing at the survivor."""
    __tablename__ = "actors"
    actor_id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime())
    created_by_linkage_run_id: Mapped[int | None] = mapped_column(sa.ForeignKey("linkage_runs.linkage_run_id"))
    status: Mapped[str] = mapped_column(sa.String(16))
    merged_into: Mapped[str | None] = mapped_column(sa.ForeignKey("actors.actor_id"))
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime())
    label: Mapped[str | None] = mapped_column(sa.Text)
    __table_args__ = (sa.CheckConstraint(sa.column("status").in_(ACTOR_STATUSES), name="status"),)


class ActorAccount(Base):
    """Account → actor assignments over time; the current one has ``valid_to IS NULL``."""
    __tablename__ = "actor_accounts"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(sa.ForeignKey("vendor_accounts.account_id"))
    actor_id: Mapped[str] = mapped_column(sa.ForeignKey("actors.actor_id"), index=True)
    probability: Mapped[float] = mapped_column(sa.Float)
    evidence: Mapped[dict | None] = mapped_column(sa.JSON)     # matching features, scores, pairs
    linkage_run_id: Mapped[int] = mapped_column(sa.ForeignKey("linkage_runs.linkage_run_id"))
    valid_from: Mapped[datetime] = mapped_column(sa.DateTime())
    valid_to: Mapped[datetime | None] = mapped_column(sa.DateTime())
    __table_args__ = (
        sa.CheckConstraint("probability >= 0 AND probability <= 1", name="probability"),
        sa.Index("uq_actor_accounts_open", "account_id", unique=True,
                 sqlite_where=sa.text("valid_to IS NULL"), postgresql_where=sa.text("valid_to IS NULL")),
    )


class ActorLineage(Base):
    """How actor IDs evolved: ``new``, ``split`` (from ``related_actor_id``), ``merge`` /
    ``redirect`` (``actor_id`` now points at ``related_actor_id``)."""
    __tablename__ = "actor_lineage"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    linkage_run_id: Mapped[int] = mapped_column(sa.ForeignKey("linkage_runs.linkage_run_id"))
    kind: Mapped[str] = mapped_column(sa.String(16))
    actor_id: Mapped[str] = mapped_column(sa.ForeignKey("actors.actor_id"), index=True)
    related_actor_id: Mapped[str | None] = mapped_column(sa.ForeignKey("actors.actor_id"))
    accounts: Mapped[list] = mapped_column(sa.JSON)          # account_ids involved
    created_at: Mapped[datetime] = mapped_column(sa.DateTime())
    __table_args__ = (sa.CheckConstraint(sa.column("kind").in_(LINEAGE_KINDS), name="kind"),)


# ---------------------------------------------------------------- operations (schedules, monitors)
class SiteLease(Base):
    """One crawl of a site at a time, across processes and machines: the holder's
    ``owner`` and an ``expires_at`` after which another process may take it
    (``schedules.lease``)."""
    __tablename__ = "site_leases"
    site_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    owner: Mapped[str] = mapped_column(sa.String(200))
    acquired_at: Mapped[datetime] = mapped_column(sa.DateTime())
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime())


class RunHealth(Base):
    """The monitors' verdict on a finished run: ``degraded`` when any monitor failed."""
    __tablename__ = "run_health"
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("crawl_runs.run_id"), primary_key=True)
    checked_at: Mapped[datetime] = mapped_column(sa.DateTime())
    degraded: Mapped[bool] = mapped_column(sa.Boolean)
    failed: Mapped[list] = mapped_column(sa.JSON)              # names of the failed monitors
    alerts: Mapped[list] = mapped_column(sa.JSON)              # [[action, "sent"|error text], ...]


class MonitorResult(Base):
    """One monitor's outcome for one run (``crawler.monitoring``)."""
    __tablename__ = "monitor_results"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("crawl_runs.run_id"))
    monitor: Mapped[str] = mapped_column(sa.String(50))
    passed: Mapped[bool] = mapped_column(sa.Boolean)
    value: Mapped[float | None] = mapped_column(sa.Float)
    threshold: Mapped[float | None] = mapped_column(sa.Float)
    message: Mapped[str] = mapped_column(sa.Text)
    __table_args__ = (sa.UniqueConstraint("run_id", "monitor"),)


class SchedulerJob(Base):
    """APScheduler 3.x ``SQLAlchemyJobStore`` table (same columns as APScheduler defines),
    created by the migrations so that the schema stays the migrations' alone."""
    __tablename__ = "apscheduler_jobs"
    id: Mapped[str] = mapped_column(sa.Unicode(191), primary_key=True)
    next_run_time: Mapped[float | None] = mapped_column(sa.Float(25), index=True)
    job_state: Mapped[bytes] = mapped_column(sa.LargeBinary)


# ---------------------------------------------------------------- indicators (crawler/indicators/)
# Derived data, rewritten by ``vigie indicators`` (``crawler.indicators.store``): one table
# per indicator of docs/indicators.md. Tables with a nullable part in their natural key
# (ships_from NULL = undeclared) have a surrogate ``id`` and an index on (site, day).
def _ind(name: str, *columns: sa.Column, index: tuple[str, ...] | None = None) -> sa.Table:
    table = sa.Table(name, Base.metadata, *columns)
    if index:
        sa.Index(f"ix_{name}_{'_'.join(index)}", *(table.c[c] for c in index))
    return table


IND_SITE_DAILY = _ind(
    "ind_site_daily",
    sa.Column("site", sa.String(64), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("partial", sa.Boolean, nullable=False),
    sa.Column("active_listings", sa.Integer, nullable=False),
    sa.Column("active_vendors", sa.Integer, nullable=False),
    sa.Column("new_listings", sa.Integer, nullable=False),
    sa.Column("new_vendors", sa.Integer, nullable=False),
    sa.Column("disappeared_listings", sa.Integer),
    sa.Column("disappeared_vendors", sa.Integer),
    sa.Column("sales", sa.Integer),
    sa.Column("revenue_eur", sa.Float),
    sa.Column("share_orders_under_small", sa.Float),
    sa.Column("orders_over_large", sa.Integer),
    sa.Column("wholesale_revenue_share", sa.Float))

IND_VENDORS_BY_COUNTRY = _ind(
    "ind_vendors_by_country",
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("site", sa.String(64), nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("ships_from", sa.String(16)),
    sa.Column("is_country", sa.Boolean, nullable=False),
    sa.Column("vendors", sa.Integer, nullable=False),
    sa.Column("share", sa.Float, nullable=False),
    sa.Column("partial", sa.Boolean, nullable=False),
    index=("site", "day"))

IND_UNIT_PRICES = _ind(
    "ind_unit_prices",
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("site", sa.String(64), nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("category", sa.String(50)),
    sa.Column("ships_from", sa.String(16)),
    sa.Column("unit", sa.String(16), nullable=False),
    sa.Column("listings", sa.Integer, nullable=False),
    sa.Column("q1", sa.Float, nullable=False),
    sa.Column("median", sa.Float, nullable=False),
    sa.Column("q3", sa.Float, nullable=False),
    sa.Column("partial", sa.Boolean, nullable=False),
    index=("site", "day"))

IND_MULTI_ORIGIN = _ind(
    "ind_multi_origin",
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("window_days", sa.Integer, nullable=False),
    sa.Column("actors", sa.Integer, nullable=False),
    sa.Column("multi_origin", sa.Integer, nullable=False),
    sa.Column("be_multi_origin", sa.Integer, nullable=False),
    sa.Column("nl_be", sa.Integer, nullable=False),
    sa.Column("nl_be_share", sa.Float))

IND_RELOCATIONS = _ind(
    "ind_relocations",
    sa.Column("actor_id", sa.String(40), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("from_countries", sa.Text, nullable=False),
    sa.Column("to_countries", sa.Text, nullable=False))

IND_CLOSURES = _ind(
    "ind_closures",
    sa.Column("site", sa.String(64), primary_key=True),
    sa.Column("closed_on", sa.Date, nullable=False),
    sa.Column("failed_days", sa.Integer, nullable=False))

IND_MIGRATIONS = _ind(
    "ind_migrations",
    sa.Column("from_site", sa.String(64), primary_key=True),
    sa.Column("actor_id", sa.String(40), primary_key=True),
    sa.Column("to_site", sa.String(64), primary_key=True),
    sa.Column("handle", sa.String(200), primary_key=True),
    sa.Column("closed_on", sa.Date, nullable=False),
    sa.Column("first_seen", sa.Date, nullable=False),
    sa.Column("days_after", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False))

IND_SOCIAL_ADVERTS = _ind(
    "ind_social_adverts",
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("city", sa.Text, primary_key=True),
    sa.Column("posts", sa.Integer, nullable=False),
    sa.Column("adverts", sa.Integer, nullable=False),
    sa.Column("advert_share", sa.Float, nullable=False))

IND_SOCIAL_CONTACTS = _ind(
    "ind_social_contacts",
    sa.Column("kind", sa.String(32), primary_key=True),
    sa.Column("value", sa.Text, primary_key=True),
    sa.Column("posts", sa.Integer, nullable=False),
    sa.Column("first_day", sa.Date, nullable=False),
    sa.Column("last_day", sa.Date, nullable=False))

# name -> table, in the order ``crawler.indicators.compute_all`` returns them
INDICATOR_TABLES: dict[str, sa.Table] = {t.name: t for t in (
    IND_SITE_DAILY, IND_VENDORS_BY_COUNTRY, IND_UNIT_PRICES, IND_MULTI_ORIGIN, IND_RELOCATIONS, IND_CLOSURES,
    IND_MIGRATIONS, IND_SOCIAL_ADVERTS, IND_SOCIAL_CONTACTS)}
