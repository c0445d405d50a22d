"""identity check method and outcome; what a request search left out and compared;
approval of a scope wider than the requester named; a DPIA version's conclusion
(positive or not) and its AP prior-consultation reference

Revision ID: a7c3e91f2b40
Revises: a23b1c0e7d01
Create Date: 2026-12-07 06:00:00

"""
from alembic import op
import sqlalchemy as sa



revision = 'a7c3e91f2b40'
down_revision = 'a23b1c0e7d01'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('subject_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('identity_check_method', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('identity_check_outcome', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('identity_check_address', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('identity_check_requested_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('search_photos_not_scanned', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('search_faces_compared', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('scope_widens', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('scope_set_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('scope_approved_at', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('scope_approved_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('scope_approval_reason', sa.Text(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_subject_request_scope_set_by_id_staff_user'),
                                    'staff_user', ['scope_set_by_id'], ['id'])
        batch_op.create_foreign_key(
            batch_op.f('fk_subject_request_scope_approved_by_id_staff_user'), 'staff_user',
            ['scope_approved_by_id'], ['id'])
    with op.batch_alter_table('dpia_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('conclusion_positive', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('ap_consultation_reference', sa.String(length=200),
                                      nullable=True))
    # Checks recorded before methods and outcomes were named were recorded as passed.
    op.execute("UPDATE subject_request SET identity_check_outcome = 'confirmed' "
               "WHERE identity_checked_at IS NOT NULL")


def downgrade():
    with op.batch_alter_table('dpia_version', schema=None) as batch_op:
        batch_op.drop_column('ap_consultation_reference')
        batch_op.drop_column('conclusion_positive')
    with op.batch_alter_table('subject_request', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_subject_request_scope_approved_by_id_staff_user'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_subject_request_scope_set_by_id_staff_user'),
                                 type_='foreignkey')
        batch_op.drop_column('scope_approval_reason')
        batch_op.drop_column('scope_approved_by_id')
        batch_op.drop_column('scope_approved_at')
        batch_op.drop_column('scope_set_by_id')
        batch_op.drop_column('scope_widens')
        batch_op.drop_column('search_faces_compared')
        batch_op.drop_column('search_photos_not_scanned')
        batch_op.drop_column('identity_check_requested_at')
        batch_op.drop_column('identity_check_address')
        batch_op.drop_column('identity_check_outcome')
        batch_op.drop_column('identity_check_method')
