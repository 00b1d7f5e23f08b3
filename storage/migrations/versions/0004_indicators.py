"""Indicators: the ``ind_*`` tables with fixed types and keys (docs/schema.md).

Before this revision ``vigie indicators`` let pandas create these tables from its frames:
column types followed the data (an indicator computed empty got ``text`` columns, and
PostgreSQL then refused ``day >= date``), and there were no keys.  The tables hold derived
data only: any existing ``ind_*`` table is dropped and the next ``vigie indicators`` run
(which finds no computed day) recomputes every day.

Revision ID: 0004
Revises: 0003
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TABLES = ("ind_site_daily", "ind_vendors_by_country", "ind_unit_prices", "ind_multi_origin", "ind_relocations",
          "ind_closures", "ind_migrations", "ind_social_adverts", "ind_social_contacts")

_INFO = sa.table("schema_info", sa.column("key", sa.String), sa.column("value", sa.String))


def _drop_untyped() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    for name in TABLES:
        if name in existing:
            op.drop_table(name)


def upgrade() -> None:
    _drop_untyped()
    op.create_table(
        "ind_site_daily",
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("partial", sa.Boolean(), nullable=False),
        sa.Column("active_listings", sa.Integer(), nullable=False),
        sa.Column("active_vendors", sa.Integer(), nullable=False),
        sa.Column("new_listings", sa.Integer(), nullable=False),
        sa.Column("new_vendors", sa.Integer(), nullable=False),
        sa.Column("disappeared_listings", sa.Integer(), nullable=True),
        sa.Column("disappeared_vendors", sa.Integer(), nullable=True),
        sa.Column("sales", sa.Integer(), nullable=True),
        sa.Column("revenue_eur", sa.Float(), nullable=True),
        sa.Column("share_orders_under_small", sa.Float(), nullable=True),
        sa.Column("orders_over_large", sa.Integer(), nullable=True),
        sa.Column("wholesale_revenue_share", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("site", "day", name=op.f("pk_ind_site_daily")),
    )
    op.create_table(
        "ind_vendors_by_country",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("ships_from", sa.String(length=16), nullable=True),
        sa.Column("is_country", sa.Boolean(), nullable=False),
        sa.Column("vendors", sa.Integer(), nullable=False),
        sa.Column("share", sa.Float(), nullable=False),
        sa.Column("partial", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ind_vendors_by_country")),
    )
    op.create_index("ix_ind_vendors_by_country_site_day", "ind_vendors_by_country", ["site", "day"])
    op.create_table(
        "ind_unit_prices",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("category", sa.String(length=50), nullable=True),
        sa.Column("ships_from", sa.String(length=16), nullable=True),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("listings", sa.Integer(), nullable=False),
        sa.Column("q1", sa.Float(), nullable=False),
        sa.Column("median", sa.Float(), nullable=False),
        sa.Column("q3", sa.Float(), nullable=False),
        sa.Column("partial", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ind_unit_prices")),
    )
    op.create_index("ix_ind_unit_prices_site_day", "ind_unit_prices", ["site", "day"])
    op.create_table(
        "ind_multi_origin",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("window_days", sa.Integer(), nullable=False),
        sa.Column("actors", sa.Integer(), nullable=False),
        sa.Column("multi_origin", sa.Integer(), nullable=False),
        sa.Column("be_multi_origin", sa.Integer(), nullable=False),
        sa.Column("nl_be", sa.Integer(), nullable=False),
        sa.Column("nl_be_share", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_ind_multi_origin")),
    )
    op.create_table(
        "ind_relocations",
        sa.Column("actor_id", sa.String(length=40), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("from_countries", sa.Text(), nullable=False),
        sa.Column("to_countries", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("actor_id", "day", name=op.f("pk_ind_relocations")),
    )
    op.create_table(
        "ind_closures",
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=False),
        sa.Column("failed_days", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("site", name=op.f("pk_ind_closures")),
    )
    op.create_table(
        "ind_migrations",
        sa.Column("from_site", sa.String(length=64), nullable=False),
        sa.Column("actor_id", sa.String(length=40), nullable=False),
        sa.Column("to_site", sa.String(length=64), nullable=False),
        sa.Column("handle", sa.String(length=200), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=False),
        sa.Column("first_seen", sa.Date(), nullable=False),
        sa.Column("days_after", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("from_site", "actor_id", "to_site", "handle", name=op.f("pk_ind_migrations")),
    )
    op.create_table(
        "ind_social_adverts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("city", sa.Text(), nullable=False),
        sa.Column("posts", sa.Integer(), nullable=False),
        sa.Column("adverts", sa.Integer(), nullable=False),
        sa.Column("advert_share", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("day", "city", name=op.f("pk_ind_social_adverts")),
    )
    op.create_table(
        "ind_social_contacts",
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("posts", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "value", name=op.f("pk_ind_social_contacts")),
    )
    op.execute(_INFO.update().where(_INFO.c.key == "schema_version").values(value="4"))


def downgrade() -> None:
    for name in reversed(TABLES):
        op.drop_table(name)
    op.execute(_INFO.update().where(_INFO.c.key == "schema_version").values(value="2"))   # 0003 left it at 2
