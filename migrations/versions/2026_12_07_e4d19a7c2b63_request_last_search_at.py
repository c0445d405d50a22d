"""request last_search_at: the reference selfie is deleted at the latest 30 days after
the last search

Revision ID: e4d19a7c2b63
Revises: a7c3e9d1f025
Create Date: 2026-12-07 06:35:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'e4d19a7c2b63'
down_revision = 'a7c3e9d1f025'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('subject_request', schema=None) as batch_op:
        # Existing requests have none: their selfies count from the receipt day.
        batch_op.add_column(sa.Column('last_search_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('subject_request', schema=None) as batch_op:
        batch_op.drop_column('last_search_at')
