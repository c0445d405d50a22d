"""face index change log: what each version of the template counter changed

Revision ID: 5d1f0c2a9e47
Revises: 16eae47b7df9
Create Date: 2026-11-26 19:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '5d1f0c2a9e47'
down_revision = '16eae47b7df9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'face_index_change',
        sa.Column('version', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('added', sa.JSON(), nullable=False),
        sa.Column('removed', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('version', name=op.f('pk_face_index_change')),
    )


def downgrade():
    op.drop_table('face_index_change')
