"""The agents' console: the queue and the ticket workspace."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, timedelta
from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from helpdesk.accounts import queries as account_queries
from helpdesk.accounts.models import Party, User
from helpdesk.accounts.policy import can_log_calls, can_supervise, can_use_console
from helpdesk.core.errors import NotFound, ValidationFailed
from helpdesk.core.time import TOKYO, utcnow
from helpdesk.handoff import queries as handoffs
from helpdesk.handoff import services as handoff_services
from helpdesk.handoff.models import HandoffKind, HandoffState, RejectReason
from helpdesk.incidents import policy as incident_policy
from helpdesk.incidents import queries as incident_queries
from helpdesk.mail import services as mail
from helpdesk.mail.policy import can_review_mail
from helpdesk.reports import exports
from helpdesk.sla import queries as sla
from helpdesk.tickets import calls, canned, policy, presence, queues, relations
from helpdesk.tickets import queries as tickets
from helpdesk.tickets import services as ticket_services
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.search import iter_search, search_tickets
from helpdesk.tickets.states import (
    Channel,
    Impact,
    MessageKind,
    Priority,
    ResolutionCode,
    TicketStatus,
    TicketType,
    Urgency,
)
from helpdesk.web.common.auth import current_actor, current_db_user, require
from helpdesk.web.common.files import attachment_limits, csv_download, download, uploads_from
from helpdesk.web.common.forms import CsrfForm, show_field_errors
from helpdesk.web.common.handoff_forms import (
    AcceptForm,
    EscalateForm,
    PartyNoteForm,
    RejectForm,
    WithdrawForm,
    party_choices,
)
from helpdesk.web.common.i18n import jst, select_locale
from helpdesk.web.common.navigation import safe_next
from helpdesk.web.console.forms import (
    AssignForm,
    BreakGlassForm,
    CannedForm,
    FieldsForm,
    LinkToIncidentForm,
    MessageForm,
    PhoneCallForm,
    QueueFilterForm,
    ResolveForm,
    RestorationForm,
    StatusForm,
)

bp = Blueprint("console", __name__, url_prefix="/console")


@bp.get("/")
@require(can_use_console)
def queue() -> ResponseReturnValue:
    """A queue view with filters and sorting; the tabs are the views defined in ``queues``."""
    actor = current_actor()
    staff = tickets.list_desk_staff()
    form, filters = _queue_filters(staff)
    now = utcnow()
    view = request.args.get("view", "open")
    counts = queues.count_views(
        actor, now=now, max_age=timedelta(seconds=current_app.config["QUEUE_COUNTS_MAX_AGE_SECONDS"]))
    page = queues.list_queue(actor, view, filters, now=now, page=request.args.get("page", 1, type=int),
                             # an unfiltered view matches what its tab counted
                             total=None if filters.conditions() else counts.get(view))
    return render_template(
        "console/queue.html", page=page, form=form, bulk_form=CsrfForm(),
        saved_views=queues.list_saved_views(actor.user_id or 0),
        staff=staff,
        views=queues.QUEUE_VIEWS, counts=counts,
        badges=sla.ticket_badges([t.id for t in page.items], now=now), now=now,
        countdowns=sla.list_restoration_countdowns(now=now, include_confidential=actor.is_security_cleared),
        held_mail=mail.count_held() if can_review_mail(actor) else 0,
        holders=tickets.holders([t.id for t in page.items]),
        incident_choices=incident_queries.active_choices() if incident_policy.can_coordinate(actor) else [],
        incident_proposals=incident_queries.count_pending_proposals(),
        args={k: v for k, v in request.args.items() if k != "page"},
    )


@bp.get("/queue.csv")
@require(can_use_console)
def queue_csv() -> ResponseReturnValue:
    """The whole queue view as filtered and sorted on screen (every page), as a CSV download."""
    actor = current_actor()
    _form, filters = _queue_filters(tickets.list_desk_staff())
    view = request.args.get("view", "open")
    now = utcnow()
    return csv_download(exports.stream_tickets_csv(
        queues.iter_queue(actor, view, filters, now=now), columns=exports.DESK_COLUMNS,
        locale=select_locale(), actor=actor, now=now, source="console.queue",
        criteria={k: v for k, v in request.args.items() if k in queues.FILTER_KEYS and v},
    ), now=now)


def _queue_filters(staff: Sequence[User]) -> tuple[QueueFilterForm, queues.QueueFilters]:
    """The queue's filter form from the query string, and the filters it means (invalid: none).

    ``staff``: the desk staff the assignee filter offers (the page lists them again).
    """
    form = QueueFilterForm(request.args)
    _filter_choices(form, staff)
    if not form.validate():
        form = QueueFilterForm(formdata=None)
        _filter_choices(form, staff)
    return form, queues.QueueFilters(
        type=TicketType(form.type.data) if form.type.data else None,
        priority=Priority(form.priority.data) if form.priority.data else None,
        status=TicketStatus(form.status.data) if form.status.data else None,
        channel=Channel(form.channel.data) if form.channel.data else None,
        service_code=form.service.data or None,
        site_id=int(form.site.data) if form.site.data else None,
        assignee_id=int(form.assignee.data) if form.assignee.data else None,
        sort=form.sort.data or "priority",
    )


@bp.post("/views")
@require(can_use_console)
def save_view() -> ResponseReturnValue:
    """Save the current view, filters and sort under a name of one's own."""
    CsrfForm().validate_or_400()
    params = {k: request.form.get(k, "") for k in queues.FILTER_KEYS}
    try:
        view = queues.save_view(request.form.get("name", ""), params, actor=current_actor(), now=utcnow())
    except ValidationFailed as exc:
        flash(str(exc.message), "error")
        return redirect(_queue_url(params))
    flash(_("ビュー「%(name)s」を保存しました。", name=view.name), "success")
    return redirect(_queue_url(view.params))


