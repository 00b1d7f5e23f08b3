"""Views for downstream readers (views_version 1).

The SQL is portable (SQLite and PostgreSQL) and lives here, not in a file a later change
could edit: a new views version is a new migration that drops and recreates them.

Revision ID: 0002
Revises: 0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# One row per (site, day with at least one run). day_at: the instant the day is read at
# (its last run); complete_run_id: the day's last complete run, NULL on a partial day.
V_CRAWL_DAYS = """
CREATE VIEW v_crawl_days AS
SELECT g.site, g.day, g.day_at, g.n_runs,
       (SELECT r2.run_id FROM crawl_runs r2
         WHERE r2.site_id = g.site AND r2.observed_day = g.day AND r2.status = 'complete'
         ORDER BY r2.observed_at DESC, r2.run_id DESC LIMIT 1) AS complete_run_id,
       (SELECT r3.run_id FROM crawl_runs r3
         WHERE r3.site_id = g.site AND r3.observed_day = g.day
         ORDER BY CASE WHEN r3.status = 'complete' THEN 0 ELSE 1 END,
                  r3.observed_at DESC, r3.run_id DESC LIMIT 1) AS run_id,
       CASE WHEN g.n_complete > 0 THEN FALSE ELSE TRUE END AS partial_day
FROM (SELECT r.site_id AS site, r.observed_day AS day, MAX(r.observed_at) AS day_at,
             COUNT(*) AS n_runs,
             SUM(CASE WHEN r.status = 'complete' THEN 1 ELSE 0 END) AS n_complete
      FROM crawl_runs r GROUP BY r.site_id, r.observed_day) g
"""

# The columns shared by the two daily views after the entity's own: whether it was seen
# that day, the day's run, and the archived sighting that proves these exact values.
_EVIDENCE = """
       CASE WHEN fr.observed_day = d.day OR lr.observed_day = d.day
                 OR d.complete_run_id IS NOT NULL THEN TRUE ELSE FALSE END AS seen,
       d.run_id, v.version_id, v.valid_from, v.valid_to,
       CASE WHEN lr.observed_day = d.day THEN v.last_seen_run_id ELSE v.first_run_id END AS evidence_run_id,
       CASE WHEN lr.observed_day = d.day THEN v.last_url ELSE v.first_url END AS url,
       CASE WHEN lr.observed_day = d.day THEN v.last_warc_record_id ELSE v.first_warc_record_id END AS warc_record_id,
       CASE WHEN lr.observed_day = d.day THEN v.last_warc_file ELSE v.first_warc_file END AS warc_file,
       CASE WHEN lr.observed_day = d.day THEN v.last_page_sha256 ELSE v.first_page_sha256 END AS page_sha256
"""

_COVERS = """
JOIN crawl_runs fr ON fr.run_id = v.first_run_id
JOIN crawl_runs lr ON lr.run_id = v.last_seen_run_id
JOIN v_crawl_days d ON d.site = {site} AND v.valid_from <= d.day_at
                   AND (v.valid_to IS NULL OR v.valid_to > d.day_at)
"""

V_LISTING_DAILY = f"""
CREATE VIEW v_listing_daily AS
SELECT d.site, d.day, d.partial_day,
       l.listing_uid, l.listing_id, v.vendor, v.vendor_account_id, v.title, v.category,
       v.currency, v.price_eur, v.quantity, v.unit, v.unit_price_eur,
       v.ships_from, v.ships_to, v.excludes,
       {_EVIDENCE}
FROM listing_versions v
JOIN listings l ON l.listing_uid = v.listing_uid
{_COVERS.format(site="l.site_id")}
"""

V_VENDOR_DAILY = f"""
CREATE VIEW v_vendor_daily AS
SELECT d.site, d.day, d.partial_day,
       a.account_id, a.handle, v.rating, v.sales_count, v.join_date, v.pgp_fingerprint,
       CAST(v.pgp_user_ids AS TEXT) AS pgp_user_ids, CAST(v.contacts AS TEXT) AS contacts,
       v.profile_text, v.ships_from,
       {_EVIDENCE}
