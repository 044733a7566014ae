"""the figure tables whole, as each refresh leaves them, for the pages' first views; each load's newest
carrier scan (the newest landed load's backfilled from the tracking events)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 20:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'figure_frames',
        sa.Column('name', sa.String(), primary_key=True),
        sa.Column('run_id', sa.String(), nullable=False),
        sa.Column('rows', sa.Integer(), nullable=False),
        sa.Column('body', sa.LargeBinary(), nullable=False),
    )
    with op.batch_alter_table('load_runs') as batch:
        batch.add_column(sa.Column('newest_scan', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE load_runs SET newest_scan = (SELECT max(received_at) FROM tracking_events) "
               "WHERE load_id = (SELECT load_id FROM load_runs WHERE status = 'landed' "
               "ORDER BY started_at DESC LIMIT 1)")


def downgrade() -> None:
    with op.batch_alter_table('load_runs') as batch:
        batch.drop_column('newest_scan')
    op.drop_table('figure_frames')
