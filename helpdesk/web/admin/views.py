"""Ministry administration: accounts, parties, SLA targets, the demarcation matrix, webhook endpoints."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from helpdesk.accounts import queries as account_queries
from helpdesk.accounts import services as accounts
from helpdesk.accounts.policy import can_administer
from helpdesk.core.errors import ValidationFailed
from helpdesk.core.time import utcnow
from helpdesk.handoff import demarcation as demarcation_rules
from helpdesk.handoff import parties as party_rules
from helpdesk.mail import delivery
from helpdesk.sla import calendar_settings
from helpdesk.sla import queries as sla_queries
from helpdesk.sla import services as sla
from helpdesk.sla.models import Metric, SlaPolicy
from helpdesk.tickets.states import OPEN_STATUSES, Priority, TicketStatus, TicketType
from helpdesk.web.admin.forms import ClosureForm, PartyForm, WebhookForm
from helpdesk.web.common.auth import current_actor, require
from helpdesk.web.common.forms import CsrfForm, show_field_errors
from helpdesk.webhooks import queries as webhook_queries
from helpdesk.webhooks import services as webhook_services

bp = Blueprint("admin", __name__, url_prefix="/admin")
PER_PAGE = 50


@bp.get("/users")
@require(can_administer)
def users() -> ResponseReturnValue:
    """Every account, by kana reading, with its state."""
    page = max(1, request.args.get("page", 1, type=int))
    rows = account_queries.list_users(offset=(page - 1) * PER_PAGE, limit=PER_PAGE)
    total = account_queries.count_users()
    return render_template("admin/users.html", users=rows, page=page,
                           pages=max(1, -(-total // PER_PAGE)), total=total, form=CsrfForm())


@bp.post("/users/<int:user_id>/deactivate")
@require(can_administer)
def deactivate(user_id: int) -> ResponseReturnValue:
    """Deactivate an account; its sessions end at once."""
    CsrfForm().validate_or_400()
    ended = accounts.deactivate_user(user_id, actor=current_actor(), now=utcnow())
    flash(_("アカウントを無効にしました（終了したセッション: %(n)d）。", n=ended), "success")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/reactivate")
@require(can_administer)
def reactivate(user_id: int) -> ResponseReturnValue:
    """Let a deactivated account sign in again."""
    CsrfForm().validate_or_400()
    accounts.reactivate_user(user_id, actor=current_actor(), now=utcnow())
    flash(_("アカウントを有効にしました。"), "success")
    return redirect(url_for("admin.users"))


# --- webhooks -------------------------------------------------------------------------------


@bp.get("/webhooks")
@require(can_administer)
def webhooks() -> ResponseReturnValue:
    """Each party's endpoint and the newest deliveries, with replay."""
    return _webhooks_page()


@bp.post("/webhooks/<int:party_id>")
@require(can_administer)
def save_webhook(party_id: int) -> ResponseReturnValue:
    """Set a party's endpoint; a new or rotated secret is shown once, here."""
    form = WebhookForm(prefix=f"party-{party_id}")
    if not form.validate_on_submit():
        return _webhooks_page(forms={party_id: form}, status=422)
    try:
        _endpoint, secret = webhook_services.save_endpoint(
            party_id, form.url.data, actor=current_actor(), now=utcnow(),
            settings=webhook_services.settings_from(current_app.config), rotate_secret=bool(form.rotate.data),
        )
    except ValidationFailed as exc:
        show_field_errors(form, exc)
        return _webhooks_page(forms={party_id: form}, status=422)
    if secret:
        flash(_("署名用シークレット（この画面でのみ表示します）: %(secret)s", secret=secret), "success")
    else:
        flash(_("送信先を保存しました。"), "success")
    return redirect(url_for("admin.webhooks"))


@bp.post("/webhooks/deliveries/<int:delivery_id>/replay")
@require(can_administer)
def replay_webhook(delivery_id: int) -> ResponseReturnValue:
    """Send a delivery again with the same webhook-id; the next sweep delivers it."""
    CsrfForm().validate_or_400()
    webhook_services.replay(delivery_id, actor=current_actor(), now=utcnow())
    flash(_("再送を予約しました。30秒以内に送信されます。"), "success")
    return redirect(url_for("admin.webhooks"))


