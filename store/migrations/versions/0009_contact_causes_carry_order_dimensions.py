"""contact causes carry their order's node, carrier and sales channel

The drill-downs (avoidable contacts behind a node or carrier, the cause mix under a filter) read them
instead of joining every order to its shipments on each page view. Rows written before this revision
have them empty until the next ``wismo refresh``.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 07:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('contact_causes') as batch:
        batch.add_column(sa.Column('node', sa.String(), nullable=True))
        batch.add_column(sa.Column('carrier', sa.String(), nullable=True))
        batch.add_column(sa.Column('channel', sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('contact_causes') as batch:
        batch.drop_column('channel')
        batch.drop_column('carrier')
        batch.drop_column('node')