@bp.post("/views/<int:view_id>/delete")
@require(can_use_console)
def delete_view(view_id: int) -> ResponseReturnValue:
    """Delete one of one's own saved views."""
    CsrfForm().validate_or_400()
    queues.delete_view(view_id, actor=current_actor(), now=utcnow())
    flash(_("ビューを削除しました。"), "success")
    return redirect(url_for("console.queue"))


@bp.post("/bulk")
@require(can_log_calls)
def bulk() -> ResponseReturnValue:
    """Assign, move or reprioritise the selected tickets; each is reported on its own."""
    CsrfForm().validate_or_400()
    ids = [int(v) for v in request.form.getlist("ticket") if v.isdigit()]
    action = request.form.get("action", "")
    if not ids or action not in {a.value for a in ticket_services.BulkAction}:
        flash(_("チケットと操作を選んでください。"), "error")
        return redirect(request.form.get("back") or url_for("console.queue"))
    value = request.form.get(f"{action}_value", "")
    report = ticket_services.bulk_change(ids, ticket_services.BulkAction(action), value,
                                         actor=current_actor(), now=utcnow())
    return render_template("console/bulk_result.html", report=report,
                           back=safe_next(request.form.get("back")) or url_for("console.queue"))


@bp.get("/search")
@require(can_use_console)
def search() -> ResponseReturnValue:
    """Full-text search over every ticket the agent may see; a ticket number opens the ticket."""
    query = (request.args.get("q") or "").strip()[:200]
    number = tickets.normalise_number(query, now=utcnow()) if query else None
    if number is not None:
        try:
            found = tickets.get_ticket_by_number_for(current_actor(), number)
        except NotFound:
            pass  # "2314" may be an extension in the text: search for it instead
        else:
            return redirect(url_for("console.ticket", number=found.number))
    results = search_tickets(current_actor(), query, page=request.args.get("page", 1, type=int))
    return render_template("console/search.html", query=query, results=results,
                           holders=tickets.holders([t.id for t in results.items]))


@bp.get("/search.csv")
@require(can_use_console)
def search_csv() -> ResponseReturnValue:
    """Every ticket the search finds (not only the first pages, not capped), as a CSV download."""
    actor = current_actor()
    query = (request.args.get("q") or "").strip()[:200]
    now = utcnow()
    return csv_download(exports.stream_tickets_csv(
        iter_search(actor, query), columns=exports.DESK_COLUMNS, locale=select_locale(), actor=actor,
        now=now, source="console.search", criteria={"q": query},
    ), now=now)


@bp.get("/tickets/<number>")
@require(can_use_console)
def ticket(number: str) -> ResponseReturnValue:
    """The workspace: timeline, reply and note, classification, assignment, resolution.

    ``?canned=<id>`` puts that canned response, placeholders filled, into the reply form.
    A confidential ticket shows an uncleared agent only a stub, or, after a break-glass
    with a reason, a read-only view until the grant runs out.
    """
    try:
        item = tickets.get_ticket_by_number_for(current_actor(), number)
    except NotFound:
        stub = tickets.find_confidential_stub(current_actor(), number)
        if stub is None:
            raise
        return _confidential_page(stub)
    canned_id = request.args.get("canned", type=int)
    user = current_db_user()
    if canned_id and user is not None:
        # _workspace fills in what the form has seen.
        form = MessageForm(formdata=None, prefix="public_reply", body=canned.render(canned_id, item, user))
        return _workspace(item, public_reply_form=form)
    return _workspace(item)


@bp.post("/tickets/<number>/break-glass")
@require(can_use_console)
def break_glass(number: str) -> ResponseReturnValue:
    """Read a confidential ticket in an emergency: the reason goes to the audit trail."""
    stub = tickets.find_confidential_stub(current_actor(), number)
    if stub is None:
        raise NotFound("ticket")
    form = BreakGlassForm()
    if not form.validate_on_submit():
        return _confidential_page(stub, form=form, status=422)
    until = ticket_services.break_glass(stub.id, form.reason.data, actor=current_actor(), now=utcnow())
    grants = dict(session.get("break_glass", {}))
    grants[stub.number] = until.timestamp()
    session["break_glass"] = grants
    flash(_("緊急閲覧を記録しました。%(minutes)d分間閲覧できます。",
            minutes=ticket_services.BREAK_GLASS_MINUTES), "success")
    return redirect(url_for("console.ticket", number=stub.number))


