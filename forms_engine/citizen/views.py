"""Citizen pages: catalog, start, steps, save/resume, summary, submit, confirmation.

Thin: parse the request, call `services` / `selectors` / `forms`, render. Works without
JavaScript; every form posts back to the server.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from forms_engine.cases.selectors import account_cases
from forms_engine.cases.services import draft_submit
from forms_engine.cases.status import case_status_url
from forms_engine.catalog.exceptions import AmbiguousProcess
from forms_engine.core.answer_fields import upload_spec_for
from forms_engine.core.formatting import i18n, money
from forms_engine.identity import services as identity_services
from forms_engine.identity.base import level_label
from forms_engine.payments.selectors import invoice_notice_for_case, invoice_notice_for_draft
from forms_engine.payments.services import payment_gate

from . import flow, selectors, services
from .uploads import stream_limits, upload_refusal


def _lang() -> str:
    lang = (get_language() or "de")[:2]
    return lang if lang in ("de", "en") else "de"


def _site_name(municipalities=None) -> str:
    if municipalities and len(municipalities) == 1:
        return municipalities[0].name
    return _("Bürgerservice online")


def _error_message(error, lang: str) -> str:
    return flow.error_message(error, lang)


# --- catalog and start ------------------------------------------------------------------


def _catalog_entry(process, version, doc, lang, shared, municipality=None) -> dict:
    """A catalog card. Where several publishers use the process id (`shared`), the card
    names the publisher and its link carries it (`selectors.start_url`)."""
    title = i18n(doc.get("title"), lang) or version.title
    entry_id = process.identifier
    if process.identifier in shared:
        title = f"{title} – {process.publisher.name}"
        entry_id = f"{process.publisher.slug}-{process.identifier}"
    return {
        "id": entry_id,
        "title": title,
        "summary": i18n(doc.get("summary"), lang),
        "url": selectors.start_url(process, municipality=municipality, shared=shared),
    }


def _listed_twice(processes) -> set[str]:
    """The ids that appear more than once among `processes` (several publishers')."""
    seen: dict[str, int] = {}
    for process in processes:
        seen[process.identifier] = seen.get(process.identifier, 0) + 1
    return {identifier for identifier, n in seen.items() if n > 1}


def catalog(request):
    """The shared catalog: every offer of the installation, and the responsibility finder.
    On a municipality's own host name (`Municipality.host`) its own catalog instead."""
    municipality = selectors.request_municipality(request)
    if municipality is not None:
        return municipality_catalog_page(request, municipality)
    lang = _lang()
    # Aggregated in SQL: its cost does not grow with the municipalities.
    listing = selectors.shared_catalog()
    # Everything offered anywhere is listed: an id is ambiguous here iff it is listed twice.
    shared = _listed_twice(e.process for e in listing.entries)
    entries = [
        # parameter references replaced (defaults; placeholders for required ones)
        _catalog_entry(
            e.process, e.version, services.definition_for(e.version).bound_doc, lang, shared
        )
        for e in listing.entries
    ]
    only = [listing.only_municipality] if listing.only_municipality else None
    return render(
        request,
        "citizen/catalog.html",
        {
            "entries": entries,
            "site_name": _site_name(only),
            "finder": selectors.several_municipalities(),
            "finder_process": "",
        },
    )


def municipality_catalog(request, municipality_slug: str):
    """`/<slug>/`: a municipality's own catalog."""
    return municipality_catalog_page(request, selectors.municipality_get(municipality_slug))


def municipality_catalog_page(request, municipality):
    """Only `municipality`'s open offerings, titles bound with its parameter values."""
    lang = _lang()
    offers = selectors.offers(municipality)
    # Its start pages look the id up in this municipality: ambiguous iff listed twice here.
    shared = _listed_twice(o.process for o in offers)
    entries = [
        _catalog_entry(
            offer.process,
            offer.version,
            selectors.offer_definition(offer, municipality).bound_doc,
            lang,
            shared,
            municipality,
        )
        for offer in offers
    ]
    parent = municipality.parent
    return render(
        request,
        "citizen/catalog.html",
        {
            "entries": entries,
            "municipality": municipality,
            "site_name": municipality.name,
            "parent": parent,
            "parent_url": reverse("citizen:municipality_catalog", args=[parent.slug])
            if parent is not None
            else "",
        },
    )


@require_http_methods(["GET", "POST"])
def start(request, process_id: str):
    """The shared start page. Offered by one municipality: start there; by several: the
    finder leads to the citizen's municipality (a posted `municipality` still starts
    there). On a municipality's own host name: its own start page."""
    municipality = selectors.request_municipality(request)
    publisher = request.GET.get(selectors.PUBLISHER_PARAMETER, "")
    try:
        if municipality is not None:
            offer = selectors.offer_in(municipality, process_id, publisher=publisher)
            return _start_page(request, offer, municipality)
        offer = selectors.offer_get(process_id, publisher=publisher)
    except AmbiguousProcess:
        return _publisher_choice(request, process_id, municipality)
    if len(offer.municipalities) == 1:
        return _start_page(request, offer, offer.municipalities[0], shared=True)
    return _start_page(request, offer, None)


@require_http_methods(["GET", "POST"])
def municipality_start(request, municipality_slug: str, process_id: str):
    """`/<slug>/leistungen/<id>/`: the start page of the municipality's own offering (its
    pinned version and parameter values, fees, contact, authority); a draft started here
    starts in this municipality without asking."""
    municipality = selectors.municipality_get(municipality_slug)
    publisher = request.GET.get(selectors.PUBLISHER_PARAMETER, "")
    try:
        offer = selectors.offer_in(municipality, process_id, publisher=publisher)
    except AmbiguousProcess:
        return _publisher_choice(request, process_id, municipality)
    return _start_page(request, offer, municipality)


def _publisher_choice(request, process_id: str, municipality):
    """Several publishers' processes with this id are offered (in `municipality`, or
    anywhere) and the link named none: the citizen chooses one, each card naming its
    publisher and linking its start page with `?herausgeber=`. Nothing is started."""
    lang = _lang()
    if municipality is not None:
        offers = [o for o in selectors.offers(municipality) if o.process.identifier == process_id]
    else:
        offers = selectors.offers_named(process_id)
    shared = {process_id}
    entries = [
        _catalog_entry(
            o.process,
            o.version,
            (
                selectors.offer_definition(o, municipality)
                if municipality is not None
                else services.definition_for(o.version)
            ).bound_doc,
            lang,
            shared,
            municipality,
        )
        for o in offers
    ]
    context = {
        "entries": entries,
        "site_name": _site_name([municipality] if municipality else None),
    }
    if municipality is not None:
        context["municipality"] = municipality
    return render(request, "citizen/catalog.html", context)


def _start_page(request, offer, municipality, *, shared: bool = False):
    lang = _lang()
    process_id = offer.process.identifier
    if municipality is not None:
        # Its parameter values (fees, texts) and its pinned version from the start.
        definition = selectors.offer_definition(offer, municipality)
        activation = offer.activation_in(municipality)
    else:
        definition = services.definition_for(offer.version)
        activation = None
    doc = definition.bound_doc  # parameter references replaced (values or defaults)
    error = ""
    identity = identity_services.session_identity(request.session)
    # The municipality may ask for a higher sign-in than the definition (its activation).
    min_level = activation.identity_min_level if activation is not None else ""
    missing_level = services.identity_level_refusal(definition, identity, min_level)
    status = 200
    if request.method == "POST" and missing_level:
        # Enforced before the first step: no draft without the required sign-in.
        status = 403
    elif request.method == "POST":
        chosen = municipality
        if chosen is None:
            slug = request.POST.get("municipality", "")
            chosen = next((m for m in offer.municipalities if m.slug == slug), None)
            if chosen is None:
                error = _("Bitte geben Sie an, wo Sie wohnen, damit wir Ihre Kommune finden.")
        chosen_activation = offer.activation_in(chosen) if chosen is not None else None
        chosen_level = chosen_activation.identity_min_level if chosen_activation else ""
        if chosen is not None and chosen_level and chosen_level != min_level:
            missing_level = services.identity_level_refusal(definition, identity, chosen_level)
            if missing_level:
                status, chosen, min_level = 403, None, chosen_level
        if chosen is not None:
            draft = services.draft_start(
                process_version=offer.version_in(chosen),
                municipality=chosen,
                identity=identity,
            )
            services.session_add_draft(request.session, draft)
            # the municipality's own version: its first step may differ from the shown one
            first = selectors.draft_definition(draft).applicable_steps({})[0]
            return redirect("citizen:step", draft_id=draft.pk, step_id=first.id)

    documents = []
    for step in definition.steps:
        for f in _walk_fields(step.fields()):
            if f.type == "upload":
                documents.append(f.label(lang))
    raw_fees = (definition.doc.get("payment") or {}).get("fees", [])
    fees = [
        {
            "label": i18n(fee.get("label"), lang),
            # On the shared page no municipality's values apply: a fee set by each
            # municipality (a parameter) is named without an amount.
            "amount": _("je nach Kommune")
            if municipality is None and _is_parameter(raw_fees, index)
            else money(fee.get("amount"), lang),
            "conditional": bool(fee.get("when")),
        }
        for index, fee in enumerate((doc.get("payment") or {}).get("fees", []))
    ]
    contact = ""
    if activation is not None:
        contact = (
            activation.contact_text_en if lang == "en" and activation.contact_text_en else ""
        ) or activation.contact_text
    others = [] if municipality is not None else offer.municipalities
    return render(
        request,
        "citizen/start.html",
        {
            "title": i18n(doc.get("title"), lang),
            "summary": i18n(doc.get("summary"), lang),
            "steps": [i18n(s.title, lang) for s in definition.steps],
            "documents": documents,
            "fees": fees,
            # Branding on a municipality's own start page (not on the shared one).
            **({} if shared or municipality is None else {"municipality": municipality}),
            "chosen": municipality,
            "authority": activation.authority if activation is not None else None,
            "contact": contact,
            "contact_lang": "de"
            if lang == "en" and contact and not activation.contact_text_en
            else "",
            "via": selectors.member_of(municipality, request.GET.get("fuer", ""))
            if municipality is not None
            else None,
            # Several municipalities: the finder, and a short list of them as links.
            "finder": municipality is None,
            "finder_process": process_id if municipality is None else "",
            "finder_choices": _finder_choices(offer, others),
            "error": error,
            "site_name": municipality.name if municipality is not None else _site_name(),
            "process_id": process_id,
            "is_calculator": definition.is_calculator,
            **_identity_context(request, definition, identity, missing_level, lang, min_level),
            "identity_refused": status == 403,
        },
        status=status,
    )


def _is_parameter(raw_fees, index: int) -> bool:
    """The unbound definition's fee `index` takes its amount from a parameter."""
    fee = raw_fees[index] if index < len(raw_fees) and isinstance(raw_fees[index], dict) else {}
    amount = fee.get("amount")
    return isinstance(amount, dict) and "$param" in amount


# A shared start page lists the offering municipalities as links up to this many; beyond
# it only the finder helps.
FINDER_LIST_MAX = 12


def _finder_choices(offer, municipalities) -> list[dict]:
    if not municipalities or len(municipalities) > FINDER_LIST_MAX:
        return []
    shared = selectors.shared_identifiers([offer.process.identifier])
    return [
        {"name": m.name, "url": selectors.start_url(offer.process, municipality=m, shared=shared)}
        for m in municipalities
    ]


def _identity_context(request, definition, identity, missing_level, lang, minimum="") -> dict:
    """What the start and submit pages say about the sign-in the process needs
    (`minimum`: the municipality's minimum level, see `Activation.identity_min_level`)."""
    required = services.identity_required_level(definition, minimum)
    return {
        "identity_required": required if required != "none" else "",
        "identity_required_label": level_label(required, lang),
        "identity_missing": missing_level or "",
        "identity": identity,
        "identity_name": identity_services.display_name(identity),
        "identity_level_label": level_label(identity["level"], lang) if identity else "",
        "identity_available": identity_services.identity_available(),
        "sign_in_level": missing_level or required,
        "sign_in_next": request.get_full_path(),
    }


def _walk_fields(fields):
    return flow.walk_fields(fields)


# --- steps ------------------------------------------------------------------------------


def _draft_context(draft, definition, lang):
    return {
        "draft": draft,
        "process_title": i18n(definition.title, lang),
        "site_name": draft.municipality.name,
        "is_calculator": definition.is_calculator,
    }


def _open_draft(request, draft_id):
    draft = selectors.draft_for_session(request, draft_id)
    return draft, selectors.draft_definition(draft)


def _eligibility(draft):
    return selectors.submit_eligibility(
        process_version=draft.process_version, municipality=draft.municipality, draft=draft
    )


def version_context(draft, lang, eligibility=None) -> dict:
    return selectors.draft_version_context(draft=draft, lang=lang, eligibility=eligibility)


def _step_stream_limits(request, draft_id, step_id):
    """While a step's form streams in: each file at most its field's limit; a file for a
    form field that is no upload field of this step is skipped unread."""
    from django.conf import settings

    from .uploads import StreamLimits, upload_limit

    found = []  # the definition, looked up only once a file arrives (no query otherwise)

    def file_limit(name: str) -> int | None:
        if not found:
            draft = selectors.draft_for_session(request, draft_id)
            found.append(selectors.draft_definition(draft))
        spec = upload_spec_for(found[0], "/" + "/".join([step_id, *name.split(".")]))
        return upload_limit(spec) if spec is not None else None

    return StreamLimits(
        file_limit=file_limit, request_bytes=int(settings.FORMS_UPLOAD_MAX_REQUEST_BYTES)
    )


@stream_limits(_step_stream_limits)
@require_http_methods(["GET", "POST"])
def step(request, draft_id, step_id: str):
    """A step of the wizard: the flow service (`flow`, citizen mode) decides, this renders."""
    lang = _lang()
    draft = selectors.draft_for_step(request, draft_id)
    definition = selectors.draft_definition(draft)
    if draft.submitted_case_id:
        return redirect("citizen:confirmation", draft_id=draft.pk)
    state = flow.DraftFlowState(draft, definition)
    returning = request.GET.get("return") == "summary"
    if request.method == "GET":
        outcome = flow.step_page(state, step_id, lang=lang)
    else:
        outcome = flow.step_post(
            state,
            step_id,
            post=request.POST,
            files=request.FILES,
            lang=lang,
            returning=returning,
            refusal=lambda: upload_refusal(request),
        )
    if outcome.go_to_step is not None:
        return redirect("citizen:step", draft_id=draft.pk, step_id=outcome.go_to_step)
    if outcome.go_to_summary:
        return redirect("citizen:summary", draft_id=draft.pk)
    if outcome.saved:
        return _render_saved(
            request,
            draft,
            definition,
            lang,
            services.draft_create_resume_link(draft=draft),
            not_kept=outcome.not_kept,
        )
    return _render_step(request, draft, definition, outcome.page, lang, returning)


def _render_step(request, draft, definition, page, lang, returning):
    previous = page.previous_step
    if returning:
        back_url = reverse("citizen:summary", args=[draft.pk])
    elif previous is not None:
        back_url = reverse("citizen:step", args=[draft.pk, previous])
    else:
        # Another publisher's process carries its publisher (no query on the step page; a
        # shared id of the own library leads to the choice of publishers at worst).
        back_url = selectors.start_url(
            draft.process_version.process, municipality=draft.municipality, shared=set()
        )
    context = {
        **_draft_context(draft, definition, lang),
        **step_context(page, lang),
        "back_url": back_url,
        "returning": returning,
        "action_url": request.get_full_path(),
        **version_context(draft, lang),
    }
    return render(request, "citizen/step.html", context, status=page.status)


def step_context(page, lang) -> dict:
    """The context of `citizen/step.html` from a `flow.StepPage` (also the preview's)."""
    number, total = page.number, len(page.steps)
    return {
        "step": page.step,
        "step_title": i18n(page.step.title, lang),
        "step_description": i18n(page.step.description, lang),
        "number": number,
        "total": total,
        # In the title and above the heading (formatted once, not by two blocktranslates).
        "progress": _("Schritt %(number)s von %(total)s") % {"number": number, "total": total},
        "form": page.form,
        "status_message": page.status_message,
        "notice": page.notice,
    }


# --- save and resume --------------------------------------------------------------------


def _render_saved(
    request, draft, definition, lang, token, *, sent_to="", error="", not_kept=(), status=200
):
    url = request.build_absolute_uri(reverse("citizen:resume", args=[token]))
    return render(
        request,
        "citizen/saved.html",
        {
            **_draft_context(draft, definition, lang),
            "resume_url": url,
            "token": token,
            "sent_to": sent_to,
            "error": error,
            "not_kept": not_kept,
            "continue_url": reverse(
                "citizen:step", args=[draft.pk, draft.current_step or definition.steps[0].id]
            ),
        },
        status=status,
    )


@require_POST
def send_link(request, draft_id):
    lang = _lang()
    draft, definition = _open_draft(request, draft_id)
    token = request.POST.get("token", "")
    if not token or services.token_hash(token) != draft.resume_token_hash:
        raise Http404
    email = request.POST.get("email", "").strip()
    try:
        validate_email(email)
    except ValidationError:
        return _render_saved(
            request,
            draft,
            definition,
            lang,
            token,
            error=_(
                "Bitte geben Sie eine gültige E-Mail-Adresse ein, zum Beispiel name@beispiel.de."
            ),
        )
    url = request.build_absolute_uri(reverse("citizen:resume", args=[token]))
    services.draft_send_resume_link(
        draft=draft, email=email, url=url, title=i18n(definition.title, lang)
    )
    return _render_saved(request, draft, definition, lang, token, sent_to=email)


def resume(request, token: str):
    draft = services.draft_resume(token=token)
    if draft is None:
        return render(request, "citizen/resume_invalid.html", {}, status=404)
    services.session_add_draft(request.session, draft)
    if draft.submitted_case_id:
        return redirect("citizen:confirmation", draft_id=draft.pk)
    definition = selectors.draft_definition(draft)
    ids = [s.id for s in definition.applicable_steps(draft.answers)]
    step_id = draft.current_step if draft.current_step in ids else ids[0]
    return redirect("citizen:step", draft_id=draft.pk, step_id=step_id)


# --- summary, submit, confirmation ------------------------------------------------------


def _summary_context(draft, definition, lang):
    data = flow.summary_data(flow.DraftFlowState(draft, definition), lang)
    for section in data["sections"]:
        section["edit_url"] = (
            reverse("citizen:step", args=[draft.pk, section["id"]]) + "?return=summary"
        )
    invoice = invoice_notice_for_draft(draft=draft, lang=lang) if data["fees"] else None
    return {
        "sections": data["sections"],
        "fees": data["fees"],
        "fee_total": data["fee_total"],
        "invoice": invoice,
        "last_step": data["last_step"],
        "submit_url": reverse("citizen:submit", args=[draft.pk]),
    }


def summary(request, draft_id):
    lang = _lang()
    draft, definition = _open_draft(request, draft_id)
    if draft.submitted_case_id:
        return redirect("citizen:confirmation", draft_id=draft.pk)
    if definition.is_calculator:
        return _render_result(request, draft, definition, lang)
    versioned = version_context(draft, lang, _eligibility(draft))
    context = _summary_context(draft, definition, lang)
    return render(
        request,
        "citizen/summary.html",
        {
            **_draft_context(draft, definition, lang),
            **context,
            **versioned,
            "back_url": reverse("citizen:step", args=[draft.pk, context["last_step"]]),
        },
        status=409 if versioned.get("version_refusal") else 200,
    )


def _render_result(request, draft, definition, lang):
    """A calculator's last page: its computed values, no submit (docs/process-format.md)."""
    state = flow.DraftFlowState(draft, definition)
    result = flow.calculator_result(state, lang)
    sections = flow.summary_data(state, lang)["sections"]
    for section in sections:
        section["edit_url"] = (
            reverse("citizen:step", args=[draft.pk, section["id"]]) + "?return=summary"
        )
    return render(
        request,
        "citizen/result.html",
        {
            **_draft_context(draft, definition, lang),
            **result,
            "sections": sections,
            "restart_url": reverse("citizen:step", args=[draft.pk, result["first_step"]]),
            "back_url": reverse("citizen:step", args=[draft.pk, result["last_step"]]),
        },
    )


def declaration_items(definition, lang):
    """The declarations of `citizen/submit.html` (also the studio preview's)."""
    result = []
    for n, declaration in enumerate(definition.declarations or []):
        get = (
            declaration.get
            if isinstance(declaration, dict)
            else (lambda k, d=declaration: getattr(d, k, None))
        )
        result.append({"id": get("id"), "text": i18n(get("text"), lang), "dom_id": f"decl-{n}"})
    return result


@require_http_methods(["GET", "POST"])
def submit(request, draft_id):
    from forms_engine.cases.exceptions import AnswersInvalid, SubmissionRefused

    lang = _lang()
    draft, definition = _open_draft(request, draft_id)
    if draft.submitted_case_id:
        return redirect("citizen:confirmation", draft_id=draft.pk)
    if definition.is_calculator:
        # A calculator files nothing: its result page is all there is.
        return redirect("citizen:summary", draft_id=draft.pk)
    # Checked before the payment gate: nobody is sent to pay for a draft that is refused.
    versioned = version_context(draft, lang, _eligibility(draft))
    if versioned.get("version_refusal"):
        return render(
            request,
            "citizen/submit.html",
            {
                **_draft_context(draft, definition, lang),
                **versioned,
                "back_url": reverse("citizen:summary", args=[draft.pk]),
            },
            status=409,
        )
    # Policy "required": the fee is paid (for the amount the answers give now) first.
    pay_first = payment_gate(draft=draft)
    if pay_first is not None:
        return redirect(pay_first)
    declarations = declaration_items(definition, lang)
    accepted = list(draft.declarations or [])
    errors = []
    answer_errors = []
    refusal = ""
    status = 200
    if request.method == "POST":
        posted = request.POST.getlist("declaration")
        accepted = [d["id"] for d in declarations if d["id"] in posted]
        for d in declarations:
            if d["id"] not in accepted:
                d["error"] = _("Bitte bestätigen Sie diese Erklärung.")
                errors.append((d["dom_id"], d["error"]))
        if not errors:
            # A citizen who signed in again at a higher level (same person) brings it along.
            draft = services.draft_identity_update(
                draft=draft, identity=identity_services.session_identity(request.session)
            )
            try:
                draft_submit(draft=draft, declarations=accepted, language=lang)
            except AnswersInvalid as exc:
                for error in exc.errors:
                    answer_errors.append(_answer_error(draft, definition, error, lang))
            except SubmissionRefused as exc:
                refusal = _error_message(exc, lang)
                status = 403 if exc.code == "identity_level" else 409
            else:
                return redirect("citizen:confirmation", draft_id=draft.pk)
        else:
            services.draft_set_declarations(draft=draft, declarations=accepted)
    for d in declarations:
        d["checked"] = d["id"] in accepted
    return render(
        request,
        "citizen/submit.html",
        {
            **_draft_context(draft, definition, lang),
            "declarations": declarations,
            "errors": errors,
            "answer_errors": answer_errors,
            "has_errors": bool(errors or answer_errors or refusal),
            "refusal": refusal,
            **versioned,
            "back_url": reverse("citizen:summary", args=[draft.pk]),
            **(
                _identity_context(
                    request,
                    definition,
                    identity_services.session_identity(request.session),
                    services.identity_required_level(definition, draft.identity_min_level),
                    lang,
                    draft.identity_min_level,
                )
                if refusal
                else {}
            ),
        },
        status=status,
    )


def _answer_error(draft, definition, error, lang):
    parts = error.pointer.split("/")[1:]
    step_ids = [s.id for s in definition.steps]
    url = ""
    step_title = ""
    if parts and parts[0] in step_ids:
        step_obj = definition.step(parts[0])
        step_title = i18n(step_obj.title, lang)
        url = reverse("citizen:step", args=[draft.pk, parts[0]]) + "?return=summary"
        if len(parts) > 1:
            url += "#f-" + "-".join(parts[1:])
    return {
        "pointer": error.pointer,
        "message": _error_message(error, lang),
        "url": url,
        "step_title": step_title,
    }


def confirmation(request, draft_id):
    lang = _lang()
    draft, definition = _open_draft(request, draft_id)
    if not draft.submitted_case_id:
        return redirect("citizen:summary", draft_id=draft.pk)
    case = draft.submitted_case
    return render(
        request,
        "citizen/confirmation.html",
        {
            **_draft_context(draft, definition, lang),
            "case": case,
            "status_url": request.build_absolute_uri(case_status_url(case)),
            # Promise an e-mail only where there is an address to send it to.
            "email_to": case.applicant_email,
            "invoice": invoice_notice_for_case(case=case, lang=lang),
        },
    )


PAGES = {
    "barrierefreiheit": gettext_lazy("Erklärung zur Barrierefreiheit"),
    "datenschutz": gettext_lazy("Datenschutz"),
    "impressum": gettext_lazy("Impressum"),
}


def page(request, slug: str):
    """The installation's own legal pages; on a municipality's own host name its pages."""
    if slug not in PAGES:
        raise Http404
    municipality = selectors.request_municipality(request)
    if municipality is not None:
        from .municipality_views import legal_page

        return legal_page(request, municipality, slug)
    return render(request, "citizen/page.html", {"title": PAGES[slug]})


# --- citizen account ------------------------------------------------------------------


def account(request):
    """Drafts and cases of the signed-in citizen, found by the session's bPK2 only."""
    lang = _lang()
    identity = identity_services.session_identity(request.session)
    context = {
        "identity": identity,
        "identity_name": identity_services.display_name(identity),
        "identity_level_label": level_label(identity["level"], lang) if identity else "",
        "identity_available": identity_services.identity_available(),
        "signed_out": request.GET.get("abgemeldet") == "1" and not identity,
    }
    if identity:
        drafts = []
        for draft in selectors.account_drafts(identity["bpk2"]):
            doc_title = draft.process_version.title
            drafts.append(
                {
                    "title": doc_title,
                    "municipality": draft.municipality.name,
                    "updated_at": draft.updated_at,
                    "url": reverse("citizen:account_draft", args=[draft.pk]),
                }
            )
        cases = [
            {
                "title": case.process_version.title,
                "reference": case.reference,
                "submitted_at": case.submitted_at,
                "status": case.get_status_display(),
                "url": case_status_url(case),
            }
            for case in account_cases(identity["bpk2"])
        ]
        context.update({"drafts": drafts, "cases": cases})
    return render(request, "citizen/account.html", context)


def account_draft(request, draft_id):
    """Continue one of the signed-in citizen's drafts (its bPK2 opens it in this session)."""
    identity = identity_services.session_identity(request.session)
    draft = selectors.account_draft_get((identity or {}).get("bpk2", ""), draft_id)
    services.session_add_draft(request.session, draft)
    definition = selectors.draft_definition(draft)
    ids = [s.id for s in definition.applicable_steps(draft.answers)]
    step_id = draft.current_step if draft.current_step in ids else ids[0]
    return redirect("citizen:step", draft_id=draft.pk, step_id=step_id)


@require_POST
def account_sign_out(request):
    """Forget the identity; the drafts it opened are no longer reachable from this session."""
    bpk2 = identity_services.session_sign_out(request.session)
    if bpk2:
        services.session_remove_drafts(
            request.session, [d.pk for d in selectors.account_drafts(bpk2)]
        )
    return redirect(reverse("citizen:account") + "?abgemeldet=1")
