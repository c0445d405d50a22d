"""guardians act only for children: which invitation links went to the guardian, and
the last age at which the end of the guardian's rights was told

Revision ID: b7c3e1a94d20
Revises: a21e7d3c5b10
Create Date: 2026-12-07 05:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b7c3e1a94d20'
down_revision = 'a21e7d3c5b10'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('quitclaim_invitation', schema=None) as batch_op:
        # Existing open links count as the child's own: under 16 they no longer complete
        # a signature; the page asks for the parent's address (fail closed).
        batch_op.add_column(sa.Column('for_guardian', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('guardian_rights_notice_age', sa.Integer(),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_column('guardian_rights_notice_age')
    with op.batch_alter_table('quitclaim_invitation', schema=None) as batch_op:
        batch_op.drop_column('for_guardian')
