"""action lifecycle (what an action serves, its closing note and time) and dated peak review items

Actions move open → in progress → done or dropped; each names the KPI or risk it serves and, when
closed, a closing note. A pre-peak review item records the day it was last reviewed.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('gov_actions') as batch:
        batch.add_column(sa.Column('serves', sa.String(), nullable=False, server_default=''))
        batch.add_column(sa.Column('closing_note', sa.Text(), nullable=False, server_default=''))
        batch.add_column(sa.Column('closed_at', sa.Date(), nullable=True))
    with op.batch_alter_table('gov_peak_review') as batch:
        batch.add_column(sa.Column('reviewed_on', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('gov_peak_review') as batch:
        batch.drop_column('reviewed_on')
    with op.batch_alter_table('gov_actions') as batch:
        batch.drop_column('closed_at')
        batch.drop_column('closing_note')
        batch.drop_column('serves')
