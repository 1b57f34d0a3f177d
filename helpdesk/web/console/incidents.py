"""The console's major incidents: proposals, declaring, linking, updates, restoration, the report.

Routes are registered on the console blueprint (``helpdesk.web.console.views.bp``).
"""

from __future__ import annotations

import re

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from helpdesk.accounts.policy import can_use_console
from helpdesk.core.actor import Actor
from helpdesk.core.errors import Conflict, NotFound, ValidationFailed
from helpdesk.core.time import TOKYO, utcnow
from helpdesk.incidents import detection, policy
from helpdesk.incidents import queries as incident_queries
from helpdesk.incidents import services as incidents
from helpdesk.tickets import queries as tickets
from helpdesk.tickets.states import ResolutionCode
from helpdesk.web.common import incidents as shared
from helpdesk.web.common.auth import current_actor, require
from helpdesk.web.common.forms import CsrfForm, show_field_errors
from helpdesk.web.common.i18n import select_locale
from helpdesk.web.common.navigation import safe_next
from helpdesk.web.console.forms import (
    DeclareIncidentForm,
    IncidentNoticeForm,
    IncidentRestorationForm,
    IncidentUpdateForm,
    LinkReportsForm,
    LinkToIncidentForm,
    ResolveForm,
)
from helpdesk.web.console.views import bp


def _can_view_in_console(actor: Actor) -> bool:
    return can_use_console(actor) and policy.can_view(actor)


@bp.get("/incidents")
@require(_can_view_in_console)
def incidents_home() -> ResponseReturnValue:
    """Proposals waiting for a decision, active incidents, and those of the last 30 days."""
    now = utcnow()
    return render_template(
        "console/incidents.html",
        proposals=incident_queries.pending_proposals(),
        items=incident_queries.recent(now=now, public_only=False),
        form=CsrfForm(),
        now=now,
        can_declare=policy.can_declare(current_actor()),
        target_minutes=shared.target_minutes(),
    )


def _declare_form(form: DeclareIncidentForm | None = None) -> DeclareIncidentForm:
    form = form or DeclareIncidentForm()
    locale = select_locale()
    form.service.choices = [SelectChoice("", "—")] + [
        SelectChoice(s.code, s.display_name(locale)) for s in tickets.list_services()
    ]
    form.site.choices = [SelectChoice("", _("全拠点"))] + [
        SelectChoice(str(s.id), s.display_name(locale)) for s in tickets.list_sites()
    ]
    return form


@bp.route("/incidents/new", methods=["GET", "POST"])
@require(policy.can_declare)
def declare_incident() -> ResponseReturnValue:
    """Declare from scratch, or from a report (``?from=<number>``, which becomes the first child)."""
    actor = current_actor()
    form = _declare_form()
    source = None
    number = request.values.get("from") or form.from_ticket.data
    if number:
        source = tickets.get_workable_ticket_for(actor, number)
    if request.method == "GET" and source is not None:
        form.title.data = source.subject
        form.service.data = source.service.code if source.service else ""
        form.from_ticket.data = source.number
    if not form.validate_on_submit():
        return render_template("console/incident_new.html", form=form, source=source), (
            422 if request.method == "POST" else 200
        )
    draft = incidents.IncidentDraft(
        title=form.title.data or "",
        service_code=form.service.data or None,
        site_id=int(form.site.data) if (form.site.data or "").isdigit() else None,
        notice_ja=form.notice_ja.data or "",
        notice_en=form.notice_en.data or "",
        is_public=bool(form.is_public.data),
        auto_link=bool(form.auto_link.data),
    )
    try:
        incident = incidents.declare(
            draft, actor=actor, now=utcnow(), from_ticket_id=source.id if source is not None else None
        )
    except ValidationFailed as exc:
        show_field_errors(form, exc)
        if not exc.fields:
            flash(str(exc.message), "error")
        return render_template("console/incident_new.html", form=form, source=source), 422
    except Conflict as exc:
        flash(str(exc.message), "error")
        return render_template("console/incident_new.html", form=form, source=source), 409
    flash(_("大規模障害を宣言しました。"), "success")
    return redirect(url_for("console.incident", incident_id=incident.id))


def _page(incident_id: int, *, status: int = 200, **forms: object) -> ResponseReturnValue:
    actor = current_actor()
    shown = shared.picture(incident_id)
    incident = shown.incident
    defaults: dict[str, object] = {
        "update_form": IncidentUpdateForm(formdata=None),
        "restoration_form": IncidentRestorationForm(
            formdata=None,
            restored_at=utcnow().astimezone(TOKYO).replace(second=0, microsecond=0, tzinfo=None),
        ),
        "resolve_form": ResolveForm(formdata=None, code=ResolutionCode.FIXED.value),
        "link_form": LinkReportsForm(formdata=None),
        "notice_form": IncidentNoticeForm(
            formdata=None,
            notice_ja=incident.public_notice_ja,
            notice_en=incident.public_notice_en,
            is_public=incident.is_public,
            auto_link=incident.auto_link,
        ),
    }
    defaults.update(forms)
    return render_template(
        "console/incident.html",
        shown=shown,
        incident=incident,
        form=CsrfForm(),
        can_declare=policy.can_declare(actor),
        can_coordinate=policy.can_coordinate(actor),
        **defaults,
    ), status


