"""WsgiDAV on cheroot for the test suite: one folder, HTTP Basic.

Usage: wsgidav_serve.py PORT ROOT USER PASSWORD
       wsgidav_serve.py PORT ROOT --cas CAS_URL SERVICE

The first form has one account (the portal's service account, reading every folder). The
second is a CAS-aware server: the Basic password is a CAS proxy ticket for SERVICE, validated
at CAS_URL's /proxyValidate, and the user it names may only reach /<user>/.
"""
import sys
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

from cheroot import wsgi
from wsgidav.dc.base_dc import BaseDomainController
from wsgidav.wsgidav_app import WsgiDAVApp


class CasProxyController(BaseDomainController):
    """Basic auth whose password is a CAS proxy ticket; each person reaches their own folder."""

    cas_url = ""
    service = ""

    def get_domain_realm(self, path_info, environ):
        return "agora"

    def require_authentication(self, realm, environ):
        return True

    def supports_http_digest_auth(self):
        return False

    def basic_auth_user(self, realm, user_name, password, environ):
        path = environ.get("PATH_INFO", "")
        if not password.startswith("PT-") or not path.startswith("/" + user_name + "/"):
            return False
        query = urllib.parse.urlencode({"service": self.service, "ticket": password})
        try:
            with urllib.request.urlopen(self.cas_url + "proxyValidate?" + query, timeout=5) as r:
                body = r.read()
        except Exception:
            return False
        ns = {"cas": "http://www.yale.edu/tp/cas"}
        found = ET.fromstring(body).find("cas:authenticationSuccess/cas:user", ns)
        return found is not None and found.text == user_name

    def digest_auth_user(self, realm, user_name, environ):
        return False


port, root = int(sys.argv[1]), sys.argv[2]
config = {
    "host": "127.0.0.1",
    "port": port,
    "provider_mapping": {"/": root},
    "http_authenticator": {
        "domain_controller": None,  # the simple domain controller below
        "accept_basic": True,
        "accept_digest": False,
        "default_to_digest": False,
    },
    "verbose": 1,
    "dir_browser": {"enable": False},
    "lock_storage": True,
    "property_manager": True,
}
if sys.argv[3] == "--cas":
    CasProxyController.cas_url, CasProxyController.service = sys.argv[4], sys.argv[5]
    config["http_authenticator"]["domain_controller"] = CasProxyController
else:
    user, password = sys.argv[3], sys.argv[4]
    config["simple_dc"] = {"user_mapping": {"*": {user: {"password": password}}}}
app = WsgiDAVApp(config)
server = wsgi.Server(("127.0.0.1", port), app)
try:
    server.start()
except KeyboardInterrupt:
    server.stop()
