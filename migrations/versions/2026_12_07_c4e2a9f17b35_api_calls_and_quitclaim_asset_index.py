"""API calls written cheaply and sealed into the audit chain in batches; quitclaims
found by asset (an index for the permission check); XMP export per integration

Revision ID: c4e2a9f17b35
Revises: c4d8e2f1a9b3
Create Date: 2026-12-07 09:45:00

"""
from alembic import op
import sqlalchemy as sa



revision = 'c4e2a9f17b35'
down_revision = 'c4d8e2f1a9b3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'api_call',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('api_key_id', sa.Integer(), nullable=False),
        sa.Column('integration_id', sa.Integer(), nullable=False),
        sa.Column('method', sa.String(length=10), nullable=False),
        sa.Column('endpoint', sa.String(length=200), nullable=False),
        sa.Column('refused', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['api_key_id'], ['api_key.id'],
                                name=op.f('fk_api_call_api_key_id_api_key'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['integration_id'], ['integration.id'],
                                name=op.f('fk_api_call_integration_id_integration'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_call')),
    )
    with op.batch_alter_table('quitclaim_asset', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quitclaim_asset_asset_id'), ['asset_id'],
                              unique=False)
    with op.batch_alter_table('integration', schema=None) as batch_op:
        batch_op.add_column(sa.Column('xmp_export', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('integration', schema=None) as batch_op:
        batch_op.drop_column('xmp_export')
    with op.batch_alter_table('quitclaim_asset', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quitclaim_asset_asset_id'))
    op.drop_table('api_call')
