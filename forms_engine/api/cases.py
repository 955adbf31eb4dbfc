"""Reading a case through the API: the citizen by the case's status link token, the clerk
through `access_case_for_clerk` (the one door). Identity level, payment and the postbox
are part of both answers; internal notes are never."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from forms_engine.cases.models import Case
from forms_engine.cases.postbox import messages_for_citizen
from forms_engine.cases.selectors import access_case_for_clerk
from forms_engine.cases.status import case_for_status_token, case_status_history
from forms_engine.core.audit import audit_log

from .serializers import CaseStatusSerializer, ClerkCaseSerializer, ErrorResponseSerializer
from .views import not_found


def _case_data(case: Case) -> dict:
    labels = dict(Case.Status.choices)
    return {
        "reference": case.reference,
        "process": case.process_version.process.identifier,
        "version": case.process_version.version,
        "status": case.status,
        "status_label": str(labels.get(case.status, case.status)),
        "submitted_at": case.submitted_at,
        "history": [
            {
                "status": change.to_status,
                "status_label": str(labels.get(change.to_status, change.to_status)),
                "changed_at": change.changed_at,
                "message": change.message,
            }
            for change in case_status_history(case)
        ],
        "identity": {"level": case.identity_level, "means": case.identity_means},
        "payment": {
            "status": case.payment_status,
            "amount": case.payment_amount,
            "reference": case.payment_reference,
            "method": case.payment_method,
        },
        "messages": [
            {
                "id": message.pk,
                "direction": message.direction,
                "subject": message.subject,
                "body": message.body,
                "requests_documents": message.requests_documents,
                "in_reply_to": message.in_reply_to_id,
                "created_at": message.created_at,
                "read_at": message.read_at,
                "files": [
                    {
                        "file_name": upload.original_name,
                        "media_type": upload.media_type,
                        "size": upload.size,
                        "sha256": upload.sha256,
                    }
                    for upload in message.uploads.all()
                ],
            }
            for message in messages_for_citizen(case)
        ],
    }


class CaseStatusView(APIView):
    @extend_schema(
        summary="Stand eines Antrags (Statuslink) / status of an application (status link)",
        responses={200: CaseStatusSerializer, 404: ErrorResponseSerializer},
    )
    def get(self, request, token):
        case = case_for_status_token(token)
        if case is None:
            return not_found()
        return Response(CaseStatusSerializer(_case_data(case)).data)


class ClerkCaseView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Antrag für die Sachbearbeitung / a case for its clerk",
        responses={200: ClerkCaseSerializer, 404: ErrorResponseSerializer},
    )
    def get(self, request, case_id):
        try:
            case = access_case_for_clerk(request.user, case_id)
        except Http404:
            return not_found()  # another authority's case and a missing one alike
        audit_log(actor=request.user, action="case.viewed", case_id=case.pk, data={"via": "api"})
        data = {
            **_case_data(case),
            "id": case.pk,
            "authority": case.authority.name,
            "assigned_to": case.assigned_to.get_username() if case.assigned_to else None,
            "applicant_name": case.applicant_name,
            "answers": case.answers,
        }
        return Response(ClerkCaseSerializer(data).data)