FROM vendor_versions v
JOIN vendor_accounts a ON a.account_id = v.account_id
{_COVERS.format(site="a.site_id")}
"""

# The listing's state when the feedback was first seen gives the price of the item reviewed.
V_FEEDBACK = """
CREATE VIEW v_feedback AS
SELECT f.site_id AS site, f.feedback_id, f.listing_uid, f.listing_id, f.vendor,
       f.vendor_account_id, f.posted_on, f.rating, f.text, f.buyer_hash,
       f.first_run_id, r.observed_day AS first_seen_day, f.first_seen_at,
       lv.version_id AS listing_version_id, lv.category, lv.price_eur, lv.quantity, lv.unit,
       lv.unit_price_eur, lv.ships_from,
       f.url, f.warc_record_id, f.warc_file, f.page_sha256
FROM feedback f
JOIN crawl_runs r ON r.run_id = f.first_run_id
LEFT JOIN listing_versions lv ON lv.listing_uid = f.listing_uid
      AND lv.valid_from <= f.first_seen_at
      AND (lv.valid_to IS NULL OR lv.valid_to > f.first_seen_at)
"""

V_SOCIAL_POSTS = """
CREATE VIEW v_social_posts AS
SELECT p.site_id AS site, p.post_id, p.author, p.posted_at, p.text,
       CAST(p.hashtags AS TEXT) AS hashtags, CAST(p.contacts AS TEXT) AS contacts,
       CAST(p.city_keywords AS TEXT) AS city_keywords, p.is_advert, p.advert_score,
       p.first_run_id, r.observed_day AS first_seen_day, p.first_seen_at,
       p.url, p.warc_record_id, p.warc_file, p.page_sha256
FROM social_posts p
JOIN crawl_runs r ON r.run_id = p.first_run_id
"""

V_ACTOR_ACCOUNTS = """
CREATE VIEW v_actor_accounts AS
SELECT aa.actor_id, ac.status AS actor_status, a.account_id, a.site_id AS site, a.handle,
       aa.probability, CAST(aa.evidence AS TEXT) AS evidence, aa.linkage_run_id,
       aa.valid_from AS linked_at
FROM actor_accounts aa
JOIN vendor_accounts a ON a.account_id = aa.account_id
JOIN actors ac ON ac.actor_id = aa.actor_id
WHERE aa.valid_to IS NULL
"""

V_RUNS = """
CREATE VIEW v_runs AS
SELECT r.run_id, r.run_key, r.site_id AS site, r.spider, r.observed_at, r.observed_day AS day,
       r.started_at, r.finished_at, r.status, r.reason,
       r.n_listings, r.n_vendors, r.n_feedback, r.n_posts, r.n_quarantined,
       CAST(r.warc_files AS TEXT) AS warc_files, CAST(r.missing AS TEXT) AS missing,
       CAST(r.stats AS TEXT) AS stats, r.targets_ref
FROM crawl_runs r
"""

# Created in this order, dropped in the reverse one (v_crawl_days is used by the daily views).
VIEWS = [("v_crawl_days", V_CRAWL_DAYS), ("v_listing_daily", V_LISTING_DAILY),
         ("v_vendor_daily", V_VENDOR_DAILY), ("v_feedback", V_FEEDBACK),
         ("v_social_posts", V_SOCIAL_POSTS), ("v_actor_accounts", V_ACTOR_ACCOUNTS),
         ("v_runs", V_RUNS)]

_INFO = sa.table("schema_info", sa.column("key", sa.String), sa.column("value", sa.String))


def upgrade() -> None:
    for _name, sql in VIEWS:
        op.execute(sql)
    op.bulk_insert(_INFO, [{"key": "views_version", "value": "1"}])
    op.execute(_INFO.update().where(_INFO.c.key == "schema_version").values(value="2"))


def downgrade() -> None:
    for name, _sql in reversed(VIEWS):
        op.execute(f"DROP VIEW {name}")
    op.execute(_INFO.delete().where(_INFO.c.key == "views_version"))
    op.execute(_INFO.update().where(_INFO.c.key == "schema_version").values(value="1"))