@bp.get("/incidents/<int:incident_id>")
@require(_can_view_in_console)
def incident(incident_id: int) -> ResponseReturnValue:
    """One incident: milestones, restoration against the target, reports, updates and the desk's forms."""
    return _page(incident_id)


@bp.get("/incidents/<int:incident_id>/report")
@require(_can_view_in_console)
def incident_report(incident_id: int) -> ResponseReturnValue:
    """The printable post-incident report."""
    return shared.report_page(incident_id, back=url_for("console.incident", incident_id=incident_id))


@bp.post("/incidents/<int:incident_id>/updates")
@require(policy.can_coordinate)
def post_incident_update(incident_id: int) -> ResponseReturnValue:
    """Post news to every linked requester and subscriber."""
    form = IncidentUpdateForm()
    if not form.validate_on_submit():
        return _page(incident_id, status=422, update_form=form)
    try:
        incidents.post_update(incident_id, form.body.data or "", actor=current_actor(), now=utcnow())
    except ValidationFailed as exc:
        show_field_errors(form, exc)
        return _page(incident_id, status=422, update_form=form)
    flash(_("お知らせを投稿しました。紐付いた依頼者と購読者に通知します。"), "success")
    return redirect(url_for("console.incident", incident_id=incident_id))


@bp.post("/incidents/<int:incident_id>/restoration")
@require(policy.can_coordinate)
def restore_incident(incident_id: int) -> ResponseReturnValue:
    """Record restoration for the outage and its open reports."""
    form = IncidentRestorationForm()
    if not form.validate_on_submit():
        return _page(incident_id, status=422, restoration_form=form)
    try:
        incidents.record_restoration(
            incident_id,
            form.restored_at.data.replace(tzinfo=TOKYO),
            actor=current_actor(),
            now=utcnow(),
            message=form.message.data or "",
        )
    except ValidationFailed as exc:
        show_field_errors(form, exc)
        return _page(incident_id, status=422, restoration_form=form)
    flash(_("復旧日時を記録しました。"), "success")
    return redirect(url_for("console.incident", incident_id=incident_id))


@bp.post("/incidents/<int:incident_id>/resolve")
@require(policy.can_coordinate)
def resolve_incident(incident_id: int) -> ResponseReturnValue:
    """Resolve the outage; its open reports are resolved with the same words."""
    form = ResolveForm()
    if not form.validate_on_submit():
        return _page(incident_id, status=422, resolve_form=form)
    try:
        incidents.resolve(
            incident_id,
            ResolutionCode(form.code.data),
            form.summary.data or "",
            actor=current_actor(),
            now=utcnow(),
        )
    except ValidationFailed as exc:
        show_field_errors(form, exc)
        return _page(incident_id, status=422, resolve_form=form)
    flash(_("大規模障害を解決済みにしました。紐付いたチケットも解決済みになりました。"), "success")
    return redirect(url_for("console.incident", incident_id=incident_id))


@bp.post("/incidents/<int:incident_id>/notice")
@require(policy.can_declare)
def change_incident_notice(incident_id: int) -> ResponseReturnValue:
    """Change the portal notice and the self-linking."""
    form = IncidentNoticeForm()
    if not form.validate_on_submit():
        return _page(incident_id, status=422, notice_form=form)
    try:
        incidents.change_notice(
            incident_id,
            notice_ja=form.notice_ja.data or "",
            notice_en=form.notice_en.data or "",
            is_public=bool(form.is_public.data),
            auto_link=bool(form.auto_link.data),
            actor=current_actor(),
            now=utcnow(),
        )
    except ValidationFailed as exc:
        show_field_errors(form, exc)
        return _page(incident_id, status=422, notice_form=form)
    flash(_("お知らせの設定を変更しました。"), "success")
    return redirect(url_for("console.incident", incident_id=incident_id))


_SEPARATORS = re.compile(r"[\s,、，]+")


def _ids_of_numbers(text: str) -> tuple[list[int], dict[str, str]]:
    """Ticket ids for the numbers typed, and the ones that name no ticket the agent can see."""
    actor, now = current_actor(), utcnow()
    ids: list[int] = []
    unknown: dict[str, str] = {}
    for raw in [word for word in _SEPARATORS.split(text) if word][: incidents.LINK_MAX]:
        number = tickets.normalise_number(raw, now=now)
        try:
            if number is None:
                raise NotFound()
            ids.append(tickets.get_ticket_by_number_for(actor, number).id)
        except NotFound:
            unknown[raw] = _("チケットが見つかりません。")
    return ids, unknown


