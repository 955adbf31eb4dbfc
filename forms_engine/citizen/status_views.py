"""The citizen's status page `/status/<token>/`: reference, process, history and the postbox.

Nothing internal (no notes, no answers). The postbox shows the messages of THIS case only;
to-citizen messages are marked read when the page shows them. A POST answers an open
question (text and files, multipart, no JavaScript needed) through
`cases.postbox.message_reply_from_citizen`, then redirects back (POST-redirect-GET) with a
confirmation. `?antworten=<message id>` picks which open question the form answers; a
message of another case is 404, exactly like a wrong token.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.decorators.http import require_http_methods

from forms_engine.cases.deliveries import case_delivery_facts
from forms_engine.cases.models import Case, CaseMessage
from forms_engine.cases.postbox import (
    BODY_MAX,
    REPLY_MAX_FILES,
    PostboxRefused,
    message_mark_read,
    message_of_case,
    message_reply_from_citizen,
    messages_for_citizen,
    open_questions,
)
from forms_engine.cases.status import case_for_status_token, case_status_history, case_status_url
from forms_engine.catalog.selectors import bound_definition
from forms_engine.core.formatting import i18n

from .uploads import StreamLimits, UploadRejected, stream_limits, upload_limit, upload_refusal

SENT_FLAG = "antwort"


def _lang() -> str:
    lang = (get_language() or "de")[:2]
    return lang if lang in ("de", "en") else "de"


def _reply_stream_limits(request, token):
    """While an answer streams in: each of the `files` at most the reply limit, no more of
    them than a reply takes; files under any other form field name are skipped unread."""
    from forms_engine.cases.postbox import REPLY_UPLOAD_SPEC

    per_file = upload_limit(REPLY_UPLOAD_SPEC)
    return StreamLimits(
        file_limit=lambda name: per_file if name == "files" else None,
        request_bytes=REPLY_MAX_FILES * per_file + BODY_MAX * 4 + 64 * 1024,
    )


@stream_limits(_reply_stream_limits)
@require_http_methods(["GET", "HEAD", "POST"])
def status(request, token: str):
    case = case_for_status_token(token)
    if case is None:
        raise Http404
    errors: list[tuple[str, str]] = []
    form = {"body": "", "in_reply_to": None}
    if request.method == "POST":
        question = message_of_case(
            case, request.POST.get("in_reply_to"), direction=CaseMessage.Direction.TO_CITIZEN
        )
        body = request.POST.get("body", "")
        refused = upload_refusal(request)
        try:
            if refused is not None:
                raise refused  # the body was cut off at a file over the limit: nothing is kept
            message_reply_from_citizen(
                case=case,
                in_reply_to=question,
                body=body,
                files=request.FILES.getlist("files"),
            )
        except (PostboxRefused, UploadRejected) as exc:
            text = exc.message if _lang() == "de" else exc.message_en
            anchor = "f-reply-files" if isinstance(exc, UploadRejected) else "f-reply-body"
            if getattr(exc, "code", "") in ("answered", "closed"):
                anchor = ""
            errors.append((anchor, text))
            form = {"body": body, "in_reply_to": question.pk, "error_on": anchor}
        else:
            return _private(redirect(f"{case_status_url(case)}?{SENT_FLAG}=gesendet#postfach"))
    response = render(request, "citizen/status.html", _context(request, case, form, errors))
    if errors:
        response.status_code = 413 if upload_refusal(request) is not None else 400
    return _private(response)


def _context(request, case: Case, form: dict, errors: list) -> dict:
    lang = _lang()
    history = [
        {
            "label": _label(change.to_status),
            "changed_at": change.changed_at,
            "message": change.message,
        }
        for change in reversed(case_status_history(case))
    ]
    questions = open_questions(case)
    chosen = form.get("in_reply_to") or request.GET.get("antworten")
    answering = None
    if chosen:
        selected = message_of_case(case, chosen, direction=CaseMessage.Direction.TO_CITIZEN)
        answering = next((q for q in questions if q.pk == selected.pk), None)
    if answering is None and questions:
        answering = questions[-1]
    thread = [
        {
            "id": m.pk,
            "incoming": m.direction == CaseMessage.Direction.TO_CITIZEN,
            "new": m.direction == CaseMessage.Direction.TO_CITIZEN and m.read_at is None,
            "at": m.created_at,
            "subject": m.subject,
            "body": m.body,
            "requests_documents": m.requests_documents,
            "open": any(q.pk == m.pk for q in questions),
            "answering": answering is not None and m.pk == answering.pk,
            "uploads": list(m.uploads.all()),
        }
        for m in messages_for_citizen(case)
    ]
    if request.method == "GET":
        message_mark_read(case=case, direction=CaseMessage.Direction.TO_CITIZEN)
    return {
        "case": case,
        "process_title": i18n(
            bound_definition(case.process_version, case.parameter_values).title, lang
        ),
        "current": _label(case.status),
        "history": history,
        "site_name": case.municipality.name,
        "thread": thread,
        "answering": answering,
        "form": form,
        "errors": errors,
        "sent": request.GET.get(SENT_FLAG) == "gesendet" and not errors,
        "body_max": BODY_MAX,
        "max_files": REPLY_MAX_FILES,
        "status_url": case_status_url(case),
        "delivery": _delivery_fact(case),
    }


def _delivery_fact(case: Case) -> dict | None:
    """The recipient's answer to a remote delivery (FIT-Connect), when there is one."""
    for fact in case_delivery_facts(case):
        if fact["outcome"]:
            return {
                "outcome": fact["outcome"],
                "at": fact["outcome_at"],
                "problems": fact["problems"],
            }
    return None


def _private(response):
    # The token is the only key to this page: keep it out of caches, indexes and the
    # referrers sent to other sites. Not "no-referrer": with it browsers send `Origin: null`
    # on the answer form's POST, which Django's CSRF origin check rightly refuses.
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _label(status: str) -> str:
    try:
        return str(Case.Status(status).label)
    except ValueError:
        return status
