"""audit sequence number: a gap-free position in the chain, inside each event's MAC

Revision ID: a7c3e91b5d20
Revises: b7c3e1a94d20
Create Date: 2026-12-07 05:45:00

Existing events keep no number (their MAC does not cover one); the first event written
after this migration is numbered by its position in the chain.
"""
from alembic import op
import sqlalchemy as sa


revision = 'a7c3e91b5d20'
down_revision = 'b7c3e1a94d20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_event') as batch:
        batch.add_column(sa.Column('seq', sa.BigInteger(), nullable=True))
        batch.create_unique_constraint(batch.f('uq_audit_event_seq'), ['seq'])


def downgrade():
    with op.batch_alter_table('audit_event') as batch:
        batch.drop_constraint(batch.f('uq_audit_event_seq'), type_='unique')
        batch.drop_column('seq')
