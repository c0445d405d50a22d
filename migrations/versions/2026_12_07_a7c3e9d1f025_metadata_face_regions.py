"""face regions and names imported from photo metadata; XMP sidecar export

Revision ID: a7c3e9d1f025
Revises: b81f4d6c2e93
Create Date: 2026-12-07 05:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a7c3e9d1f025'
down_revision = 'b81f4d6c2e93'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('asset', schema=None) as batch_op:
        batch_op.add_column(sa.Column('imported_regions', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('xmp_exported_at', sa.DateTime(timezone=True),
                                      nullable=True))
    with op.batch_alter_table('face', schema=None) as batch_op:
        batch_op.add_column(sa.Column('origin', sa.String(length=10), nullable=False,
                                      server_default='detector'))
        batch_op.add_column(sa.Column('imported_name', sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table('face', schema=None) as batch_op:
        batch_op.drop_column('imported_name')
        batch_op.drop_column('origin')
    with op.batch_alter_table('asset', schema=None) as batch_op:
        batch_op.drop_column('xmp_exported_at')
        batch_op.drop_column('imported_regions')
