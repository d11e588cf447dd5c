#!/usr/bin/env python3
"""Dovecot checkpassword program for the tests: the IMAP password is a CAS proxy ticket,
validated at the CAS server's /proxyValidate for the IMAP service; the user must match.

Protocol (checkpassword): fd 3 carries "user\\0password\\0"; on success exec argv[1]
(Dovecot's checkpassword-reply) with USER set; on failure exit 1.
Environment: CAS_URL (ending with /), IMAP_SERVICE.
"""
import os
import sys
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

data = os.read(3, 4096).split(b"\0")
user, ticket = data[0].decode(), data[1].decode()
if not ticket.startswith("PT-"):
    sys.exit(1)
query = urllib.parse.urlencode({"service": os.environ["IMAP_SERVICE"], "ticket": ticket})
try:
    with urllib.request.urlopen(os.environ["CAS_URL"] + "proxyValidate?" + query, timeout=5) as r:
        body = r.read()
except Exception:
    sys.exit(111)  # temporary failure
ns = {"cas": "http://www.yale.edu/tp/cas"}
found = ET.fromstring(body).find("cas:authenticationSuccess/cas:user", ns)
if found is None or found.text != user:
    sys.exit(1)
os.environ["USER"] = user
os.execv(sys.argv[1], sys.argv[1:])
