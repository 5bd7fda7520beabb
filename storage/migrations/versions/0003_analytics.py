"""Analytics: per-position rollups, media clients without JavaScript, daily salts, pending-beacon index.

Revision ID: 0003_analytics
Revises: 0001_initial
"""

from alembic import op
import sqlalchemy as sa


revision = "0003_analytics"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

VIEW_MODE = sa.Enum("live", "on_demand", name="viewmode", native_enum=False, length=20)


def upgrade() -> None:
    op.create_table(
        "view_positions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("mode", VIEW_MODE, nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.Column("played_seconds", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meeting_id", "mode", "bucket", name="uq_view_positions"),
    )
    op.create_index("ix_view_positions_meeting_id", "view_positions", ["meeting_id"])
    op.create_table(
        "media_clients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("client_key", sa.String(length=32), nullable=False),
        sa.Column("mode", VIEW_MODE, nullable=False),
        sa.Column("segments", sa.Integer(), nullable=False),
        sa.Column("first_seen", sa.DateTime(), nullable=False),
        sa.Column("last_seen", sa.DateTime(), nullable=False),
        sa.Column("player", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meeting_id", "day", "client_key", "mode", name="uq_media_clients"),
    )
    op.create_index("ix_media_clients_meeting_id", "media_clients", ["meeting_id"])
    op.create_table(
        "analytics_salts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("salt", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("day"),
    )
    # Figures read the not-yet-rolled-up tail of a meeting's beacons; this keeps that read small for old meetings.
    op.create_index("ix_beacons_pending", "beacons", ["meeting_id", "received_at"],
                    sqlite_where=sa.text("rolled_up = 0"), postgresql_where=sa.text("rolled_up = false"))


def downgrade() -> None:
    op.drop_index("ix_beacons_pending", table_name="beacons")
    op.drop_table("analytics_salts")
    op.drop_index("ix_media_clients_meeting_id", table_name="media_clients")
    op.drop_table("media_clients")
    op.drop_index("ix_view_positions_meeting_id", table_name="view_positions")
    op.drop_table("view_positions")