def _confidential_page(stub: Ticket, *, form: BreakGlassForm | None = None, status: int = 200
                       ) -> ResponseReturnValue:
    granted = float(session.get("break_glass", {}).get(stub.number, 0)) > utcnow().timestamp()
    return render_template(
        "console/confidential.html", ticket=stub, holder=tickets.holders([stub.id]).get(stub.id),
        granted=granted, form=form or BreakGlassForm(formdata=None),
        timeline=tickets.timeline(stub.id, include_internal=True) if granted else [],
    ), status


@bp.post("/tickets/<number>/presence")
@require(can_use_console)
def presence_heartbeat(number: str) -> ResponseReturnValue:
    """An open workspace says it is still there (typing or not); answers who else is, as JSON.

    The body is JSON ``{"typing": true}`` or a form with ``typing=1``; the CSRF token
    comes in the ``X-CSRFToken`` header. ``{"others": [{"name": …, "typing": …}]}``.
    """
    actor = current_actor()
    item = tickets.get_ticket_by_number_for(actor, number)
    data = request.get_json(silent=True) if request.is_json else request.form
    flag = data.get("typing", "") if isinstance(data, Mapping) else ""
    is_typing = str(flag).lower() in {"1", "true"}
    now = utcnow()
    presence.record_heartbeat(item.id, is_typing=is_typing, actor=actor, now=now)
    viewers = presence.list_viewers(item.id, now=now, exclude_user_id=actor.user_id)
    return jsonify(others=[{"name": v.name, "typing": v.is_typing} for v in viewers])


@bp.route("/canned", methods=["GET", "POST"])
@require(can_supervise)
def canned_responses() -> ResponseReturnValue:
    """Supervisors write and edit the canned responses agents insert into replies."""
    form = CannedForm()
    status = 200
    if form.validate_on_submit():
        try:
            canned.save_response(form.title.data, form.body.data, actor=current_actor(), now=utcnow(),
                                 response_id=form.response_id.data or None)
        except ValidationFailed as exc:
            show_field_errors(form, exc)
            status = 422
        else:
            flash(_("定型文を保存しました。"), "success")
            return redirect(url_for("console.canned_responses"))
    elif request.method == "POST":
        status = 422
    return render_template("console/canned.html", form=form, responses=canned.list_responses(),
                           placeholders=canned.PLACEHOLDERS), status


@bp.post("/tickets/<number>/messages/<kind>")
@require(can_use_console)
def add_message(number: str, kind: str) -> ResponseReturnValue:
    """Post a public reply or an internal note; a stale reply form is refused with 409."""
    item = tickets.get_workable_ticket_for(current_actor(), number)
    if kind not in (MessageKind.PUBLIC_REPLY, MessageKind.INTERNAL_NOTE):
        return _workspace(item, status=404)
    form = MessageForm(prefix=kind)
    if not form.validate_on_submit():
        return _workspace(item, **{f"{kind}_form": form}, status=422)
    try:
        ticket_services.add_message(item.id, MessageKind(kind), form.body.data, actor=current_actor(),
                                    now=utcnow(), seen_up_to=form.seen_up_to.data,
                                    uploads=uploads_from(form.attachments.data),
                                    limits=attachment_limits())
    except ticket_services.StaleConversation as exc:
        return _workspace(item, **{f"{kind}_form": form}, stale=exc.newer, status=409)
    except ValidationFailed as exc:
        show_field_errors(form, exc)
        return _workspace(item, **{f"{kind}_form": form}, status=422)
    public = kind == MessageKind.PUBLIC_REPLY
    flash(_("公開返信を送信しました。") if public else _("内部メモを保存しました。"), "success")
    return redirect(url_for("console.ticket", number=item.number))


@bp.post("/tickets/<number>/assign")
@require(can_use_console)
def assign(number: str) -> ResponseReturnValue:
    """Assign to someone, to oneself, or to nobody."""
    actor = current_actor()
    item = tickets.get_workable_ticket_for(actor, number)
    if request.form.get("me"):
        ticket_services.assign(item.id, actor.user_id, actor=actor, now=utcnow())
        return redirect(url_for("console.ticket", number=item.number))
    form = AssignForm()
    form.assignee.choices = _assignee_choices()
    if not form.validate_on_submit():
        return _workspace(item, assign_form=form, status=422)
    ticket_services.assign(item.id, int(form.assignee.data) if form.assignee.data else None,
                           actor=actor, now=utcnow())
    flash(_("担当者を変更しました。"), "success")
    return redirect(url_for("console.ticket", number=item.number))


