"""The clerk pages (Sachbearbeitung): login, inbox, case page and its actions.

Thin: every case comes through `cases.selectors.access_case_for_clerk` (404 for anything
the user may not see), writes go through `cases.workflow`, and every view of a case or of
one of its files is audit-logged before anything is sent.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from forms_engine.cases import selectors
from forms_engine.cases.deliveries import case_delivery_facts, delivery_events_poll
from forms_engine.cases.models import Case, CaseDocument, CaseMessage
from forms_engine.cases.postbox import (
    PostboxRefused,
    message_mark_read,
    message_send_to_citizen,
    messages_for_clerk,
    unread_answer_case_ids,
)
from forms_engine.cases.workflow import (
    AssignRefused,
    NoteRefused,
    TransitionRefused,
    WorkflowRefused,
    allowed_transitions,
    case_assign,
    case_note_add,
    case_transition,
)
from forms_engine.core.audit import audit_log, audit_trail
from forms_engine.core.staff_auth import (
    confirmed_totp_device,
    pending_staff_user,
    second_factor_required,
    second_factor_verify,
    sign_in_completed,
    sign_in_locked,
    totp_device_for_enrollment,
    totp_qr_data_uri,
    totp_secret_text,
)

from .forms import AssignForm, InboxFilterForm, MessageForm, NoteForm, TransitionForm
from .presenters import (
    answer_sections_for,
    audit_rows,
    identity_rows,
    message_rows,
    payment_rows,
    status_rows,
    transition_buttons,
)

LOGIN_URL = reverse_lazy("clerk:login")


def clerk_login_required(view):
    return login_required(never_cache(view), login_url=LOGIN_URL)


class ClerkLoginView(auth_views.LoginView):
    """The one staff sign-in page (clerks and admin): password first, then the code step."""

    template_name = "clerk/login.html"
    redirect_authenticated_user = True

    def dispatch(self, request, *args, **kwargs):
        if pending_staff_user(request) is not None:
            return redirect(_with_next(reverse("clerk:login-code"), _next_url(request)))
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        if second_factor_required():
            return redirect(_with_next(reverse("clerk:login-code"), self.get_redirect_url()))
        sign_in_completed(request=self.request, user=form.get_user())
        return response

    def get_default_redirect_url(self):
        return reverse("clerk:inbox")


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _with_next(url: str, target: str) -> str:
    return f"{url}?{urlencode({'next': target})}" if target else url


@never_cache
@require_http_methods(["GET", "POST"])
def login_code(request):
    """Second step of the staff sign-in: the code from the authenticator app.

    A user without a confirmed device sets one up here (QR code) and confirms it with its
    first code. Only reachable between the password and the code.
    """
    user = pending_staff_user(request)
    target = _next_url(request)
    if user is None:
        if request.user.is_authenticated:
            return redirect(target or reverse("clerk:inbox"))
        return redirect(_with_next(reverse("clerk:login"), target))
    if sign_in_locked(request=request, user=user):
        return login_locked_out(request)
    device = confirmed_totp_device(user=user)
    enrolling = device is None
    if enrolling:
        device = totp_device_for_enrollment(user=user)
    error = ""
    if request.method == "POST":
        check = second_factor_verify(request=request, device=device, code=request.POST.get("code"))
        if check.ok:
            return redirect(target or reverse("clerk:inbox"))
        if check.retry_after is not None:
            error = _(
                "Zu viele falsche Codes. Bitte warten Sie einen Moment und geben Sie dann "
                "den aktuellen Code ein."
            )
        else:
            error = _(
                "Der Code stimmt nicht. Bitte geben Sie den aktuellen Code aus Ihrer App ein."
            )
    context = {"enrolling": enrolling, "error": error, "next": target, "pending_user": user}
    if enrolling:
        context["qr_data_uri"] = totp_qr_data_uri(device)
        context["secret"] = totp_secret_text(device)
    return render(request, "clerk/login_code.html", context)


def login_locked_out(request, original_response=None, credentials=None):
    """django-axes' lockout answer (AXES_LOCKOUT_CALLABLE): the sign-in page, explained, 429."""
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    return render(
        request,
        "clerk/login.html",
        {"form": AuthenticationForm(request), "locked_out": True, "minutes": minutes, "next": ""},
        status=429,
    )


class PasswordSetView(auth_views.PasswordResetConfirmView):
    """The link a municipality administrator sends a clerk ("Link zum Setzen des Passworts
    senden", `core.staff_auth.staff_password_link_send`): set a new password once."""

    success_url = reverse_lazy("clerk:password-set-done")


class PasswordSetDoneView(auth_views.PasswordResetCompleteView):
    pass


