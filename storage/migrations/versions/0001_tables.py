"""Tables: sites, crawl runs, accounts and listings with their versions, feedback,
social posts, quarantine, actors and linkage.

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 20:51:18.552762
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('linkage_runs',
    sa.Column('linkage_run_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('method', sa.String(length=100), nullable=False),
    sa.Column('params', sa.JSON(), nullable=True),
    sa.Column('n_accounts', sa.Integer(), nullable=True),
    sa.Column('n_actors', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('linkage_run_id', name=op.f('pk_linkage_runs'))
    )
    op.create_table('schema_info',
    sa.Column('key', sa.String(length=50), nullable=False),
    sa.Column('value', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_schema_info'))
    )
    op.create_table('sites',
    sa.Column('site_id', sa.String(length=64), nullable=False),
    sa.Column('first_seen_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('site_id', name=op.f('pk_sites'))
    )
    op.create_table('actors',
    sa.Column('actor_id', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_linkage_run_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('merged_into', sa.String(length=40), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('label', sa.Text(), nullable=True),
    sa.CheckConstraint("status IN ('active', 'merged', 'retired')", name=op.f('ck_actors_status')),
    sa.ForeignKeyConstraint(['created_by_linkage_run_id'], ['linkage_runs.linkage_run_id'], name=op.f('fk_actors_created_by_linkage_run_id_linkage_runs')),
    sa.ForeignKeyConstraint(['merged_into'], ['actors.actor_id'], name=op.f('fk_actors_merged_into_actors')),
    sa.PrimaryKeyConstraint('actor_id', name=op.f('pk_actors'))
    )
    op.create_table('crawl_runs',
    sa.Column('run_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('run_key', sa.String(length=64), nullable=False),
    sa.Column('site_id', sa.String(length=64), nullable=False),
    sa.Column('spider', sa.String(length=100), nullable=False),
    sa.Column('observed_at', sa.DateTime(), nullable=False),
    sa.Column('observed_day', sa.Date(), nullable=False),
    sa.Column('targets_ref', sa.Text(), nullable=True),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('n_listings', sa.Integer(), nullable=True),
    sa.Column('n_vendors', sa.Integer(), nullable=True),
    sa.Column('n_feedback', sa.Integer(), nullable=True),
    sa.Column('n_posts', sa.Integer(), nullable=True),
    sa.Column('n_quarantined', sa.Integer(), nullable=True),
    sa.Column('stats', sa.JSON(), nullable=True),
    sa.Column('warc_files', sa.JSON(), nullable=True),
    sa.Column('missing', sa.JSON(), nullable=True),
    sa.CheckConstraint("status IN ('running', 'complete', 'partial', 'blocked', 'failed')", name=op.f('ck_crawl_runs_status')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.site_id'], name=op.f('fk_crawl_runs_site_id_sites')),
    sa.PrimaryKeyConstraint('run_id', name=op.f('pk_crawl_runs')),
    sa.UniqueConstraint('run_key', name=op.f('uq_crawl_runs_run_key'))
    )
    with op.batch_alter_table('crawl_runs', schema=None) as batch_op:
        batch_op.create_index('ix_crawl_runs_site_day', ['site_id', 'observed_day'], unique=False)

    op.create_table('actor_lineage',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('linkage_run_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.String(length=40), nullable=False),
    sa.Column('related_actor_id', sa.String(length=40), nullable=True),
    sa.Column('accounts', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('new', 'split', 'merge', 'redirect')", name=op.f('ck_actor_lineage_kind')),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.actor_id'], name=op.f('fk_actor_lineage_actor_id_actors')),
    sa.ForeignKeyConstraint(['linkage_run_id'], ['linkage_runs.linkage_run_id'], name=op.f('fk_actor_lineage_linkage_run_id_linkage_runs')),
    sa.ForeignKeyConstraint(['related_actor_id'], ['actors.actor_id'], name=op.f('fk_actor_lineage_related_actor_id_actors')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_actor_lineage'))
    )
    with op.batch_alter_table('actor_lineage', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_actor_lineage_actor_id'), ['actor_id'], unique=False)

    op.create_table('listings',
    sa.Column('listing_uid', sa.String(length=40), nullable=False),
    sa.Column('site_id', sa.String(length=64), nullable=False),
    sa.Column('listing_id', sa.String(length=200), nullable=False),
    sa.Column('first_seen_at', sa.DateTime(), nullable=False),
    sa.Column('first_run_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['first_run_id'], ['crawl_runs.run_id'], name=op.f('fk_listings_first_run_id_crawl_runs')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.site_id'], name=op.f('fk_listings_site_id_sites')),
    sa.PrimaryKeyConstraint('listing_uid', name=op.f('pk_listings')),
    sa.UniqueConstraint('site_id', 'listing_id', name=op.f('uq_listings_site_id'))
    )
    op.create_table('quarantine',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('fetched_at', sa.DateTime(), nullable=False),
    sa.Column('warc_record_id', sa.String(length=100), nullable=True),
    sa.Column('warc_file', sa.Text(), nullable=True),
    sa.Column('page_sha256', sa.String(length=64), nullable=True),
    sa.Column('raw', sa.JSON(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['crawl_runs.run_id'], name=op.f('fk_quarantine_run_id_crawl_runs')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.site_id'], name=op.f('fk_quarantine_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quarantine')),
    sa.UniqueConstraint('run_id', 'fingerprint', name=op.f('uq_quarantine_run_id'))
    )
    op.create_table('social_posts',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('site_id', sa.String(length=64), nullable=False),
    sa.Column('post_id', sa.String(length=200), nullable=False),
    sa.Column('author', sa.String(length=200), nullable=False),
    sa.Column('posted_at', sa.DateTime(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('hashtags', sa.JSON(), nullable=False),
    sa.Column('contacts', sa.JSON(), nullable=False),
    sa.Column('city_keywords', sa.JSON(), nullable=False),
    sa.Column('is_advert', sa.Boolean(), nullable=False),
    sa.Column('advert_score', sa.Float(), nullable=False),
    sa.Column('first_seen_at', sa.DateTime(), nullable=False),
    sa.Column('first_run_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('warc_record_id', sa.String(length=100), nullable=True),
    sa.Column('warc_file', sa.Text(), nullable=True),
    sa.Column('page_sha256', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['first_run_id'], ['crawl_runs.run_id'], name=op.f('fk_social_posts_first_run_id_crawl_runs')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.site_id'], name=op.f('fk_social_posts_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_social_posts')),
    sa.UniqueConstraint('site_id', 'post_id', name=op.f('uq_social_posts_site_id'))
    )
    with op.batch_alter_table('social_posts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_social_posts_first_run_id'), ['first_run_id'], unique=False)

    op.create_table('vendor_accounts',
    sa.Column('account_id', sa.String(length=40), nullable=False),
    sa.Column('site_id', sa.String(length=64), nullable=False),
    sa.Column('handle', sa.String(length=200), nullable=False),
    sa.Column('first_seen_at', sa.DateTime(), nullable=False),
    sa.Column('first_run_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['first_run_id'], ['crawl_runs.run_id'], name=op.f('fk_vendor_accounts_first_run_id_crawl_runs')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.site_id'], name=op.f('fk_vendor_accounts_site_id_sites')),
    sa.PrimaryKeyConstraint('account_id', name=op.f('pk_vendor_accounts')),
    sa.UniqueConstraint('site_id', 'handle', name=op.f('uq_vendor_accounts_site_id'))
    )
    op.create_table('actor_accounts',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('account_id', sa.String(length=40), nullable=False),
    sa.Column('actor_id', sa.String(length=40), nullable=False),
    sa.Column('probability', sa.Float(), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=True),
    sa.Column('linkage_run_id', sa.Integer(), nullable=False),
    sa.Column('valid_from', sa.DateTime(), nullable=False),
    sa.Column('valid_to', sa.DateTime(), nullable=True),
    sa.CheckConstraint('probability >= 0 AND probability <= 1', name=op.f('ck_actor_accounts_probability')),
    sa.ForeignKeyConstraint(['account_id'], ['vendor_accounts.account_id'], name=op.f('fk_actor_accounts_account_id_vendor_accounts')),
    sa.ForeignKeyConstraint(['actor_id'], ['actors.actor_id'], name=op.f('fk_actor_accounts_actor_id_actors')),
    sa.ForeignKeyConstraint(['linkage_run_id'], ['linkage_runs.linkage_run_id'], name=op.f('fk_actor_accounts_linkage_run_id_linkage_runs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_actor_accounts'))
    )
    with op.batch_alter_table('actor_accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_actor_accounts_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index('uq_actor_accounts_open', ['account_id'], unique=True, sqlite_where=sa.text('valid_to IS NULL'), postgresql_where=sa.text('valid_to IS NULL'))

    op.create_table('feedback',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('site_id', sa.String(length=64), nullable=False),
    sa.Column('feedback_id', sa.String(length=200), nullable=False),
    sa.Column('listing_id', sa.String(length=200), nullable=False),
    sa.Column('listing_uid', sa.String(length=40), nullable=False),
    sa.Column('vendor', sa.String(length=200), nullable=False),
    sa.Column('vendor_account_id', sa.String(length=40), nullable=False),
    sa.Column('posted_on', sa.Date(), nullable=False),
    sa.Column('rating', sa.SmallInteger(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('buyer_hash', sa.String(length=64), nullable=False),
    sa.Column('first_seen_at', sa.DateTime(), nullable=False),
    sa.Column('first_run_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('warc_record_id', sa.String(length=100), nullable=True),
    sa.Column('warc_file', sa.Text(), nullable=True),
    sa.Column('page_sha256', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['first_run_id'], ['crawl_runs.run_id'], name=op.f('fk_feedback_first_run_id_crawl_runs')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.site_id'], name=op.f('fk_feedback_site_id_sites')),
    sa.ForeignKeyConstraint(['vendor_account_id'], ['vendor_accounts.account_id'], name=op.f('fk_feedback_vendor_account_id_vendor_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback')),
    sa.UniqueConstraint('site_id', 'feedback_id', name=op.f('uq_feedback_site_id'))
    )
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_first_run_id'), ['first_run_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_listing_uid'), ['listing_uid'], unique=False)

    op.create_table('listing_versions',
    sa.Column('listing_uid', sa.String(length=40), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('vendor', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=50), nullable=False),
    sa.Column('currency', sa.String(length=10), nullable=False),
    sa.Column('price_eur', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=14, scale=4), nullable=True),
    sa.Column('unit', sa.String(length=16), nullable=True),
    sa.Column('unit_price_eur', sa.Numeric(precision=18, scale=6), nullable=True),
    sa.Column('ships_from', sa.String(length=16), nullable=True),
    sa.Column('ships_to', sa.Text(), nullable=False),
    sa.Column('excludes', sa.Text(), nullable=False),
    sa.Column('vendor_account_id', sa.String(length=40), nullable=False),
    sa.Column('category_raw', sa.Text(), nullable=True),
    sa.Column('price', sa.Numeric(precision=30, scale=12), nullable=False),
    sa.Column('price_raw', sa.Text(), nullable=False),
    sa.Column('last_price', sa.Numeric(precision=30, scale=12), nullable=False),
    sa.Column('last_price_raw', sa.Text(), nullable=False),
    sa.Column('version_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('attrs_hash', sa.String(length=64), nullable=False),
    sa.Column('valid_from', sa.DateTime(), nullable=False),
    sa.Column('valid_to', sa.DateTime(), nullable=True),
    sa.Column('last_seen_at', sa.DateTime(), nullable=False),
    sa.Column('first_run_id', sa.Integer(), nullable=False),
    sa.Column('last_seen_run_id', sa.Integer(), nullable=False),
    sa.Column('first_url', sa.Text(), nullable=False),
    sa.Column('first_warc_record_id', sa.String(length=100), nullable=True),
    sa.Column('first_warc_file', sa.Text(), nullable=True),
    sa.Column('first_page_sha256', sa.String(length=64), nullable=True),
    sa.Column('last_url', sa.Text(), nullable=False),
    sa.Column('last_warc_record_id', sa.String(length=100), nullable=True),
    sa.Column('last_warc_file', sa.Text(), nullable=True),
    sa.Column('last_page_sha256', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['first_run_id'], ['crawl_runs.run_id'], name=op.f('fk_listing_versions_first_run_id_crawl_runs')),
    sa.ForeignKeyConstraint(['last_seen_run_id'], ['crawl_runs.run_id'], name=op.f('fk_listing_versions_last_seen_run_id_crawl_runs')),
    sa.ForeignKeyConstraint(['listing_uid'], ['listings.listing_uid'], name=op.f('fk_listing_versions_listing_uid_listings')),
    sa.ForeignKeyConstraint(['vendor_account_id'], ['vendor_accounts.account_id'], name=op.f('fk_listing_versions_vendor_account_id_vendor_accounts')),
    sa.PrimaryKeyConstraint('version_id', name=op.f('pk_listing_versions')),
    sa.UniqueConstraint('listing_uid', 'valid_from', name=op.f('uq_listing_versions_listing_uid'))
    )
    with op.batch_alter_table('listing_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_listing_versions_last_seen_run_id'), ['last_seen_run_id'], unique=False)
        batch_op.create_index('uq_listing_versions_open', ['listing_uid'], unique=True, sqlite_where=sa.text('valid_to IS NULL'), postgresql_where=sa.text('valid_to IS NULL'))

    op.create_table('vendor_versions',
    sa.Column('account_id', sa.String(length=40), nullable=False),
    sa.Column('rating', sa.Numeric(precision=6, scale=3), nullable=True),
    sa.Column('sales_count', sa.Integer(), nullable=True),
    sa.Column('join_date', sa.Date(), nullable=True),
    sa.Column('pgp_fingerprint', sa.String(length=40), nullable=True),
    sa.Column('pgp_user_ids', sa.JSON(), nullable=False),
    sa.Column('contacts', sa.JSON(), nullable=False),
    sa.Column('profile_text', sa.Text(), nullable=True),
    sa.Column('ships_from', sa.Text(), nullable=False),
    sa.Column('pgp_key', sa.Text(), nullable=True),
    sa.Column('version_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('attrs_hash', sa.String(length=64), nullable=False),
    sa.Column('valid_from', sa.DateTime(), nullable=False),
    sa.Column('valid_to', sa.DateTime(), nullable=True),
    sa.Column('last_seen_at', sa.DateTime(), nullable=False),
    sa.Column('first_run_id', sa.Integer(), nullable=False),
    sa.Column('last_seen_run_id', sa.Integer(), nullable=False),
    sa.Column('first_url', sa.Text(), nullable=False),
    sa.Column('first_warc_record_id', sa.String(length=100), nullable=True),
    sa.Column('first_warc_file', sa.Text(), nullable=True),
    sa.Column('first_page_sha256', sa.String(length=64), nullable=True),
    sa.Column('last_url', sa.Text(), nullable=False),
    sa.Column('last_warc_record_id', sa.String(length=100), nullable=True),
    sa.Column('last_warc_file', sa.Text(), nullable=True),
    sa.Column('last_page_sha256', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['vendor_accounts.account_id'], name=op.f('fk_vendor_versions_account_id_vendor_accounts')),
    sa.ForeignKeyConstraint(['first_run_id'], ['crawl_runs.run_id'], name=op.f('fk_vendor_versions_first_run_id_crawl_runs')),
    sa.ForeignKeyConstraint(['last_seen_run_id'], ['crawl_runs.run_id'], name=op.f('fk_vendor_versions_last_seen_run_id_crawl_runs')),
    sa.PrimaryKeyConstraint('version_id', name=op.f('pk_vendor_versions')),
    sa.UniqueConstraint('account_id', 'valid_from', name=op.f('uq_vendor_versions_account_id'))
    )
    with op.batch_alter_table('vendor_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vendor_versions_last_seen_run_id'), ['last_seen_run_id'], unique=False)
        batch_op.create_index('uq_vendor_versions_open', ['account_id'], unique=True, sqlite_where=sa.text('valid_to IS NULL'), postgresql_where=sa.text('valid_to IS NULL'))
    op.bulk_insert(sa.table("schema_info", sa.column("key", sa.String), sa.column("value", sa.String)),
                   [{"key": "schema_version", "value": "1"}])


def downgrade() -> None:
    op.drop_table('vendor_versions')
    op.drop_table('listing_versions')
    op.drop_table('feedback')
    op.drop_table('actor_accounts')
    op.drop_table('vendor_accounts')
    op.drop_table('social_posts')
    op.drop_table('quarantine')
    op.drop_table('listings')
    op.drop_table('actor_lineage')
    op.drop_table('crawl_runs')
    op.drop_table('actors')
    op.drop_table('sites')
    op.drop_table('schema_info')
    op.drop_table('linkage_runs')
