"""typed job names: outbox rows and e-mail follow-ups named by the job function's
qualified name; the manage-link job takes the id of a manage_link_request row

Jobs queued before this upgrade (pending, failed or in Redis: RQ carries only the outbox
id) run afterwards under their new names. A waiting manage-link job held the typed
address itself; it now holds the id of a row with that address. Finished rows are
renamed too, and a finished manage-link row forgets its address.

Revision ID: c4a8e2f61b57
Revises: c4d2a8e61f37
Create Date: 2026-12-07 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c4a8e2f61b57'
down_revision = 'c4d2a8e61f37'
branch_labels = None
depends_on = None

RENAMED = {
    'deliver_email': 'likeness.platform.mail.deliver',
    'daily_maintenance': 'likeness.platform.daily.run_daily',
    'ledger.publish': 'likeness.platform.shared_ledger.publish',
    'send_recipient_notice': 'likeness.library.disclosures.send_recipient_notice',
    'index_asset': 'likeness.library.indexing.index_asset',
    'enforce_template_policy': 'likeness.library.face_templates.enforce_template_policy',
    'refresh_xmp_sidecars': 'likeness.library.xmp_export.refresh_xmp_sidecars',
    'render_response': 'likeness.dsr.answer.render_answer',
    'lift_restriction': 'likeness.dsr.objection.lift_restriction',
    'prepare_search': 'likeness.dsr.locate.prepare',
    'search_chunk': 'likeness.dsr.locate.scan_chunk',
    'render_quitclaim_pdf': 'likeness.consent.signing.render_pdf',
}
OLD_MANAGE_LINK = 'send_manage_link'
NEW_MANAGE_LINK = 'likeness.consent.portal.deliver_manage_link'

outbox_job = sa.table('outbox_job', sa.column('id', sa.Integer), sa.column('job_name', sa.String),
                      sa.column('args', sa.JSON), sa.column('status', sa.String))
outgoing_email = sa.table('outgoing_email', sa.column('then_job', sa.String))


def upgrade():
    requests = op.create_table('manage_link_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_manage_link_request'))
    )
    _rename(RENAMED)
    connection = op.get_bind()
    rows = connection.execute(sa.select(outbox_job.c.id, outbox_job.c.args, outbox_job.c.status)
                              .where(outbox_job.c.job_name == OLD_MANAGE_LINK)).all()
    for row_id, args, status in rows:
        new_args = []
        if status != 'done' and args:
            asked = connection.execute(sa.insert(requests).values(
                email=args[0], created_at=sa.func.now()).returning(requests.c.id)).scalar()
            new_args = [asked]
        connection.execute(sa.update(outbox_job).where(outbox_job.c.id == row_id)
                           .values(job_name=NEW_MANAGE_LINK, args=new_args))


def downgrade():
    connection = op.get_bind()
    requests = sa.table('manage_link_request', sa.column('id', sa.Integer),
                        sa.column('email', sa.String))
    addresses = dict(connection.execute(sa.select(requests.c.id, requests.c.email)).all())
    rows = connection.execute(sa.select(outbox_job.c.id, outbox_job.c.args)
                              .where(outbox_job.c.job_name == NEW_MANAGE_LINK)).all()
    for row_id, args in rows:
        email = addresses.get(args[0]) if args else None
        connection.execute(sa.update(outbox_job).where(outbox_job.c.id == row_id)
                           .values(job_name=OLD_MANAGE_LINK, args=[email] if email else []))
    _rename({new: old for old, new in RENAMED.items()})
    op.drop_table('manage_link_request')


def _rename(names):
    for old, new in names.items():
        op.execute(sa.update(outbox_job).where(outbox_job.c.job_name == old)
                   .values(job_name=new))
        op.execute(sa.update(outgoing_email).where(outgoing_email.c.then_job == old)
                   .values(then_job=new))