class ClerkLogoutView(auth_views.LogoutView):
    next_page = LOGIN_URL


def _refusal_text(exc: WorkflowRefused | PostboxRefused) -> str:
    return exc.message if (get_language() or "de").startswith("de") else exc.message_en


@clerk_login_required
@require_GET
def inbox(request):
    processes = selectors.inbox_processes(request.user)
    form = InboxFilterForm(request.GET or None, processes=processes)
    filters = form.filters() if request.GET else {}
    try:
        number = int(request.GET.get("seite", "1"))
    except ValueError:
        number = 1
    page = selectors.inbox_page(selectors.inbox_cases(request.user, **filters), number=number)
    # Two small queries for the page's rows only: unread answers and payment status.
    ids = [case.pk for case in page.cases]
    unread = unread_answer_case_ids(ids)
    payments = dict(Case.objects.filter(pk__in=ids).values_list("pk", "payment_status"))
    labels = dict(Case._meta.get_field("payment_status").choices)
    for case in page.cases:
        case.unread_answers = case.pk in unread
        status = payments.get(case.pk, "")
        case.payment_code = status
        case.payment_label = labels.get(status, status) if status != "not_required" else ""
    query = {k: v for k, v in request.GET.items() if k != "seite" and v}
    return render(
        request,
        "clerk/inbox.html",
        {
            "form": form,
            "page": page,
            "filtered": bool(filters),
            "is_clerk": selectors.is_clerk(request.user),
            "query": urlencode(query),
            "errors": [(f"f-{name}", e) for name, errs in form.errors.items() for e in errs]
            if form.is_bound
            else [],
        },
    )


@clerk_login_required
@require_GET
def case_detail(request, case_id):
    case = selectors.access_case_for_clerk(request.user, case_id)
    audit_log(actor=request.user, action="case.viewed", case_id=case.pk)
    detail = selectors.case_detail(case)
    lang = (get_language() or "de")[:2]
    thread = message_rows(messages_for_clerk(case))
    # Shown now, so read now (the rows above still mark them "neu" this once).
    message_mark_read(case=case, direction=CaseMessage.Direction.FROM_CITIZEN, reader=request.user)
    application_uploads = [u for u in detail.uploads if u.message_id is None]
    return render(
        request,
        "clerk/case_detail.html",
        {
            "case": case,
            "detail": detail,
            "application_uploads": application_uploads,
            "thread": thread,
            "can_message": case.status not in (Case.Status.APPROVED, Case.Status.REJECTED),
            "identity": identity_rows(case),
            "payment": payment_rows(case),
            "sections": answer_sections_for(case, lang, detail.uploads),
            "transitions": transition_buttons(allowed_transitions(case.status)),
            "history": status_rows(detail.status_changes),
            "audit": audit_rows(audit_trail(case.pk)),
            "deliveries": case_delivery_facts(case),
        },
    )


def _attachment_headers(response) -> HttpResponse:
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _document_response(document, file_name: str) -> FileResponse:
    """A stored case PDF streamed from its storage: an attachment, never sniffed or cached.

    Raises `Http404` when the storage has no such file."""
    from forms_engine.cases.casefile import document_stream

    try:
        handle = document_stream(document)
    except OSError:
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=True, filename=file_name, content_type="application/pdf"
    )
    return _attachment_headers(response)


@clerk_login_required
@require_GET
def casefile_download(request, case_id):
    case = selectors.access_case_for_clerk(request.user, case_id)
    document = selectors.case_casefile(case)
    if document is None:
        raise Http404
    response = _document_response(document, document.file_name or f"{case.reference}.pdf")
    audit_log(
        actor=request.user,
        action="casefile.downloaded",
        case_id=case.pk,
        data={"document_id": document.pk, "sha256": document.sha256},
    )
    return response


@clerk_login_required
@require_GET
def upload_download(request, case_id, upload_id):
    case = selectors.access_case_for_clerk(request.user, case_id)
    upload = selectors.case_upload(case, upload_id)
    from forms_engine.citizen.uploads import file_name_for_type, upload_open

    try:
        handle = upload_open(upload)
    except OSError:
        raise Http404 from None
    audit_log(
        actor=request.user,
        action="upload.downloaded",
        case_id=case.pk,
        data={"upload_id": str(upload.pk), "sha256": upload.sha256},
    )
    # Always an attachment, named with the extension of the sniffed type and served as that
    # type only (nosniff): a file never reaches the clerk under the name the client chose.
    # Streamed from the storage (a shared volume or a bucket), never from a public URL.
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=file_name_for_type(upload.original_name, upload.media_type),
        content_type=upload.media_type or "application/octet-stream",
    )
    return _attachment_headers(response)