@bp.post("/tickets/<number>/fields")
@require(can_use_console)
def update_fields(number: str) -> ResponseReturnValue:
    """Reclassify: type, impact, urgency, priority (or automatic), service, site."""
    item = tickets.get_workable_ticket_for(current_actor(), number)
    form = _fields_form(item)
    if not form.validate_on_submit():
        return _workspace(item, fields_form=form, status=422)
    chosen = form.priority.data
    changes = ticket_services.FieldChanges(
        type=TicketType(form.type.data), impact=Impact(form.impact.data),
        urgency=Urgency(form.urgency.data), service_code=form.service.data or None,
        site_id=int(form.site.data) if form.site.data else None,
        priority=Priority(chosen) if chosen != "auto" else None,
        clear_priority_override=chosen == "auto",
    )
    try:
        ticket_services.update_fields(item.id, changes, actor=current_actor(), now=utcnow())
    except ValidationFailed as exc:
        show_field_errors(form, exc)
        return _workspace(item, fields_form=form, status=422)
    flash(_("分類を更新しました。"), "success")
    return redirect(url_for("console.ticket", number=item.number))


@bp.post("/tickets/<number>/status")
@require(can_use_console)
def change_status(number: str) -> ResponseReturnValue:
    """Wait on the requester, take the ticket back up, or reopen it."""
    item = tickets.get_workable_ticket_for(current_actor(), number)
    form = StatusForm()
    if not form.validate_on_submit() or form.target.data not in {s.value for s in TicketStatus}:
        return _workspace(item, status=422)
    ticket_services.change_status(item.id, TicketStatus(form.target.data), actor=current_actor(),
                                  now=utcnow())
    flash(_("状態を変更しました。"), "success")
    return redirect(url_for("console.ticket", number=item.number))


@bp.post("/tickets/<number>/relations")
@require(can_use_console)
def relate(number: str) -> ResponseReturnValue:
    """Link this ticket to another, or merge it into another as a duplicate."""
    actor = current_actor()
    item = tickets.get_workable_ticket_for(actor, number)
    CsrfForm().validate_or_400()
    other_number = tickets.normalise_number(request.form.get("other", ""), now=utcnow())
    try:
        other = tickets.get_ticket_by_number_for(actor, other_number or "")
    except NotFound:
        typed = request.form.get("other", "")[:30]
        flash(_("チケット「%(number)s」は見つかりません。", number=typed), "error")
        return redirect(url_for("console.ticket", number=item.number))
    if request.form.get("action") == "merge":
        target = relations.merge(item.id, other.id, actor=actor, now=utcnow())
        flash(_("%(source)s を %(target)s に統合しました。", source=item.number, target=target.number),
              "success")
        return redirect(url_for("console.ticket", number=target.number))
    relations.link(item.id, other.id, actor=actor, now=utcnow())
    flash(_("%(other)s と関連付けました。", other=other.number), "success")
    return redirect(url_for("console.ticket", number=item.number))


@bp.post("/tickets/<number>/resolve")
@require(can_use_console)
def resolve(number: str) -> ResponseReturnValue:
    """Resolve with a code and a summary; the requester is asked to confirm."""
    item = tickets.get_workable_ticket_for(current_actor(), number)
    form = ResolveForm()
    if not form.validate_on_submit():
        return _workspace(item, resolve_form=form, status=422)
    ticket_services.resolve(item.id, ResolutionCode(form.code.data), form.summary.data,
                            actor=current_actor(), now=utcnow())
    flash(_("解決済みにしました。依頼者に確認を依頼しています。"), "success")
    return redirect(url_for("console.ticket", number=item.number))


@bp.post("/tickets/<number>/restored")
@require(can_use_console)
def record_restoration(number: str) -> ResponseReturnValue:
    """Record when the service came back; the restoration clock stops there, the ticket stays open."""
    item = tickets.get_workable_ticket_for(current_actor(), number)
    form = RestorationForm()
    if not form.validate_on_submit():
        return _workspace(item, restoration_form=form, status=422)
    try:
        ticket_services.record_restoration(item.id, form.restored_at.data.replace(tzinfo=TOKYO),
                                           actor=current_actor(), now=utcnow())
    except ValidationFailed as exc:
        show_field_errors(form, exc)
        return _workspace(item, restoration_form=form, status=422)
    flash(_("復旧日時を記録しました。"), "success")
    return redirect(url_for("console.ticket", number=item.number))


@bp.get("/sla")
@require(can_supervise)
def sla_overview() -> ResponseReturnValue:
    """Supervisors: running clocks by level, the most pressing tickets, compliance over 30 days."""
    actor = current_actor()
    now = utcnow()
    overview = sla.overview(now=now, include_confidential=actor.is_security_cleared)
    return render_template(
        "console/sla.html", overview=overview, party_names=_party_names(),
        acknowledgements=handoffs.acknowledgement_stats(since=overview.since, now=now),
    )