def _webhooks_page(*, forms: dict[int, WebhookForm] | None = None, status: int = 200) -> ResponseReturnValue:
    rows = []
    for party, endpoint in webhook_queries.list_parties_with_endpoints():
        form = (forms or {}).get(party.id) or WebhookForm(formdata=None, prefix=f"party-{party.id}",
                                                          url=endpoint.url if endpoint else "")
        rows.append((party, endpoint, form))
    return render_template("admin/webhooks.html", rows=rows, deliveries=webhook_queries.list_deliveries(),
                           replay_form=CsrfForm()), status


# --- demarcation matrix ---------------------------------------------------------------------


@bp.get("/demarcation")
@require(can_administer)
def demarcation() -> ResponseReturnValue:
    """The demarcation matrix: who handles each service × ticket type, and first-line resolution."""
    return _demarcation_page()


@bp.post("/demarcation/row")
@require(can_administer)
def set_demarcation_row() -> ResponseReturnValue:
    """Set one cell of the matrix (no party removes it)."""
    CsrfForm().validate_or_400()
    row = demarcation_rules.Row(service=request.form.get("service", ""),
                                ticket_type=request.form.get("ticket_type", ""),
                                party=request.form.get("party", ""),
                                first_line_allowed=request.form.get("first_line_allowed") == "1",
                                note=request.form.get("note", "")[:1000])
    demarcation_rules.set_row(row, actor=current_actor(), now=utcnow())
    flash(_("責任分界表を更新しました。"), "success")
    return redirect(url_for("admin.demarcation"))


@bp.get("/demarcation.csv")
@require(can_administer)
def demarcation_csv() -> ResponseReturnValue:
    """The matrix as a CSV file for the contract documents (UTF-8 with BOM for Excel)."""
    response = make_response(demarcation_rules.export_csv())
    response.mimetype = "text/csv"
    response.headers["Content-Disposition"] = "attachment; filename*=UTF-8''demarcation.csv"
    return response


@bp.post("/demarcation/import")
@require(can_administer)
def import_demarcation() -> ResponseReturnValue:
    """Replace the matrix from a CSV file: every row or none, with the line of each error."""
    CsrfForm().validate_or_400()
    upload = request.files.get("file")
    raw = upload.read() if upload else b""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp932", errors="replace")
    try:
        count = demarcation_rules.replace_matrix(demarcation_rules.parse_csv(text), actor=current_actor(),
                                                 now=utcnow())
    except ValidationFailed as exc:
        return _demarcation_page(import_error=exc, status=422)
    flash(_("責任分界表を取り込みました（%(n)d行）。", n=count), "success")
    return redirect(url_for("admin.demarcation"))


def _demarcation_page(*, import_error: ValidationFailed | None = None,
                      status: int = 200) -> ResponseReturnValue:
    return render_template("admin/demarcation.html", matrix=demarcation_rules.list_matrix(),
                           parties=account_queries.list_active_parties(), form=CsrfForm(),
                           import_error=import_error), status


# --- parties --------------------------------------------------------------------------------


@bp.get("/parties")
@require(can_administer)
def parties() -> ResponseReturnValue:
    """Every party: names, calendar, acknowledgement targets per priority, members."""
    return _parties_page()


@bp.post("/parties/<int:party_id>")
@require(can_administer)
def update_party(party_id: int) -> ResponseReturnValue:
    """Save a party's settings and targets (targets apply to handoffs requested from now on)."""
    form = PartyForm(prefix=f"party-{party_id}")
    form.calendar.choices = _calendar_choices()
    if not form.validate_on_submit():
        return _parties_page(forms={party_id: form}, status=422)
    settings = party_rules.PartySettings(
        name_ja=form.name_ja.data, name_en=form.name_en.data or "",
        contact_email=form.contact_email.data or "",
        calendar_id=int(form.calendar.data) if form.calendar.data else None,
        is_active=bool(form.is_active.data),
        ack_minutes={priority: getattr(form, f"ack_{priority.value.lower()}").data for priority in Priority},
        hold_minutes={priority: getattr(form, f"hold_{priority.value.lower()}").data
                      for priority in Priority},
    )
    try:
        party_rules.update_party(party_id, settings, actor=current_actor(), now=utcnow())
    except ValidationFailed as exc:
        show_field_errors(form, exc)
        return _parties_page(forms={party_id: form}, status=422)
    flash(_("事業者の設定を保存しました。"), "success")
    return redirect(url_for("admin.parties"))


