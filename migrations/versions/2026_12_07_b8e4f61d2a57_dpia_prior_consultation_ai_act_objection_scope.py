"""a DPIA version's prior consultation of the AP (Art. 36) and EU AI Act deployer duties;
what an objection covers (Art. 21) and who confirmed it

Revision ID: b8e4f61d2a57
Revises: d3a9f27c5e81
Create Date: 2026-12-07 12:45:00

"""
from alembic import op
import sqlalchemy as sa



revision = 'b8e4f61d2a57'
down_revision = 'd3a9f27c5e81'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('dpia_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ap_consultation_submitted_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('ap_period_extended', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('ap_advice_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('ap_outcome', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('ap_advice', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('ai_act_human_oversight', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('ai_act_log_retention', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('ai_act_fria', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table('subject_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('objection_scope', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('objection_scope_confirmed_at',
                                      sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('objection_scope_confirmed_by_id', sa.Integer(),
                                      nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_subject_request_objection_scope_confirmed_by_id_staff_user'),
            'staff_user', ['objection_scope_confirmed_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('subject_request', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_subject_request_objection_scope_confirmed_by_id_staff_user'),
            type_='foreignkey')
        batch_op.drop_column('objection_scope_confirmed_by_id')
        batch_op.drop_column('objection_scope_confirmed_at')
        batch_op.drop_column('objection_scope')
    with op.batch_alter_table('dpia_version', schema=None) as batch_op:
        for column in ('ai_act_fria', 'ai_act_log_retention', 'ai_act_human_oversight',
                       'ap_advice', 'ap_outcome', 'ap_advice_on', 'ap_period_extended',
                       'ap_consultation_submitted_on'):
            batch_op.drop_column(column)
