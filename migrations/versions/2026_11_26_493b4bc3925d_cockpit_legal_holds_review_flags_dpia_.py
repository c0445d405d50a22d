"""cockpit: legal holds, review flags, DPIA versions, breach log, retention marks

Revision ID: 493b4bc3925d
Revises: 94c875a9add5
Create Date: 2026-11-26 15:41:02.364312

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '493b4bc3925d'
down_revision = '94c875a9add5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('breach',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('discovered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('data_concerned', sa.Text(), nullable=False),
    sa.Column('share_link_ids', sa.JSON(), nullable=False),
    sa.Column('disclosure_ids', sa.JSON(), nullable=False),
    sa.Column('asset_ids', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('notify_authority', sa.Boolean(), nullable=True),
    sa.Column('notify_subjects', sa.Boolean(), nullable=True),
    sa.Column('decision_reasons', sa.Text(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('authority_notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('authority_reference', sa.String(length=100), nullable=True),
    sa.Column('subjects_notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['staff_user.id'], name=op.f('fk_breach_decided_by_id_staff_user')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['staff_user.id'], name=op.f('fk_breach_recorded_by_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_breach')),
    sa.UniqueConstraint('reference', name=op.f('uq_breach_reference'))
    )
    op.create_table('dpia_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('facts', sa.JSON(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('necessity', sa.Text(), nullable=False),
    sa.Column('risks', sa.JSON(), nullable=False),
    sa.Column('dpo_advice', sa.Text(), nullable=False),
    sa.Column('conclusion', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_user.id'], name=op.f('fk_dpia_version_created_by_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dpia_version')),
    sa.UniqueConstraint('number', name=op.f('uq_dpia_version_number'))
    )
    op.create_table('legal_hold',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=20), nullable=False),
    sa.Column('asset_id', sa.Integer(), nullable=True),
    sa.Column('collection', sa.String(length=200), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('placed_by_id', sa.Integer(), nullable=True),
    sa.Column('placed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('released_by_id', sa.Integer(), nullable=True),
    sa.Column('release_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['asset_id'], ['asset.id'], name=op.f('fk_legal_hold_asset_id_asset'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_legal_hold_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['placed_by_id'], ['staff_user.id'], name=op.f('fk_legal_hold_placed_by_id_staff_user')),
    sa.ForeignKeyConstraint(['released_by_id'], ['staff_user.id'], name=op.f('fk_legal_hold_released_by_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_hold'))
    )
    with op.batch_alter_table('legal_hold', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_legal_hold_asset_id'), ['asset_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_legal_hold_person_id'), ['person_id'], unique=False)

    op.create_table('review_flag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('asset_id', sa.Integer(), nullable=False),
    sa.Column('quitclaim_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['asset_id'], ['asset.id'], name=op.f('fk_review_flag_asset_id_asset'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['quitclaim_id'], ['quitclaim.id'], name=op.f('fk_review_flag_quitclaim_id_quitclaim'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['staff_user.id'], name=op.f('fk_review_flag_resolved_by_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_flag')),
    sa.UniqueConstraint('asset_id', 'quitclaim_id', name=op.f('uq_review_flag_asset_id'))
    )
    with op.batch_alter_table('review_flag', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_flag_asset_id'), ['asset_id'], unique=False)

    with op.batch_alter_table('face', schema=None) as batch_op:
        batch_op.add_column(sa.Column('untagged_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('template_purged_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('subject_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('minimised_at', sa.DateTime(timezone=True), nullable=True))



def downgrade():
    with op.batch_alter_table('subject_request', schema=None) as batch_op:
        batch_op.drop_column('minimised_at')

    with op.batch_alter_table('face', schema=None) as batch_op:
        batch_op.drop_column('template_purged_at')
        batch_op.drop_column('untagged_at')

    with op.batch_alter_table('review_flag', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_flag_asset_id'))

    op.drop_table('review_flag')
    with op.batch_alter_table('legal_hold', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_legal_hold_person_id'))
        batch_op.drop_index(batch_op.f('ix_legal_hold_asset_id'))

    op.drop_table('legal_hold')
    op.drop_table('dpia_version')
    op.drop_table('breach')
