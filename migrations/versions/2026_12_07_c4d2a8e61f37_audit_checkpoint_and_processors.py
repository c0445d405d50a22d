"""audit checkpoint (retention of the audit log) and processors (Art. 30 register)

Revision ID: c4d2a8e61f37
Revises: a7c3e91f2b40
Create Date: 2026-12-07 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'c4d2a8e61f37'
down_revision = 'a7c3e91f2b40'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'audit_checkpoint',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('first_seq', sa.BigInteger(), nullable=False),
        sa.Column('first_hash', sa.String(length=64), nullable=False),
        sa.Column('pruned', sa.BigInteger(), nullable=False),
        sa.Column('mac', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_checkpoint')),
    )
    op.create_table(
        'processor',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('service', sa.String(length=20), nullable=False),
        sa.Column('location', sa.String(length=100), nullable=False),
        sa.Column('agreement', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['staff_user.id'],
                                name=op.f('fk_processor_created_by_id_staff_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_processor')),
    )


def downgrade():
    op.drop_table('processor')
    op.drop_table('audit_checkpoint')
