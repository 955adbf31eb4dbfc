from django.conf import settings
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.urls import include, path, reverse
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt

from forms_engine.api import errors as api_errors
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
    # "/api" itself is no resource either: the API's JSON 404, not a redirect to "/api/".
    path("api", csrf_exempt(api_errors.api_page_not_found)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("sachbearbeitung/", include("forms_engine.clerk.urls")),
    path("studio/", include("forms_engine.studio.urls")),
    path("", include("forms_engine.payments.urls")),
    path("", include("forms_engine.citizen.urls")),
]

if settings.FORMS_BENCH_VIEWS:
    urlpatterns.insert(0, path("_bench/bare/", core_views.bench_bare, name="bench-bare"))


# Under /api/ errors answer in the API's JSON shape; everywhere else Django's pages.
def handler400(request, exception=None):
    if api_errors.is_api_path(request.path_info):
        return api_errors.api_bad_request(request, exception)
    return defaults.bad_request(request, exception)


def handler403(request, exception=None):
    if api_errors.is_api_path(request.path_info):
        return api_errors.api_permission_denied(request, exception)
    return defaults.permission_denied(request, exception)


def handler404(request, exception=None):
    if api_errors.is_api_path(request.path_info):
        return api_errors.api_page_not_found(request, exception)
    return defaults.page_not_found(request, exception)


def handler500(request):
    if api_errors.is_api_path(request.path_info):
        return api_errors.api_server_error(request)
    return defaults.server_error(request)
