from django.urls import path

from . import views

app_name = "clerk"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("anmelden/", views.ClerkLoginView.as_view(), name="login"),
    path("anmelden/code/", views.login_code, name="login-code"),
    path("abmelden/", views.ClerkLogoutView.as_view(), name="logout"),
    path("passwort/<uidb64>/<token>/", views.PasswordSetView.as_view(), name="password-set"),
    path("passwort/fertig/", views.PasswordSetDoneView.as_view(), name="password-set-done"),
    path("faelle/<uuid:case_id>/", views.case_detail, name="case"),
    path("faelle/<uuid:case_id>/fallakte.pdf", views.casefile_download, name="casefile"),
    path(
        "faelle/<uuid:case_id>/dateien/<uuid:upload_id>/",
        views.upload_download,
        name="upload",
    ),
    path("faelle/<uuid:case_id>/status/", views.case_transition_view, name="transition"),
    path("faelle/<uuid:case_id>/zuweisung/", views.case_assign_view, name="assign"),
    path(
        "faelle/<uuid:case_id>/zustellung/",
        views.case_delivery_refresh_view,
        name="delivery-refresh",
    ),
    path("faelle/<uuid:case_id>/notizen/", views.case_note_view, name="note"),
    path("faelle/<uuid:case_id>/nachrichten/", views.case_message_view, name="message"),
    path(
        "faelle/<uuid:case_id>/nachtraege/<int:document_id>/",
        views.supplement_download,
        name="supplement",
    ),
]