@bp.get("/mail")
@require(can_review_mail)
def held_mail() -> ResponseReturnValue:
    """Mail held for review: from strangers, replies from someone other than the requester, forged
    reply addresses, replies to closed tickets and floods. Each may become a ticket, a note, or nothing."""
    items = mail.list_held()
    return render_template("console/mail.html", items=items, form=CsrfForm(),
                           linked={m.id: tickets.get_ticket(m.ticket_id).number
                                   for m in items if m.ticket_id})


@bp.post("/mail/<int:mail_id>/ticket")
@require(can_review_mail)
def release_mail_as_ticket(mail_id: int) -> ResponseReturnValue:
    """Open a ticket from a held mail for the staff member the agent names."""
    CsrfForm().validate_or_400()
    try:
        ticket = mail.release_as_ticket(mail_id, request.form.get("requester", ""), actor=current_actor(),
                                        now=utcnow(), settings=mail.settings_from(current_app.config))
    except ValidationFailed as exc:
        flash(str(next(iter(exc.fields.values()), exc.message)), "error")
        return redirect(url_for("console.held_mail"))
    flash(_("%(number)s として受け付けました。", number=ticket.number), "success")
    return redirect(url_for("console.ticket", number=ticket.number))


@bp.post("/mail/<int:mail_id>/note")
@require(can_review_mail)
def release_mail_as_note(mail_id: int) -> ResponseReturnValue:
    """Put a held mail on a ticket as an internal note."""
    CsrfForm().validate_or_400()
    number = request.form.get("number", "")
    try:
        mail.release_as_note(mail_id, number, actor=current_actor(), now=utcnow())
    except ValidationFailed as exc:
        flash(str(next(iter(exc.fields.values()), exc.message)), "error")
        return redirect(url_for("console.held_mail"))
    flash(_("%(number)s に内部メモとして追加しました。", number=number.strip().upper()), "success")
    return redirect(url_for("console.held_mail"))


@bp.post("/mail/<int:mail_id>/discard")
@require(can_review_mail)
def discard_mail(mail_id: int) -> ResponseReturnValue:
    """Decide a held mail needs nothing."""
    CsrfForm().validate_or_400()
    mail.discard(mail_id, actor=current_actor(), now=utcnow())
    flash(_("メールを破棄しました（記録は残ります）。"), "success")
    return redirect(url_for("console.held_mail"))


@bp.get("/tickets/<number>/attachments/<int:attachment_id>")
@require(can_use_console)
def attachment(number: str, attachment_id: int) -> ResponseReturnValue:
    """Download any file of a ticket the agent may see."""
    item = tickets.get_ticket_by_number_for(current_actor(), number)
    return download(tickets.get_attachment(item, attachment_id, public_only=False))


@bp.get("/phone")
@require(can_log_calls)
def phone() -> ResponseReturnValue:
    """Phone intake: find the caller, see their tickets, log the call."""
    query = (request.args.get("q") or "").strip()[:100]
    caller_id = request.args.get("caller", type=int)
    caller = account_queries.find_active_user(caller_id) if caller_id else None
    form = PhoneCallForm(formdata=None, caller_id=caller.id if caller else None,
                         started_at=utcnow().astimezone(TOKYO).replace(tzinfo=None, second=0, microsecond=0))
    return _phone_page(form, query=query, caller=caller)


@bp.get("/phone/callers")
@require(can_log_calls)
def phone_callers() -> ResponseReturnValue:
    """The caller search results alone, for the incremental search on the phone page."""
    query = (request.args.get("q") or "").strip()[:100]
    return render_template("console/_callers.html", query=query,
                           people=account_queries.search_people(query) if query else [])


@bp.post("/phone")
@require(can_log_calls)
def log_call() -> ResponseReturnValue:
    """Record the call as a new phone ticket or on one of the caller's tickets."""
    form = PhoneCallForm()
    caller = account_queries.find_active_user(form.caller_id.data) if form.caller_id.data else None
    _phone_choices(form, caller)
    if caller is None or not form.validate_on_submit():
        return _phone_page(form, caller=caller, status=422)
    minutes, seconds = (int(part) for part in form.duration.data.split(":"))
    started = form.started_at.data.replace(tzinfo=TOKYO).astimezone(UTC)
    call = calls.Call(direction=form.direction.data, started_at=started,
                      duration_seconds=minutes * 60 + seconds, summary=form.summary.data)
    new_ticket = None
    if form.target.data == "new":
        subject = form.subject.data or form.summary.data.strip().splitlines()[0][:80]
        new_ticket = ticket_services.NewTicket(
            type=TicketType(form.type.data), subject=subject, description=form.summary.data,
            impact=Impact(form.impact.data), urgency=Urgency(form.urgency.data),
            service_code=form.service.data or None,
        )
    try:
        item = calls.log_call(
            caller.id, call, actor=current_actor(), now=utcnow(), new_ticket=new_ticket,
            ticket_id=None if new_ticket else int(form.target.data),
            resolved_in_call=ResolutionCode(form.resolution_code.data) if form.resolved.data else None,
            resolution_summary=form.resolution_summary.data or "",
        )
    except ValidationFailed as exc:
        show_field_errors(form, exc)
        return _phone_page(form, caller=caller, status=422)
    flash(_("通話を %(number)s に記録しました。", number=item.number), "success")
    return redirect(url_for("console.ticket", number=item.number))


