"""webhooks: endpoints per integration, deliveries and their attempts; delayed outbox jobs
(a webhook's next try); take-down tasks an image bank closes for its copies

Revision ID: c4d8e2f1a9b3
Revises: c4a8e2f61b57
Create Date: 2026-12-07 09:45:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c4d8e2f1a9b3'
down_revision = 'c4a8e2f61b57'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('webhook_endpoint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('integration_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('event_types', sa.JSON(), nullable=False),
    sa.Column('secret_sealed', sa.String(length=200), nullable=False),
    sa.Column('previous_secret_sealed', sa.String(length=200), nullable=True),
    sa.Column('previous_secret_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('disabled_reason', sa.String(length=40), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['integration_id'], ['integration.id'], name=op.f('fk_webhook_endpoint_integration_id_integration'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_user.id'], name=op.f('fk_webhook_endpoint_created_by_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_endpoint'))
    )
    with op.batch_alter_table('webhook_endpoint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhook_endpoint_integration_id'), ['integration_id'], unique=False)

    op.create_table('webhook_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('endpoint_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_status_code', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.String(length=40), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['endpoint_id'], ['webhook_endpoint.id'], name=op.f('fk_webhook_delivery_endpoint_id_webhook_endpoint'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['integration_event.id'], name=op.f('fk_webhook_delivery_event_id_integration_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_delivery'))
    )
    with op.batch_alter_table('webhook_delivery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhook_delivery_endpoint_id'), ['endpoint_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_webhook_delivery_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_webhook_delivery_status'), ['status'], unique=False)

    op.create_table('webhook_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=False),
    sa.Column('attempted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('error', sa.String(length=40), nullable=True),
    sa.Column('duration_ms', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['delivery_id'], ['webhook_delivery.id'], name=op.f('fk_webhook_attempt_delivery_id_webhook_delivery'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_attempt'))
    )
    with op.batch_alter_table('webhook_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhook_attempt_delivery_id'), ['delivery_id'], unique=False)

    with op.batch_alter_table('outbox_job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('not_before', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('takedown_task', schema=None) as batch_op:
        batch_op.alter_column('disclosure_id', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('integration_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('external_ids', sa.JSON(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_takedown_task_integration_id_integration'), 'integration', ['integration_id'], ['id'], ondelete='SET NULL')
        batch_op.create_index(batch_op.f('ix_takedown_task_integration_id'), ['integration_id'], unique=False)


def downgrade():
    with op.batch_alter_table('takedown_task', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_takedown_task_integration_id'))
        batch_op.drop_constraint(batch_op.f('fk_takedown_task_integration_id_integration'), type_='foreignkey')
        batch_op.drop_column('external_ids')
        batch_op.drop_column('integration_id')
    op.execute('DELETE FROM takedown_task WHERE disclosure_id IS NULL')
    with op.batch_alter_table('takedown_task', schema=None) as batch_op:
        batch_op.alter_column('disclosure_id', existing_type=sa.Integer(), nullable=False)

    with op.batch_alter_table('outbox_job', schema=None) as batch_op:
        batch_op.drop_column('not_before')

    op.drop_table('webhook_attempt')
    op.drop_table('webhook_delivery')
    op.drop_table('webhook_endpoint')
