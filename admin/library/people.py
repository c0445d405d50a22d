"""People: who the organisation knows, and their faces across the library."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from admin.access import blueprint, requires
from admin.forms import StaffActionForm
from admin.library.forms import MergeForm, NoBiometricsForm, PersonDetailsForm, PersonNameForm
from admin.library.lookups import person_choice
from likeness.consent import guardians, records
from likeness.errors import DomainError
from likeness.library import people
from likeness.models import Person, Role
from likeness.web import confirmation
from likeness.web.form_fields import show_error

EDITORS = (Role.LIBRARIAN, Role.PRIVACY_OFFICER)


@blueprint.get("/people")
def people_index() -> ResponseReturnValue:
    query = request.args.get("q", "")
    return render_template("admin/library/people.html", rows=people.list_people(query), query=query)


@blueprint.get("/people/<int:person_id>")
def person_page(person_id: int) -> ResponseReturnValue:
    person = people.get(person_id)
    details_form = PersonDetailsForm(email=person.email, date_of_birth=person.date_of_birth,
                                     guardian_email=person.guardian_email,
                                     is_dependent=person.is_dependent)
    return _person_page(person, details_form)


def _person_page(person: Person, details_form: PersonDetailsForm,
                 status: int = 200) -> ResponseReturnValue:
    return render_template(
        "admin/library/person.html",
        person=person,
        details_form=details_form,
        faces=people.faces_of(person.id),
        rename_form=PersonNameForm(name=person.name),
        merge_form=MergeForm(),
        no_biometrics_form=NoBiometricsForm(),
        action_form=StaffActionForm(),
        can_edit=current_user.has_role(*EDITORS),
        quitclaim_rows=records.list_quitclaims(person_id=person.id),
        invitations=records.invitations_of(person.id),
        guardian_role=guardians.role_label(person),
    ), status


@blueprint.post("/people/<int:person_id>/details")
@requires(*EDITORS)
def person_details(person_id: int) -> ResponseReturnValue:
    """Email, date of birth and guardian's email: so that anyone can be invited."""
    person = people.get(person_id)
    form = PersonDetailsForm()
    if form.validate_on_submit():
        try:
            people.update_details(person.id, people.Details(
                email=form.email.data, date_of_birth=form.date_of_birth.data,
                guardian_email=form.guardian_email.data,
                is_dependent=bool(form.is_dependent.data)), actor=current_user)
        except DomainError as exc:
            show_error(form, exc)
        else:
            flash(_("Details saved."), "info")
            return redirect(url_for("admin.person_page", person_id=person.id))
    return _person_page(people.get(person_id), form, 400)


@blueprint.post("/people/<int:person_id>/rename")
@requires(*EDITORS)
def person_rename(person_id: int) -> ResponseReturnValue:
    form = PersonNameForm()
    if form.validate_on_submit():
        people.rename(person_id, form.name.data or "", actor=current_user)
        flash(_("Name changed."), "info")
    else:
        flash(_("A person needs a name."), "error")
    return redirect(url_for("admin.person_page", person_id=person_id))


@blueprint.post("/people/<int:person_id>/merge")
@requires(*EDITORS)
def person_merge(person_id: int) -> ResponseReturnValue:
    form = MergeForm()
    target_id, _name = person_choice(form.target.data or "")
    if not form.validate_on_submit() or target_id is None:
        flash(_("Pick the person to merge into from the list."), "error")
        return redirect(url_for("admin.person_page", person_id=person_id))
    page = confirmation.ask(
        _("Merge into %(name)s?", name=people.get(target_id).name),
        _("Every face, quitclaim and request of this person moves to the other person, and "
          "this entry is removed. This cannot be undone."),
        yes=_("Merge"), back=url_for("admin.person_page", person_id=person_id),
        layout="admin/_layout.html")
    if page:
        return page
    try:
        target = people.merge(person_id, target_id, actor=current_user)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("admin.person_page", person_id=person_id))
    flash(_("Merged into %(name)s.", name=target.name), "info")
    return redirect(url_for("admin.person_page", person_id=target.id))


@blueprint.post("/people/<int:person_id>/delete")
@requires(*EDITORS)
def person_delete(person_id: int) -> ResponseReturnValue:
    person = people.get(person_id)
    page = confirmation.ask(
        _("Delete %(name)s?", name=person.name),
        _("The person is removed from Likeness and their faces become untagged. This "
          "cannot be undone."),
        yes=_("Delete person"), back=url_for("admin.person_page", person_id=person_id),
        layout="admin/_layout.html")
    if page:
        return page
    try:
        untagged = people.delete(person_id, actor=current_user)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("admin.person_page", person_id=person_id))
    flash(ngettext("Person deleted; %(num)d face untagged.",
                   "Person deleted; %(num)d faces untagged.", untagged), "info")
    return redirect(url_for("admin.people_index"))


@blueprint.post("/people/<int:person_id>/no-biometrics")
@requires(*EDITORS)
def person_no_biometrics(person_id: int) -> ResponseReturnValue:
    form = NoBiometricsForm()
    if form.validate_on_submit():
        people.set_no_biometrics(person_id, reason=f"at the person's request: {form.reason.data}",
                                 actor=current_user)
        flash(_("Recorded: no face recognition for this person; their templates are deleted."),
              "info")
    else:
        flash(_("Say how the person asked."), "error")
    return redirect(url_for("admin.person_page", person_id=person_id))