def _phone_page(form: PhoneCallForm, *, caller: Any = None, query: str = "",
                status: int = 200) -> ResponseReturnValue:
    _phone_choices(form, caller)
    return render_template(
        "console/phone.html", form=form, caller=caller, query=query,
        people=account_queries.search_people(query) if query else [],
        open_tickets=tickets.list_other_tickets_of(caller.id, actor=current_actor(), exclude_id=0, limit=10)
        if caller else [],
    ), status


def _phone_choices(form: PhoneCallForm, caller: Any) -> None:
    locale = select_locale()
    form.service.choices = [SelectChoice("", "—")] + [
        SelectChoice(s.code, s.display_name(locale)) for s in tickets.list_services()
    ]
    choices = [SelectChoice("new", _("新しいチケットとして記録"))]
    if caller is not None:
        theirs = tickets.list_other_tickets_of(caller.id, actor=current_actor(), exclude_id=0, limit=10)
        choices += [SelectChoice(str(t.id), f"{t.number} {t.subject}") for t in theirs if t.is_open]
    form.target.choices = choices


# --- handoffs -------------------------------------------------------------------------------


@bp.post("/tickets/<number>/handoffs")
@require(can_use_console)
def escalate(number: str) -> ResponseReturnValue:
    """Ask another party to take the ticket; the help desk stays responsible until it accepts."""
    actor = current_actor()
    item = tickets.get_workable_ticket_for(actor, number)
    form = EscalateForm()
    _escalate_choices(form, item)
    if not form.validate_on_submit():
        return _workspace(item, escalate_form=form, status=422)
    request_ = handoff_services.HandoffRequest(
        to_party_id=int(form.to_party.data), idempotency_key=form.idempotency_key.data,
        symptom=form.symptom.data, impact=form.impact.data or "", steps_taken=form.steps_taken.data or "",
        requester_contact=form.requester_contact.data or "",
        shared_message_ids=form.shared_messages.data or [],
        shared_attachment_ids=form.shared_attachments.data or [],
    )
    try:
        handoff = handoff_services.request_handoff(item.id, request_, actor=actor, now=utcnow())
    except ValidationFailed as exc:
        show_field_errors(form, exc, {"shared_messages": "shared_messages"})
        return _workspace(item, escalate_form=form, status=422)
    flash(_("%(party)s に引き継ぎを依頼しました。受領されるまで対応責任はヘルプデスクにあります。",
            party=handoff.to_party.display_name(select_locale())), "success")
    return redirect(url_for("console.ticket", number=item.number))


@bp.post("/tickets/<number>/party-notes")
@require(can_use_console)
def post_party_note(number: str) -> ResponseReturnValue:
    """Write to the party holding the ticket (or asked to take it); the requester never sees it."""
    actor = current_actor()
    item = tickets.get_workable_ticket_for(actor, number)
    form = PartyNoteForm()
    if not form.validate_on_submit():
        return _workspace(item, party_note_form=form, status=422)
    try:
        handoff_services.post_party_note(item.id, form.body.data, actor=actor, now=utcnow(),
                                         uploads=uploads_from(form.attachments.data),
                                         limits=attachment_limits())
    except ValidationFailed as exc:
        show_field_errors(form, exc)
        return _workspace(item, party_note_form=form, status=422)
    flash(_("事業者へ連絡しました。"), "success")
    return redirect(url_for("console.ticket", number=item.number))


@bp.post("/handoffs/<int:handoff_id>/withdraw")
@require(can_use_console)
def withdraw_handoff(handoff_id: int) -> ResponseReturnValue:
    """Take back a request the receiver has not answered."""
    actor = current_actor()
    handoff = handoffs.get_handoff_for(actor, handoff_id)
    form = WithdrawForm()
    if not form.validate_on_submit():
        return _workspace(handoff.ticket, status=422)
    handoff_services.withdraw_handoff(handoff.id, actor=actor, now=utcnow(), reason=form.reason.data or "")
    flash(_("引き継ぎ依頼を取り下げました。"), "success")
    return redirect(url_for("console.ticket", number=handoff.ticket.number))


