# Throwaway django-cas-server settings for the Agora test suite (loopback only).
import json
import os

BASE = os.path.dirname(os.path.abspath(__file__))
SECRET_KEY = "agora-tests-only"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "cas_urls"
INSTALLED_APPS = [
    "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
    "django.contrib.sessions", "django.contrib.messages", "django.contrib.staticfiles",
    "cas_server",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages"]},
}]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["CAS_DB"]}}
STATIC_URL = "/static/"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
LOGGING = {"version": 1, "disable_existing_loggers": False}

CAS_NEW_VERSION_HTML_WARNING = False   # never call pypi.org
CAS_NEW_VERSION_EMAIL_WARNING = False
CAS_PROXY_CA_CERTIFICATE_PATH = True
CAS_AUTH_CLASS = "cas_server.auth.TestAuthUser"   # user "test", password "test"
CAS_TEST_USER = os.environ.get("CAS_USER", "test")
CAS_TEST_PASSWORD = os.environ.get("CAS_PASSWORD", "test")
CAS_TEST_ATTRIBUTES = {
    "uid": "test",
    "displayName": "Camille Test",
    "mail": "camille.test@univ-agora.fr",
    "eduPersonAffiliation": ["student", "member"],
    "eduPersonPrimaryAffiliation": "student",
    "supannEtuInscription": "[etab={UAI}0751717J][anneeinsc=2026][cursusann={SUPANN}L3][etape={UAI:0751717J}L3MATH]",
    "userPassword": "never-released",
}
# A test may name another person (two establishments, one login): JSON in CAS_ATTRIBUTES.
if os.environ.get("CAS_ATTRIBUTES"):
    CAS_TEST_ATTRIBUTES = json.loads(os.environ["CAS_ATTRIBUTES"])
