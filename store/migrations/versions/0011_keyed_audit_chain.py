"""keyed audit chain: each audit row names the scheme of its MAC

Rows written before this revision keep ``scheme = sha256`` (a plain hash chain); new rows carry
``hmac-sha256:<key id>``, a MAC under a key kept outside the database (governance/audit.py).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('gov_audit') as batch:
        batch.add_column(sa.Column('scheme', sa.String(), nullable=False, server_default='sha256'))


def downgrade() -> None:
    with op.batch_alter_table('gov_audit') as batch:
        batch.drop_column('scheme')
