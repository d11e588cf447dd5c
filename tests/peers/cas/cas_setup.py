# Register the services the tests use (env PORTAL_PATTERN, BACKEND_PATTERN) and release
# explicit attributes only (never "*").
import os
import django

django.setup()
from cas_server.models import ServicePattern, ReplaceAttributName  # noqa: E402

portal, backend = os.environ["PORTAL_PATTERN"], os.environ["BACKEND_PATTERN"]
sp = ServicePattern.objects.create(pos=10, name="portal", pattern=portal, proxy=False,
                                   proxy_callback=True, single_log_out=True)
# userPassword is released on purpose, as a misconfigured CAS would: the portal must drop it
# before any session, cache or channel sees it (tests/tests/cluster.rs reads Redis for it).
for name in ["uid", "displayName", "mail", "eduPersonAffiliation", "eduPersonPrimaryAffiliation",
             "supannEtuInscription", "userPassword"]:
    ReplaceAttributName.objects.create(name=name, service_pattern=sp)
ServicePattern.objects.create(pos=20, name="proxied-backend", pattern=backend, proxy=True,
                              proxy_callback=False, single_log_out=False)
