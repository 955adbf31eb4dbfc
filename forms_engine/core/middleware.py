"""Security headers that Django does not set by itself."""

from django.conf import settings


class ContentSecurityPolicyMiddleware:
    """Sets a strict Content-Security-Policy (no inline script or style) on every response.

    The API docs page (Swagger UI, served from our own static files) sets inline styles,
    so it alone may use them; every citizen and clerk page stays strict.
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
                "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                "script-src 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
            )
        response["Content-Security-Policy"] = policy
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response
