"""What a Dutch DPO checks: breach notice fields and the 48-hour alert, collections that
reveal health (Art. 9 ground, 14(5)(b) assessment), Art. 14 notices per person, and the
collections a request scan left out

Revision ID: c28b5e0d4a11
Revises: c4e2a9f17b35
Create Date: 2026-12-07 09:50:00

"""
from alembic import op
import sqlalchemy as sa



revision = 'c28b5e0d4a11'
down_revision = 'c4e2a9f17b35'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'collection_setting',
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('reveals_health', sa.Boolean(), nullable=False),
        sa.Column('health_ground', sa.String(length=30), nullable=True),
        sa.Column('health_ground_note', sa.Text(), nullable=True),
        sa.Column('notice_exemption', sa.Text(), nullable=True),
        sa.Column('notice_exemption_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['updated_by_id'], ['staff_user.id'],
                                name=op.f('fk_collection_setting_updated_by_id_staff_user')),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_collection_setting')),
    )
    with op.batch_alter_table('breach', schema=None) as batch_op:
        # Existing breaches: empty texts; the notice then leaves those parts out.
        batch_op.add_column(sa.Column('likely_consequences', sa.Text(), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('measures_taken', sa.Text(), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('advice', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('late_reasons', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('public_communication', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('public_communication_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('officers_alerted_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('breach', schema=None) as batch_op:
        batch_op.alter_column('likely_consequences', server_default=None)
        batch_op.alter_column('measures_taken', server_default=None)
        batch_op.alter_column('advice', server_default=None)
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tag_notice_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('tag_notice', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('is_dependent', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.alter_column('is_dependent', server_default=None)
    with op.batch_alter_table('subject_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_collections_not_scanned', sa.JSON(),
                                      nullable=True))
        batch_op.add_column(sa.Column('restriction_lift_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('fee_paid_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('subject_request', schema=None) as batch_op:
        batch_op.drop_column('fee_paid_at')
        batch_op.drop_column('restriction_lift_reason')
        batch_op.drop_column('search_collections_not_scanned')
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_column('is_dependent')
        batch_op.drop_column('tag_notice')
        batch_op.drop_column('tag_notice_at')
    with op.batch_alter_table('breach', schema=None) as batch_op:
        for column in ('officers_alerted_at', 'public_communication_at',
                       'public_communication', 'late_reasons', 'advice', 'measures_taken',
                       'likely_consequences'):
            batch_op.drop_column(column)
    op.drop_table('collection_setting')
