"""tag_proposal: faces a signer marked as themselves, for staff to confirm

Revision ID: d3a9f27c5e81
Revises: c5e2a8d41f37
Create Date: 2026-12-07 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'd3a9f27c5e81'
down_revision = 'c5e2a8d41f37'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('tag_proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('face_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('quitclaim_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['face_id'], ['face.id'], name=op.f('fk_tag_proposal_face_id_face'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_tag_proposal_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['quitclaim_id'], ['quitclaim.id'], name=op.f('fk_tag_proposal_quitclaim_id_quitclaim'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['staff_user.id'], name=op.f('fk_tag_proposal_decided_by_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tag_proposal')),
    sa.UniqueConstraint('face_id', 'person_id', name=op.f('uq_tag_proposal_face_id'))
    )
    with op.batch_alter_table('tag_proposal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tag_proposal_face_id'), ['face_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tag_proposal_status'), ['status'], unique=False)


def downgrade():
    op.drop_table('tag_proposal')