def _link_result(
    incident_id: int, report: incidents.LinkReport, unknown: dict[str, str]
) -> ResponseReturnValue:
    failed = [*unknown.items(), *report.failed.items()]
    return render_template(
        "console/incident_link_result.html",
        linked=report.linked,
        failed=failed,
        back=url_for("console.incident", incident_id=incident_id),
    )


@bp.post("/incidents/<int:incident_id>/link")
@require(policy.can_coordinate)
def link_to_incident(incident_id: int) -> ResponseReturnValue:
    """Link reports by number, or every candidate the page offered (``all_candidates``)."""
    if request.form.get("all_candidates"):
        CsrfForm().validate_or_400()
        candidates = incident_queries.candidates_of(incidents.get_incident(incident_id))
        if not candidates:
            flash(_("紐付ける候補はありません。"), "info")
            return redirect(url_for("console.incident", incident_id=incident_id))
        report = incidents.link_reports(incident_id, candidates, actor=current_actor(), now=utcnow())
        return _link_result(incident_id, report, {})
    form = LinkReportsForm()
    if not form.validate_on_submit():
        return _page(incident_id, status=422, link_form=form)
    ids, unknown = _ids_of_numbers(form.numbers.data or "")
    if not ids:
        form.numbers.errors = [_("紐付けられるチケット番号がありません。")]
        return _page(incident_id, status=422, link_form=form)
    report = incidents.link_reports(incident_id, ids, actor=current_actor(), now=utcnow())
    return _link_result(incident_id, report, unknown)


@bp.post("/incidents/link-selected")
@require(policy.can_coordinate)
def link_selected_to_incident() -> ResponseReturnValue:
    """From the queue: link the ticked tickets to the chosen incident; each refusal is reported."""
    CsrfForm().validate_or_400()
    ids = [int(v) for v in request.form.getlist("ticket") if v.isdigit()]
    chosen = request.form.get("incident_value", "")
    back = safe_next(request.form.get("back")) or url_for("console.queue")
    if not ids or not chosen.isdigit():
        flash(_("チケットと大規模障害を選んでください。"), "error")
        return redirect(back)
    report = incidents.link_reports(int(chosen), ids, actor=current_actor(), now=utcnow())
    return _link_result(int(chosen), report, {})


@bp.post("/incidents/<int:incident_id>/unlink/<int:ticket_id>")
@require(policy.can_coordinate)
def unlink_from_incident(incident_id: int, ticket_id: int) -> ResponseReturnValue:
    """Take a wrongly linked report out of the incident."""
    CsrfForm().validate_or_400()
    incidents.unlink_report(incident_id, ticket_id, actor=current_actor(), now=utcnow())
    flash(_("紐付けを解除しました。"), "success")
    return redirect(url_for("console.incident", incident_id=incident_id))


@bp.post("/tickets/<number>/incident")
@require(policy.can_coordinate)
def link_ticket_to_incident(number: str) -> ResponseReturnValue:
    """From a ticket's workspace: make it a report of an active incident."""
    item = tickets.get_workable_ticket_for(current_actor(), number)
    form = LinkToIncidentForm()
    if not form.validate_on_submit() or not (form.incident.data or "").isdigit():
        flash(_("大規模障害を選んでください。"), "error")
        return redirect(url_for("console.ticket", number=item.number))
    report = incidents.link_reports(int(form.incident.data), [item.id], actor=current_actor(), now=utcnow())
    if report.failed:
        flash(next(iter(report.failed.values())), "error")
    else:
        flash(_("大規模障害に紐付けました。"), "success")
    return redirect(url_for("console.ticket", number=item.number))


@bp.post("/incidents/proposals/<int:proposal_id>/declare")
@require(policy.can_declare)
def declare_proposal(proposal_id: int) -> ResponseReturnValue:
    """One click: declare the proposed outage and link every report of it."""
    CsrfForm().validate_or_400()
    try:
        incident = detection.declare_from_proposal(
            proposal_id,
            actor=current_actor(),
            now=utcnow(),
            settings=detection.detection_settings_from(current_app.config),
        )
    except Conflict as exc:
        flash(str(exc.message), "error")
        return redirect(url_for("console.incidents_home"))
    flash(_("大規模障害を宣言し、報告を紐付けました。"), "success")
    return redirect(url_for("console.incident", incident_id=incident.id))


@bp.post("/incidents/proposals/<int:proposal_id>/dismiss")
@require(policy.can_declare)
def dismiss_proposal(proposal_id: int) -> ResponseReturnValue:
    """Not an outage: keep the reports as they are."""
    CsrfForm().validate_or_400()
    detection.dismiss_proposal(proposal_id, actor=current_actor(), now=utcnow())
    flash(_("候補を見送りました。"), "success")
    return redirect(url_for("console.incidents_home"))
