"""feed conflicts and status-message checks: the shipments whose carrier feed and order system disagree,
and the status messages the source of truth did not support when they were sent (written by each refresh)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'feed_conflicts',
        sa.Column('shipment_id', sa.String(), primary_key=True),
        sa.Column('order_id', sa.String(), nullable=False),
        sa.Column('node_id', sa.String(), nullable=False),
        sa.Column('carrier_id', sa.String(), nullable=False),
        sa.Column('handed_over_at', TS, nullable=False),
        sa.Column('delivered_at', TS, nullable=True),
        sa.Column('delivered_scan_at', TS, nullable=True),
        sa.Column('kinds', sa.String(), nullable=False),
        sa.Column('run_id', sa.String(), nullable=False),
    )
    op.create_index('ix_feed_conflicts_order_id', 'feed_conflicts', ['order_id'])
    op.create_index('ix_feed_conflicts_carrier_id', 'feed_conflicts', ['carrier_id'])
    op.create_table(
        'message_checks',
        sa.Column('notification_id', sa.String(), primary_key=True),
        sa.Column('order_id', sa.String(), nullable=False),
        sa.Column('shipment_id', sa.String(), nullable=True),
        sa.Column('notification_type', sa.String(), nullable=False),
        sa.Column('sent_at', TS, nullable=False),
        sa.Column('node_id', sa.String(), nullable=False),
        sa.Column('carrier_id', sa.String(), nullable=False),
        sa.Column('decider', sa.String(), nullable=True),
        sa.Column('recorded_at', TS, nullable=True),
        sa.Column('run_id', sa.String(), nullable=False),
    )
    op.create_index('ix_message_checks_order_id', 'message_checks', ['order_id'])
    op.create_index('ix_message_checks_carrier_id', 'message_checks', ['carrier_id'])


def downgrade() -> None:
    op.drop_table('message_checks')
    op.drop_table('feed_conflicts')
