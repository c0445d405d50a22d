"""subject_request.response_html: the drafted answer's text as HTML, read on the case page

Revision ID: c5e2a8d41f37
Revises: c28b5e0d4a11
Create Date: 2026-12-07 09:45:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c5e2a8d41f37'
down_revision = 'c28b5e0d4a11'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('subject_request', schema=None) as batch_op:
        # Answers drafted before this have none: staff open their PDF, as before.
        batch_op.add_column(sa.Column('response_html', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('subject_request', schema=None) as batch_op:
        batch_op.drop_column('response_html')