@bp.post("/handoffs/<int:handoff_id>/accept")
@require(can_use_console)
def accept_handback(handoff_id: int) -> ResponseReturnValue:
    """The help desk takes a returned ticket back: from now it is responsible again."""
    actor = current_actor()
    handoff = handoffs.get_handoff_for(actor, handoff_id)
    if not AcceptForm().validate_on_submit():
        return _workspace(handoff.ticket, status=422)
    handoff_services.accept_handoff(handoff.id, actor=actor, now=utcnow())
    flash(_("返却を受領しました。対応責任はヘルプデスクに戻りました。"), "success")
    return redirect(url_for("console.ticket", number=handoff.ticket.number))


@bp.post("/handoffs/<int:handoff_id>/reject")
@require(can_use_console)
def reject_handback(handoff_id: int) -> ResponseReturnValue:
    """Refuse a handback (for example: the fault is not fixed); the returning party keeps it."""
    actor = current_actor()
    handoff = handoffs.get_handoff_for(actor, handoff_id)
    form = RejectForm()
    form.suggested_party.choices = party_choices(exclude=handoff.to_party_id)
    if not form.validate_on_submit():
        return _workspace(handoff.ticket, reject_form=form, status=422)
    suggested = int(form.suggested_party.data) if form.suggested_party.data else None
    try:
        handoff_services.reject_handoff(handoff.id, RejectReason(form.reason.data), form.text.data or "",
                                        suggested_party_id=suggested, actor=actor, now=utcnow())
    except ValidationFailed as exc:
        show_field_errors(form, exc, {"reason": "text"})
        return _workspace(handoff.ticket, reject_form=form, status=422)
    flash(_("返却を差し戻しました。対応責任は返却元に残ります。"), "success")
    return redirect(url_for("console.ticket", number=handoff.ticket.number))



def _escalate_choices(form: EscalateForm, item: Ticket) -> None:
    desk = ticket_services.helpdesk_party()
    form.to_party.choices = [c for c in party_choices(exclude=desk.id) if c.value]
    kinds = {"public_reply": _("公開返信"), "internal_note": _("内部メモ"), "phone_call": _("通話記録")}
    form.shared_messages.choices = [
        SelectChoice(m.id, f"{kinds.get(m.kind.value, '')} {jst(m.created_at)} — {m.body[:60]}")
        for m in tickets.list_messages(item.id, include_internal=True) if m.kind.value in kinds
    ]
    form.shared_attachments.choices = [
        SelectChoice(a.id, a.filename) for a in tickets.list_attachments(item.id, public_only=False)
    ]


def _escalate_form(item: Ticket) -> EscalateForm:
    """The form pre-filled from the ticket: the suggested party, the symptom, the requester's contact."""
    requester = item.requester
    contact = " / ".join(part for part in (requester.display_name, requester.extension and
                                           _("内線 %(n)s", n=requester.extension), requester.email) if part)
    suggested = handoffs.suggest_party(item)
    impact = {"person": _("個人"), "division": _("課・係"), "site": _("拠点全体"), "ministry": _("省全体")}
    form = EscalateForm(
        formdata=None, to_party=str(suggested.id) if suggested else "",
        symptom=f"{item.subject}\n{item.description}".strip(),
        impact=" / ".join(part for part in (
            impact[item.impact.value], item.site.display_name(select_locale()) if item.site else "",
            item.service.display_name(select_locale()) if item.service else "") if part),
        requester_contact=contact,
        shared_attachments=[a.id for a in tickets.list_attachments(item.id, public_only=True)],
    )
    _escalate_choices(form, item)
    return form


def _workspace(item: Ticket, *, status: int = 200, stale: list[Any] | None = None,
               **forms: Any) -> ResponseReturnValue:
    seen = tickets.newest_message_id(item.id)
    holder = tickets.holders([item.id]).get(item.id)
    reply_form = forms.get("public_reply_form") or MessageForm(prefix="public_reply", seen_up_to=seen)
    note_form = forms.get("internal_note_form") or MessageForm(prefix="internal_note", seen_up_to=seen)
    reply_form.seen_up_to.data = seen  # after a 409 the writer has now seen the newer messages
    assign_form = forms.get("assign_form") or AssignForm(assignee=str(item.assignee_id or ""))
    assign_form.assignee.choices = _assignee_choices()
    now = utcnow()
    clocks = sla.list_clocks(item.id, now=now)
    return render_template(
        "console/ticket.html", ticket=item,
        clocks=clocks, countdown=next((c for c in clocks if c.is_restoration_hour), None),
        party_names=_party_names(),
        restoration_form=forms.get("restoration_form") or RestorationForm(
            formdata=None, restored_at=now.astimezone(TOKYO).replace(second=0, microsecond=0, tzinfo=None)),
        timeline=tickets.timeline(item.id, include_internal=True),
        files=tickets.list_attachments(item.id, public_only=False),
        others=tickets.list_other_tickets_of(item.requester_id, actor=current_actor(), exclude_id=item.id),
        holder=holder,
        reply_form=reply_form, note_form=note_form, assign_form=assign_form,
        fields_form=forms.get("fields_form") or _fields_form(item),
        resolve_form=forms.get("resolve_form") or ResolveForm(),
        canned_responses=canned.list_responses(),
        related=relations.list_related(item.id), relate_form=CsrfForm(),
        merged_into=tickets.get_ticket(item.merged_into_id) if item.merged_into_id else None,
        status_form=StatusForm(), stale=stale or [],
        viewers=presence.list_viewers(item.id, now=utcnow(), exclude_user_id=current_actor().user_id),
        **_handoff_context(item, forms, holder),
        **_incident_context(item),
        presence_poll_ms=int(current_app.config["PRESENCE_POLL_SECONDS"] * 1000),
    ), status


