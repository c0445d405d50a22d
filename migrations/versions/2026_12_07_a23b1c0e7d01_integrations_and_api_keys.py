"""integrations: the image banks calling /api/v1, their hashed scoped API keys, their ids
for assets and people, and the consent events they read (or receive as webhooks)

Revision ID: a23b1c0e7d01
Revises: e4d19a7c2b63
Create Date: 2026-12-07 05:24:02

"""
from alembic import op
import sqlalchemy as sa


revision = 'a23b1c0e7d01'
down_revision = 'e4d19a7c2b63'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('integration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('allowed_hosts', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_user.id'], name=op.f('fk_integration_created_by_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_integration')),
    sa.UniqueConstraint('name', name=op.f('uq_integration_name'))
    )
    op.create_table('api_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('integration_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('prefix', sa.String(length=20), nullable=False),
    sa.Column('secret_sha256', sa.String(length=64), nullable=False),
    sa.Column('scopes', sa.JSON(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('retires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('replaced_by_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['integration_id'], ['integration.id'], name=op.f('fk_api_key_integration_id_integration'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['staff_user.id'], name=op.f('fk_api_key_owner_id_staff_user')),
    sa.ForeignKeyConstraint(['replaced_by_id'], ['api_key.id'], name=op.f('fk_api_key_replaced_by_id_api_key')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_key')),
    sa.UniqueConstraint('prefix', name=op.f('uq_api_key_prefix'))
    )
    with op.batch_alter_table('api_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_key_integration_id'), ['integration_id'], unique=False)

    op.create_table('external_asset',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('integration_id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=200), nullable=False),
    sa.Column('asset_id', sa.Integer(), nullable=False),
    sa.Column('photographer', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['asset_id'], ['asset.id'], name=op.f('fk_external_asset_asset_id_asset'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['integration_id'], ['integration.id'], name=op.f('fk_external_asset_integration_id_integration'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_external_asset')),
    sa.UniqueConstraint('integration_id', 'external_id', name=op.f('uq_external_asset_integration_id'))
    )
    with op.batch_alter_table('external_asset', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_external_asset_asset_id'), ['asset_id'], unique=False)

    op.create_table('external_subject',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('integration_id', sa.Integer(), nullable=False),
    sa.Column('external_ref', sa.String(length=200), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['integration_id'], ['integration.id'], name=op.f('fk_external_subject_integration_id_integration'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_external_subject_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_external_subject')),
    sa.UniqueConstraint('integration_id', 'external_ref', name=op.f('uq_external_subject_integration_id'))
    )
    with op.batch_alter_table('external_subject', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_external_subject_person_id'), ['person_id'], unique=False)

    op.create_table('integration_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('integration_id', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['integration_id'], ['integration.id'], name=op.f('fk_integration_event_integration_id_integration'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_integration_event'))
    )
    with op.batch_alter_table('integration_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_integration_event_integration_id'), ['integration_id'], unique=False)



def downgrade():
    with op.batch_alter_table('integration_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_integration_event_integration_id'))

    op.drop_table('integration_event')
    with op.batch_alter_table('external_subject', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_external_subject_person_id'))

    op.drop_table('external_subject')
    with op.batch_alter_table('external_asset', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_external_asset_asset_id'))

    op.drop_table('external_asset')
    with op.batch_alter_table('api_key', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_key_integration_id'))

    op.drop_table('api_key')
    op.drop_table('integration')
