from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from forms_engine.core import views as core_views
from forms_engine.core.login_throttle import ThrottledAuthenticationForm

# The admin login refuses further attempts after repeated failures, like the clerk login.
admin.site.login_form = ThrottledAuthenticationForm

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
