"""The views downstream readers rely on: names and column lists are a contract.

The SQL is in the migration that creates them (``migrations/versions/0002_views.py``);
this is the list the export, the docs and the tests read. Adding a column at the end is
a compatible change (``views_version`` bumped); renaming or removing one is not.
"""
from __future__ import annotations

VIEWS_VERSION = "1"

VIEW_COLUMNS: dict[str, tuple[str, ...]] = {
    "v_crawl_days": ("site", "day", "day_at", "n_runs", "complete_run_id", "run_id", "partial_day"),
    "v_listing_daily": ("site", "day", "partial_day", "listing_uid", "listing_id", "vendor",
                        "vendor_account_id", "title", "category", "currency", "price_eur", "quantity",
                        "unit", "unit_price_eur", "ships_from", "ships_to", "excludes", "seen", "run_id",
                        "version_id", "valid_from", "valid_to", "evidence_run_id", "url", "warc_record_id",
                        "warc_file", "page_sha256"),
    "v_vendor_daily": ("site", "day", "partial_day", "account_id", "handle", "rating", "sales_count",
                       "join_date", "pgp_fingerprint", "pgp_user_ids", "contacts", "profile_text",
                       "ships_from", "seen", "run_id", "version_id", "valid_from", "valid_to",
                       "evidence_run_id", "url", "warc_record_id", "warc_file", "page_sha256"),
    "v_feedback": ("site", "feedback_id", "listing_uid", "listing_id", "vendor", "vendor_account_id",
                   "posted_on", "rating", "text", "buyer_hash", "first_run_id", "first_seen_day",
                   "first_seen_at", "listing_version_id", "category", "price_eur", "quantity", "unit",
                   "unit_price_eur", "ships_from", "url", "warc_record_id", "warc_file", "page_sha256"),
    "v_social_posts": ("site", "post_id", "author", "posted_at", "text", "hashtags", "contacts",
                       "city_keywords", "is_advert", "advert_score", "first_run_id", "first_seen_day",
                       "first_seen_at", "url", "warc_record_id", "warc_file", "page_sha256"),
    "v_actor_accounts": ("actor_id", "actor_status", "account_id", "site", "handle", "probability",
                         "evidence", "linkage_run_id", "linked_at"),
    "v_runs": ("run_id", "run_key", "site", "spider", "observed_at", "day", "started_at", "finished_at",
               "status", "reason", "n_listings", "n_vendors", "n_feedback", "n_posts", "n_quarantined",
               "warc_files", "missing", "stats", "targets_ref"),
}

# Columns holding a vendor handle (replaced by a keyed hash by ``export --pseudonymise-vendors``)
# and free-text columns that may repeat it (dropped from a pseudonymised export).
VENDOR_HANDLE_COLUMNS = {"v_listing_daily": ("vendor",), "v_vendor_daily": ("handle",),
                         "v_feedback": ("vendor",), "v_actor_accounts": ("handle",)}
VENDOR_FREE_TEXT_COLUMNS = {"v_vendor_daily": ("pgp_user_ids", "contacts", "profile_text"),
                            "v_actor_accounts": ("evidence",)}
