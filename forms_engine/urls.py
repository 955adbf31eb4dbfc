from django.conf import settings
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.urls import include, path, reverse

from forms_engine.core import views as core_views


def _admin_login(request, extra_context=None):
    """The admin signs in through the one staff sign-in page (password, then code)."""
    target = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index")
    return redirect_to_login(target, login_url=reverse("clerk:login"))


admin.site.login = _admin_login

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/", include("forms_engine.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("sachbearbeitung/", include("forms_engine.clerk.urls")),
    path("", include("forms_engine.payments.urls")),
    path("", include("forms_engine.citizen.urls")),
]

if settings.FORMS_BENCH_VIEWS:
    urlpatterns.insert(0, path("_bench/bare/", core_views.bench_bare, name="bench-bare"))
