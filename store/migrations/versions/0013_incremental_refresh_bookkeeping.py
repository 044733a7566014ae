"""incremental refresh: what each landed load touched (its families and earliest timestamp), and from which
time a refresh recomputed the figures

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table('load_runs') as batch:
        batch.add_column(sa.Column('scope', sa.String(), nullable=True))
        batch.add_column(sa.Column('touched_from', TS, nullable=True))
    with op.batch_alter_table('metric_runs') as batch:
        batch.add_column(sa.Column('recomputed_from', TS, nullable=True))
    op.create_table(
        'load_touches',
        sa.Column('load_id', sa.String(), primary_key=True),
        sa.Column('kind', sa.String(), primary_key=True),
        sa.Column('key', sa.String(), primary_key=True),
    )


def downgrade() -> None:
    op.drop_table('load_touches')
    with op.batch_alter_table('metric_runs') as batch:
        batch.drop_column('recomputed_from')
    with op.batch_alter_table('load_runs') as batch:
        batch.drop_column('touched_from')
        batch.drop_column('scope')
