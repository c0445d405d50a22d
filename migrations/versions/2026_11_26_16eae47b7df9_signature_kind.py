"""signature kind: a quitclaim records whether each signature was drawn or typed

Revision ID: 16eae47b7df9
Revises: 527e94ae75d0
Create Date: 2026-11-26 15:43:03.053909

Every signature stored before this revision was drawn (typing was not possible).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '16eae47b7df9'
down_revision = '527e94ae75d0'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('quitclaim', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signature_kind', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('guardian_signature_kind', sa.String(length=10),
                                      nullable=True))
    op.execute("UPDATE quitclaim SET signature_kind = 'drawn' "
               "WHERE signature_png IS NOT NULL")
    op.execute("UPDATE quitclaim SET guardian_signature_kind = 'drawn' "
               "WHERE guardian_signature_png IS NOT NULL")


def downgrade():
    with op.batch_alter_table('quitclaim', schema=None) as batch_op:
        batch_op.drop_column('guardian_signature_kind')
        batch_op.drop_column('signature_kind')