@bp.post("/parties/<int:party_id>/members")
@require(can_administer)
def add_party_member(party_id: int) -> ResponseReturnValue:
    """Add a person to a party, or change whether they lead it (leads receive overdue alerts)."""
    CsrfForm().validate_or_400()
    try:
        party_rules.add_member(party_id, request.form.get("email", ""),
                               is_lead=request.form.get("is_lead") == "1", actor=current_actor(),
                               now=utcnow())
    except ValidationFailed as exc:
        flash(str(exc.fields.get("email", exc.message)), "error")
        return redirect(url_for("admin.parties"))
    flash(_("所属を保存しました。"), "success")
    return redirect(url_for("admin.parties"))


@bp.post("/parties/<int:party_id>/members/<int:user_id>/remove")
@require(can_administer)
def remove_party_member(party_id: int, user_id: int) -> ResponseReturnValue:
    """End a person's membership of a party."""
    CsrfForm().validate_or_400()
    party_rules.remove_member(party_id, user_id, actor=current_actor(), now=utcnow())
    flash(_("所属を解除しました。"), "success")
    return redirect(url_for("admin.parties"))


def _calendar_choices() -> list[tuple[str, str]]:
    return [("", _("（未設定）"))] + [(str(c.id), c.name) for c in party_rules.list_calendars()]


def _parties_page(*, forms: dict[int, PartyForm] | None = None, status: int = 200) -> ResponseReturnValue:
    rows = []
    for overview in party_rules.list_overview():
        party = overview.party
        form = (forms or {}).get(party.id) or PartyForm(
            formdata=None, prefix=f"party-{party.id}", name_ja=party.name_ja, name_en=party.name_en,
            contact_email=party.contact_email or "", calendar=str(party.calendar_id or ""),
            is_active=party.is_active,
            **{f"ack_{p.value.lower()}": overview.ack_minutes.get(p) for p in Priority},
            **{f"hold_{p.value.lower()}": overview.hold_minutes.get(p) for p in Priority},
        )
        form.calendar.choices = _calendar_choices()
        rows.append((overview, form))
    return render_template("admin/parties.html", rows=rows, form=CsrfForm()), status


@bp.route("/sla", methods=["GET", "POST"])
@require(can_administer)
def sla_policy() -> ResponseReturnValue:
    """The SLA targets per type and priority; saving publishes a new version for new clocks.

    Running clocks keep the version they started with, so a change never moves a deadline
    someone is already working to.
    """
    if request.method == "GET":
        return _sla_page(_policy_values(sla_queries.find_current_policy()), {})
    CsrfForm().validate_or_400()
    values = {key: request.form.get(key, "").strip() for key in request.form if key != "csrf_token"}
    draft, errors = _policy_draft(values)
    if errors:  # show the policy's own objections beside the unreadable fields, not one round later
        errors |= {k: str(v) for k, v in sla.check_policy(draft).items() if k not in errors}
    else:
        try:
            published = sla.publish_policy(draft, actor=current_actor(), now=utcnow())
        except ValidationFailed as exc:
            errors = {k: str(v) for k, v in exc.fields.items()}
        else:
            flash(_("SLA目標の第%(n)d版を公開しました。これから始まる計測に適用されます。",
                    n=published.version), "success")
            return redirect(url_for("admin.sla_policy"))
    return _sla_page(values, errors, status=422)


def _target_rows() -> list[tuple[TicketType, Priority, tuple[Metric, Metric]]]:
    return [(t, p, (Metric.FIRST_RESPONSE, sla.fix_metric(t))) for t in TicketType for p in Priority]


def _policy_values(policy: SlaPolicy | None) -> dict[str, str]:
    """The form's values from a stored policy (an empty form without one)."""
    values: dict[str, str] = {"warning_percent": "75", "pause-pending": "1"}
    if policy is None:
        return values
    for target in policy.targets:
        key = f"{target.ticket_type.value}-{target.priority.value}-{target.metric.value}"
        values[f"{key}-minutes"], values[f"{key}-calendar"] = str(target.minutes), str(target.calendar_id)
    values["warning_percent"] = str(policy.warning_percent)
    values.pop("pause-pending")
    for status in policy.pause_statuses:
        values[f"pause-{status}"] = "1"
    return values


