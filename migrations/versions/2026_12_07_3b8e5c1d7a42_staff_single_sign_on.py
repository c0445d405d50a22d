"""staff single sign-on: accounts keyed on the identity provider's issuer and subject

Revision ID: 3b8e5c1d7a42
Revises: 5d1f0c2a9e47
Create Date: 2026-12-07 05:45:00

"""
from alembic import op
import sqlalchemy as sa


revision = '3b8e5c1d7a42'
down_revision = '5d1f0c2a9e47'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sso_issuer', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('sso_subject', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('sso_deactivated', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.create_unique_constraint(batch_op.f('uq_staff_user_sso_issuer'),
                                          ['sso_issuer', 'sso_subject'])
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.alter_column('sso_deactivated', server_default=None)


def downgrade():
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_staff_user_sso_issuer'), type_='unique')
        batch_op.drop_column('sso_deactivated')
        batch_op.drop_column('sso_subject')
        batch_op.drop_column('sso_issuer')