def _incident_context(item: Ticket) -> dict[str, Any]:
    """The major incident the ticket belongs to, or those it could be linked to."""
    actor = current_actor()
    incident = incident_queries.incident_of_ticket(item)
    may_link = (incident is None and item.is_open and item.type is TicketType.FAULT
                and not item.is_confidential and incident_policy.can_coordinate(actor))
    form = LinkToIncidentForm(formdata=None)
    choices = incident_queries.active_choices() if may_link else []
    form.incident.choices = [SelectChoice(str(i.id), f"{i.ticket.number} {i.title}") for i in choices]
    return {"incident": incident, "incident_link_form": form if choices else None,
            "may_declare_incident": incident is None and item.is_open and not item.is_confidential
            and incident_policy.can_declare(actor)}


def _handoff_context(item: Ticket, forms: Mapping[str, Any], holder: Party | None) -> dict[str, Any]:
    """What the workspace shows about responsibility: the open handoff and what may be done with it."""
    actor = current_actor()
    ticket_handoffs = handoffs.list_ticket_handoffs(item.id)
    open_handoff = next((h for h in ticket_handoffs if h.state is HandoffState.REQUESTED), None)
    desk = ticket_services.helpdesk_party()
    may_escalate = (holder is not None and holder.id == desk.id and open_handoff is None and item.is_open
                    and policy.can_work_ticket(actor, item))
    reject_form = forms.get("reject_form") or RejectForm(formdata=None)
    is_handback = open_handoff is not None and open_handoff.kind is HandoffKind.HANDBACK
    if is_handback and not reject_form.suggested_party.choices:  # the form is shown only then
        reject_form.suggested_party.choices = party_choices(exclude=desk.id)
    return {
        "open_handoff": open_handoff, "handoffs": ticket_handoffs,
        "responsibility": handoffs.responsibility_timeline(item.id, now=utcnow()), "now": utcnow(),
        "escalate_form": forms.get("escalate_form") or (_escalate_form(item) if may_escalate else None),
        "withdraw_form": WithdrawForm(formdata=None), "accept_form": AcceptForm(formdata=None),
        "reject_form": reject_form, "is_desk_party": desk.id in actor.party_ids,
        "party_note_form": forms.get("party_note_form") or PartyNoteForm(formdata=None),
        "can_write_party": item.is_open and (
            (holder is not None and holder.id != desk.id)
            or (open_handoff is not None and open_handoff.to_party_id != desk.id)),
    }


def _party_names() -> dict[int, str]:
    """Active parties' names in the reader's language, by id (SLA clocks name parties by id)."""
    return {p.id: p.display_name(select_locale()) for p in account_queries.list_active_parties()}


def _queue_url(params: Mapping[str, str]) -> str:
    values: dict[str, Any] = {k: v for k, v in params.items() if v}
    return url_for("console.queue", **values)


def _filter_choices(form: QueueFilterForm, staff: Sequence[User]) -> None:
    locale = select_locale()
    form.service.choices = [SelectChoice("", _("すべて"))] + [
        SelectChoice(s.code, s.display_name(locale)) for s in tickets.list_services()
    ]
    form.site.choices = [SelectChoice("", _("すべて"))] + [
        SelectChoice(str(s.id), s.display_name(locale)) for s in tickets.list_sites()
    ]
    form.assignee.choices = [SelectChoice("", _("すべて"))] + [
        SelectChoice(str(u.id), u.display_name) for u in staff
    ]


def _assignee_choices() -> list[SelectChoice]:
    return [SelectChoice("", _("未割当"))] + [
        SelectChoice(str(u.id), u.display_name) for u in tickets.list_desk_staff()
    ]


def _fields_form(item: Ticket) -> FieldsForm:
    locale = select_locale()
    form = FieldsForm(
        type=item.type.value, impact=item.impact.value, urgency=item.urgency.value,
        priority=item.priority.value if item.is_priority_overridden else "auto",
        service=item.service.code if item.service else "",
        site=str(item.site_id or ""),
    )
    form.service.choices = [SelectChoice("", "—")] + [
        SelectChoice(s.code, s.display_name(locale)) for s in tickets.list_services()
    ]
    form.site.choices = [SelectChoice("", "—")] + [
        SelectChoice(str(s.id), s.display_name(locale)) for s in tickets.list_sites()
    ]
    return form

