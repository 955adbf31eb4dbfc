"""Security headers that Django does not set by itself."""

from django.conf import settings


class ContentSecurityPolicyMiddleware:
    """Sets a strict Content-Security-Policy (no inline script or style) on every response.

    The API docs page (Swagger UI) loads its own inline bootstrap, so it gets a policy
    that allows exactly that page's needs; every citizen and clerk page stays strict.
    """

    relaxed_prefixes = ("/api/docs/",)

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" in response:
            return response
        policy = settings.CONTENT_SECURITY_POLICY
        if request.path.startswith(self.relaxed_prefixes):
            policy = (
                "default-src 'self'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline' https:; "
                "script-src 'self' 'unsafe-inline' https:; frame-ancestors 'none'"
            )
        response["Content-Security-Policy"] = policy
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response
