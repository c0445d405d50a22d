"""stored mails hold no live links: sealed links column; links in sent mails removed

Revision ID: b81f4d6c2e93
Revises: a7c3e91b5d20
Create Date: 2026-12-07 06:00:00

Mails already sent keep their text, with every link replaced by a placeholder (they
opened pages without a login). Mails not sent yet keep their links until they are sent.
"""
import re

from alembic import op
import sqlalchemy as sa


revision = 'b81f4d6c2e93'
down_revision = 'a7c3e91b5d20'
branch_labels = None
depends_on = None

_URL = re.compile(r"https?://[^\s<>\"']+")
_TRAILING = ".,;:!?)]}'\""


def _withhold(body):
    count = 0

    def swap(match):
        nonlocal count
        url = match.group(0)
        kept = url.rstrip(_TRAILING)
        count += 1
        return f"[link {count}, not stored]" + url[len(kept):]

    return _URL.sub(swap, body)


def upgrade():
    with op.batch_alter_table('outgoing_email') as batch:
        batch.add_column(sa.Column('sealed_links', sa.LargeBinary(), nullable=True))
    email = sa.table('outgoing_email', sa.column('id', sa.Integer), sa.column('body_text', sa.Text),
                     sa.column('sent_at', sa.DateTime))
    connection = op.get_bind()
    rows = connection.execute(sa.select(email.c.id, email.c.body_text)
                              .where(email.c.sent_at.is_not(None))).all()
    for row_id, body in rows:
        redacted = _withhold(body or "")
        if redacted != body:
            connection.execute(email.update().where(email.c.id == row_id)
                               .values(body_text=redacted))


def downgrade():
    with op.batch_alter_table('outgoing_email') as batch:
        batch.drop_column('sealed_links')