def _back(case) -> HttpResponse:
    return redirect("clerk:case", case_id=case.pk)


@clerk_login_required
@require_POST
def case_transition_view(request, case_id):
    case = selectors.access_case_for_clerk(request.user, case_id)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Dieser Statuswechsel ist nicht möglich."))
        return _back(case)
    try:
        change = case_transition(
            case=case,
            to_status=form.cleaned_data["to_status"],
            by=request.user,
            message=form.cleaned_data["message"],
        )
    except TransitionRefused as exc:
        messages.error(request, _refusal_text(exc))
    else:
        messages.success(
            request,
            _("Der Status ist jetzt „%(status)s“.")
            % {"status": Case.Status(change.to_status).label},
        )
    return _back(case)


@clerk_login_required
@require_POST
def case_delivery_refresh_view(request, case_id):
    """ "Zustellstatus aktualisieren": read the recipient's event log of this case now."""
    case = selectors.access_case_for_clerk(request.user, case_id)
    result = None
    for delivery in case_delivery_facts(case):
        if delivery["status"] == "delivered" and not delivery["outcome"]:
            result = delivery_events_poll(delivery_id=delivery["delivery_id"])
    if result is not None and result.errors:
        messages.error(
            request,
            _("Der Zustellstatus konnte gerade nicht abgefragt werden. Bitte später erneut."),
        )
    else:
        messages.success(request, _("Der Zustellstatus ist aktuell."))
    return redirect(reverse("clerk:case", kwargs={"case_id": case.pk}) + "#zustellung")


@clerk_login_required
@require_POST
def case_assign_view(request, case_id):
    case = selectors.access_case_for_clerk(request.user, case_id)
    form = AssignForm(request.POST)
    value = form.cleaned_data["assignee"] if form.is_valid() else None
    if value is None:
        messages.error(request, _("Bitte wählen Sie eine Person aus."))
        return _back(case)
    if value == "me":
        assignee = request.user
    elif value == "":
        assignee = None
    else:
        assignee = get_user_model().objects.filter(pk=value).first() if value.isdigit() else None
        if assignee is None:
            messages.error(request, _("Bitte wählen Sie eine Person aus."))
            return _back(case)
    try:
        case_assign(case=case, assignee=assignee, by=request.user)
    except AssignRefused as exc:
        messages.error(request, _refusal_text(exc))
    else:
        if assignee is None:
            messages.success(request, _("Der Antrag ist niemandem mehr zugewiesen."))
        else:
            messages.success(
                request,
                _("Der Antrag ist %(name)s zugewiesen.")
                % {"name": assignee.get_full_name() or assignee.get_username()},
            )
    return _back(case)


@clerk_login_required
@require_POST
def case_note_view(request, case_id):
    case = selectors.access_case_for_clerk(request.user, case_id)
    form = NoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Bitte geben Sie einen Text ein."))
        return _back(case)
    try:
        case_note_add(case=case, author=request.user, text=form.cleaned_data["text"])
    except NoteRefused as exc:
        messages.error(request, _refusal_text(exc))
    else:
        messages.success(request, _("Die Notiz ist gespeichert."))
    return redirect(reverse("clerk:case", kwargs={"case_id": case.pk}) + "#notizen")


@clerk_login_required
@require_GET
def supplement_download(request, case_id, document_id):
    case = selectors.access_case_for_clerk(request.user, case_id)
    document = CaseDocument.objects.filter(
        case=case, pk=document_id, kind=CaseDocument.Kind.SUPPLEMENT
    ).first()
    if document is None:
        raise Http404
    response = _document_response(document, document.file_name)
    audit_log(
        actor=request.user,
        action="supplement.downloaded",
        case_id=case.pk,
        data={"document_id": document.pk, "sha256": document.sha256},
    )
    return response


@clerk_login_required
@require_POST
def case_message_view(request, case_id):
    case = selectors.access_case_for_clerk(request.user, case_id)
    form = MessageForm(request.POST)
    target = reverse("clerk:case", kwargs={"case_id": case.pk}) + "#postfach"
    if not form.is_valid():
        messages.error(request, _("Bitte geben Sie eine Nachricht ein."))
        return redirect(target)
    try:
        message_send_to_citizen(
            case=case,
            author=request.user,
            subject=form.cleaned_data["subject"],
            body=form.cleaned_data["body"],
            requests_documents=form.cleaned_data["requests_documents"],
        )
    except PostboxRefused as exc:
        messages.error(request, _refusal_text(exc))
    else:
        messages.success(
            request,
            _("Die Nachricht ist gesendet. Der Antrag wartet auf die Antwort (Rückfrage)."),
        )
    return redirect(target)
