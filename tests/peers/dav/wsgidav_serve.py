"""WsgiDAV on cheroot for the test suite: one folder, HTTP Basic for one account.

Usage: wsgidav_serve.py PORT ROOT USER PASSWORD
"""
import sys

from cheroot import wsgi
from wsgidav.wsgidav_app import WsgiDAVApp

port, root, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
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
    "simple_dc": {"user_mapping": {"*": {user: {"password": password}}}},
    "verbose": 1,
    "dir_browser": {"enable": False},
    "lock_storage": True,
    "property_manager": True,
}
app = WsgiDAVApp(config)
server = wsgi.Server(("127.0.0.1", port), app)
try:
    server.start()
except KeyboardInterrupt:
    server.stop()
