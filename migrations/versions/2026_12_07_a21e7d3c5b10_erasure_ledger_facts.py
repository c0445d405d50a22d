"""erasure ledger facts (suppression hashes, photo hashes); assets held as erased

Revision ID: a21e7d3c5b10
Revises: 3b8e5c1d7a42
Create Date: 2026-12-07 05:45:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a21e7d3c5b10'
down_revision = '3b8e5c1d7a42'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('erasure_ledger_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('facts', sa.JSON(), nullable=True))
    with op.batch_alter_table('asset', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_held_as_erased', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('asset', schema=None) as batch_op:
        batch_op.drop_column('is_held_as_erased')
    with op.batch_alter_table('erasure_ledger_entry', schema=None) as batch_op:
        batch_op.drop_column('facts')