def _policy_draft(values: dict[str, str]) -> tuple[sla.PolicyDraft, dict[str, str]]:
    errors: dict[str, str] = {}
    targets: list[sla.TargetDraft] = []
    for ticket_type, priority, metrics in _target_rows():
        for metric in metrics:
            key = f"{ticket_type.value}-{priority.value}-{metric.value}"
            minutes, calendar = values.get(f"{key}-minutes", ""), values.get(f"{key}-calendar", "")
            if not minutes.isdigit() or not calendar.isdigit():
                errors[key] = _("分数（整数）とカレンダーを指定してください。")
                continue
            targets.append(sla.TargetDraft(ticket_type, priority, metric, int(minutes), int(calendar)))
    percent = values.get("warning_percent", "")
    if not percent.isdigit():
        errors["warning_percent"] = _("1〜99の数で入力してください。")
    pauses = [status for status in OPEN_STATUSES if values.get(f"pause-{status.value}") == "1"]
    return sla.PolicyDraft(targets=targets, warning_percent=int(percent) if percent.isdigit() else 0,
                           pause_statuses=pauses, note=values.get("note", "")), errors


def _sla_page(values: dict[str, str], errors: dict[str, str], *, status: int = 200) -> ResponseReturnValue:
    return render_template(
        "admin/sla.html", values=values, errors=errors, rows=_target_rows(),
        calendars=sla_queries.list_calendars(), policies=sla_queries.list_policies(),
        pause_choices=[TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING],
        form=CsrfForm(),
    ), status


@bp.get("/calendars")
@require(can_administer)
def calendars() -> ResponseReturnValue:
    """Business calendars: weekly opening hours, and the closures (year-end, ad hoc) that stop the clocks."""
    return _calendars_page()


@bp.post("/calendars/<int:calendar_id>/hours")
@require(can_administer)
def set_calendar_hours(calendar_id: int) -> ResponseReturnValue:
    """Replace a calendar's weekly hours; its running clocks are recomputed in the background."""
    CsrfForm().validate_or_400()
    texts = {day: request.form.get(f"hours-{day}", "") for day in calendar_settings.WEEKDAYS}
    try:
        calendar_settings.set_hours(calendar_id, texts, actor=current_actor(), now=utcnow())
    except ValidationFailed as exc:
        return _calendars_page(hours_errors={calendar_id: {k: str(v) for k, v in exc.fields.items()}},
                               hours_values={calendar_id: texts}, status=422)
    flash(_("営業時間を保存しました。計測中の期限は順次再計算されます。"), "success")
    return redirect(url_for("admin.calendars"))


@bp.post("/closures")
@require(can_administer)
def add_closure() -> ResponseReturnValue:
    """Close one calendar, or every calendar, on a span of days."""
    CsrfForm().validate_or_400()
    form = ClosureForm()
    form.calendar.choices = _closure_calendar_choices()
    if not form.validate():
        return _calendars_page(closure_form=form, status=422)
    try:
        calendar_settings.add_closure(
            int(form.calendar.data) if form.calendar.data else None, form.first_day.data, form.last_day.data,
            form.reason.data or "", is_annual=bool(form.is_annual.data), actor=current_actor(), now=utcnow())
    except ValidationFailed as exc:
        show_field_errors(form, exc)
        return _calendars_page(closure_form=form, status=422)
    flash(_("休業日を追加しました。計測中の期限は順次再計算されます。"), "success")
    return redirect(url_for("admin.calendars"))


@bp.post("/closures/<int:closure_id>/delete")
@require(can_administer)
def remove_closure(closure_id: int) -> ResponseReturnValue:
    """Reopen the days of a closure."""
    CsrfForm().validate_or_400()
    calendar_settings.remove_closure(closure_id, actor=current_actor(), now=utcnow())
    flash(_("休業日を削除しました。"), "success")
    return redirect(url_for("admin.calendars"))


def _closure_calendar_choices() -> list[tuple[str, str]]:
    return [("", _("すべてのカレンダー"))] + [(str(c.id), c.name) for c in sla_queries.list_calendars()]


def _calendars_page(*, hours_errors: dict[int, dict[str, str]] | None = None,
                    hours_values: dict[int, dict[int, str]] | None = None,
                    closure_form: ClosureForm | None = None, status: int = 200) -> ResponseReturnValue:
    form = closure_form or ClosureForm(formdata=None)
    form.calendar.choices = _closure_calendar_choices()
    return render_template(
        "admin/calendars.html", overviews=calendar_settings.list_overview(),
        global_closures=calendar_settings.list_global_closures(), hours_errors=hours_errors or {},
        hours_values=hours_values or {}, closure_form=form, form=CsrfForm(),
    ), status


@bp.get("/mail")
@require(can_administer)
def outbound_mail() -> ResponseReturnValue:
    """Outbound mail, newest first: with no SMTP server set, this is where the local catcher keeps it."""
    return render_template("admin/mail.html", items=delivery.list_outbound(),
                           catching=not current_app.config.get("MAIL_SMTP_HOST"))
