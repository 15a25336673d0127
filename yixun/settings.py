"""Yixun's settings: everything comes from the environment (see docs/configuration.md)."""

import re
import warnings
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from yixun import config

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(config.text("YIXUN_DATA_DIR") or BASE_DIR / "var")

ENVIRONMENT = config.text("YIXUN_ENV", "development").lower()
if ENVIRONMENT not in {"development", "production"}:
    raise ImproperlyConfigured(
        f"YIXUN_ENV must be 'development' or 'production'; got {ENVIRONMENT!r}."
    )
PRODUCTION = ENVIRONMENT == "production"

DEBUG = config.flag("YIXUN_DEBUG", default=False) and not PRODUCTION

if PRODUCTION:
    SECRET_KEY = config.text("SECRET_KEY")
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured(
            "YIXUN_ENV=production needs SECRET_KEY: a random string of at least 50 characters "
            '(python3 -c "import secrets; print(secrets.token_urlsafe(50))").'
        )
    YIXUN_FIELD_KEYS = config.fernet_keys("YIXUN_FIELD_KEYS")
    if not YIXUN_FIELD_KEYS:
        raise ImproperlyConfigured(
            "YIXUN_ENV=production needs YIXUN_FIELD_KEYS: the key that encrypts resident ID numbers "
            '(python3 -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"). '
            "Keep it safe: without it the stored ID numbers cannot be read."
        )
    ALLOWED_HOSTS = config.listing("ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "YIXUN_ENV=production needs ALLOWED_HOSTS: the comma-separated host names Yixun "
            "answers to, such as yixun.example.org."
        )
else:
    SECRET_KEY = config.text("SECRET_KEY") or config.local_secret(DATA_DIR / "secret_key")
    YIXUN_FIELD_KEYS = config.fernet_keys("YIXUN_FIELD_KEYS") or [
        config.local_secret(DATA_DIR / "field_key", config.fernet_key)
    ]
    ALLOWED_HOSTS = config.listing("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])

CSRF_TRUSTED_ORIGINS = config.listing("YIXUN_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Yixun's apps, in dependency order (DESIGN.md): each may import those above it.
    # `places` stands above `members` so that squads and members can belong to an area.
    "yixun.lib",
    "yixun.audit",
    "yixun.live",
    "yixun.worker",
    "yixun.accounts",
    "yixun.places",
    "yixun.members",
    "yixun.shifts",
    "yixun.patrols",
    "yixun.tips",
    "yixun.bulletins",
    "yixun.events",
    "yixun.stats",
    # The public site shows every app's public side, so it stands below them.
    "yixun.public",
    "yixun.api",
    # Backups, restores and retention reach every app's tables, so they stand below them all.
    "yixun.upkeep",
    "yixun.demo",
    # Django and third parties.
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",  # sitemap.xml (yixun.sitemaps)
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "ninja",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Pages and (on a laptop) static files go out compressed: a phone's first load stays
    # under 50 KB. Django pads compressed pages at random against BREACH.
    "django.middleware.gzip.GZipMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "yixun.audit.context.AuditAddressMiddleware",
    "yixun.lib.links.RequestOriginMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "yixun.accounts.middleware.UserLanguageMiddleware",
    "yixun.api.middleware.RefuseBadInput",  # under /api/: NUL characters, bodies too large
    "yixun.members.middleware.NoticeAcceptanceMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "yixun.urls"
WSGI_APPLICATION = "yixun.wsgi.application"
ASGI_APPLICATION = "yixun.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "yixun" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "yixun.navigation.navigation",
                "yixun.bulletins.context.inbox",
                "yixun.bulletins.views.push.public_key",
            ],
            # base.html's share card: the page's title and description for Open Graph and
            # WeChat, and the absolute addresses they need (yixun.public.wechat).
            "libraries": {"share_card": "yixun.public.wechat"},
        },
    },
]

DATABASES = {
    "default": config.database(
        config.text("DATABASE_URL"), default_sqlite=DATA_DIR / "yixun.sqlite3"
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = config.text("REDIS_URL")
CACHES: dict[str, dict[str, Any]]
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": config.text("YIXUN_CACHE_PREFIX", "yixun"),
        }
    }
else:
    # One machine, several processes (gunicorn's workers, the task worker): a cache in files
    # that they all see, so that a session ended or a role taken away in one is gone in all.
    CACHES = {
        "default": {
            "BACKEND": "yixun.lib.filecache.SharedFileCache",
            "LOCATION": str(DATA_DIR / "cache"),
            "OPTIONS": {"MAX_ENTRIES": 50_000},
        }
    }
# What names its content in its key (a fragment keyed on what it shows, a list keyed on the
# token of what it was made from) is never stale, so each process keeps it in its own memory:
# a dictionary lookup, where the shared cache is a file read or a round trip to Redis.
# Django's 300 entries would be culled at random within one busy week of a county.
CACHES["local"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "local",
    "OPTIONS": {"MAX_ENTRIES": 5_000},  # a few tens of MB at most
}
CACHES["template_fragments"] = {  # the templates' {% cache %} tags, keyed the same way
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "template-fragments",
    "OPTIONS": {"MAX_ENTRIES": 5_000},
}
# Sessions are read from the cache and written through to the database, which keeps them.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["yixun.accounts.backends.PhoneRoleBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ["phone", "name"]},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60  # an SMS link is good for one hour

SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Chinese first, English second; the user's choice is kept in a cookie and on their account.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "yixun" / "locale"]
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
LANGUAGE_COOKIE_SAMESITE = "Lax"
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"  # shown to people; stored in UTC
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns when it is missing
STATICFILES_DIRS = [BASE_DIR / "yixun" / "static"]
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# A laptop serves static files straight from the apps; production runs collectstatic.
WHITENOISE_USE_FINDERS = not PRODUCTION

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    if config.flag("YIXUN_BEHIND_TLS_PROXY", default=True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = config.flag("YIXUN_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = config.integer("YIXUN_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = config.flag("YIXUN_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = config.flag("YIXUN_HSTS_PRELOAD", default=False)
    if not SECURE_HSTS_PRELOAD:
        # Preloading is a promise about every subdomain that is hard to take back;
        # the operator opts in with YIXUN_HSTS_PRELOAD=1, so its warning is not ours.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "yixun": {
            "handlers": ["console"],
            "level": config.text("YIXUN_LOG_LEVEL", "INFO"),
            "propagate": False,
        },
        "django_tasks": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# Yixun's own settings.
YIXUN_MESSAGE_SENDER = config.text("YIXUN_MESSAGE_SENDER", "yixun.accounts.messaging.ConsoleSender")
# Password sign-in (docs/configuration.md, "Signing in"). Failed passwords for one number from
# one address: the first few are free, then each waits twice as long as the one before, from
# YIXUN_LOCKOUT_FIRST_WAIT_SECONDS up to YIXUN_LOCKOUT_MINUTES. One address may fail
# YIXUN_LOCKOUT_PER_ADDRESS times an hour across all numbers; one number
# YIXUN_LOCKOUT_PER_NUMBER times an hour across all addresses, a ceiling one address cannot
# reach (about ten an hour). The owner always has a code sent to their phone.
YIXUN_LOCKOUT_FREE_TRIES = config.integer("YIXUN_LOCKOUT_FREE_TRIES", 3, minimum=1)
YIXUN_LOCKOUT_FIRST_WAIT_SECONDS = config.integer("YIXUN_LOCKOUT_FIRST_WAIT_SECONDS", 30, minimum=1)
YIXUN_LOCKOUT_MINUTES = config.integer("YIXUN_LOCKOUT_MINUTES", 15, minimum=1)
YIXUN_LOCKOUT_PER_ADDRESS = config.integer("YIXUN_LOCKOUT_PER_ADDRESS", 30, minimum=1)
YIXUN_LOCKOUT_PER_NUMBER = config.integer("YIXUN_LOCKOUT_PER_NUMBER", 100, minimum=1)
if config.text("YIXUN_LOCKOUT_PER_ACCOUNT"):
    raise ImproperlyConfigured(
        "YIXUN_LOCKOUT_PER_ACCOUNT is gone: a number is no longer locked after a few failures. "
        "See YIXUN_LOCKOUT_FREE_TRIES and YIXUN_LOCKOUT_PER_NUMBER in docs/configuration.md."
    )
# One-time codes by SMS (sign-in, and staff's second step): codes one address may ask for in
# an hour, and codes one number may be sent in a day, whoever asks.
YIXUN_CODES_PER_ADDRESS = config.integer("YIXUN_CODES_PER_ADDRESS", 10, minimum=1)
YIXUN_CODES_PER_NUMBER = config.integer("YIXUN_CODES_PER_NUMBER", 20, minimum=1)
# How many reverse proxies in front of Yixun append to X-Forwarded-For (0: the socket's address).
YIXUN_TRUSTED_PROXIES = config.integer("YIXUN_TRUSTED_PROXIES", 0)
YIXUN_ASSOCIATION_NAME = config.text("YIXUN_ASSOCIATION_NAME")
# Where people reach Yixun, for links that leave it (messages, QR posters, calendar addresses).
# Unset, links take the address of the request being served (yixun.lib.links).
YIXUN_SITE_URL = config.text("YIXUN_SITE_URL")
if YIXUN_SITE_URL and not YIXUN_SITE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(
        f"YIXUN_SITE_URL must be an address such as https://yixun.example.org; got {YIXUN_SITE_URL!r}."
    )
CSRF_FAILURE_VIEW = "yixun.views.csrf_failure"
# Refuse (rather than log) an audit entry whose code does not name its target; the tests set it.
YIXUN_AUDIT_STRICT = config.flag("YIXUN_AUDIT_STRICT", default=False)
# The duty map's tiles: any XYZ tile server ({z}/{x}/{y}); empty shows positions without a map.
# A provider in mainland China expects GCJ-02: set YIXUN_MAP_DATUM=gcj02 and positions are
# converted for it (yixun.lib.geo); they are always stored as WGS-84.
YIXUN_MAP_TILES = config.text("YIXUN_MAP_TILES", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
YIXUN_MAP_ATTRIBUTION = config.text("YIXUN_MAP_ATTRIBUTION", "© OpenStreetMap contributors")
YIXUN_MAP_DATUM = config.text("YIXUN_MAP_DATUM", "wgs84")
# The task worker (manage.py run_worker): a task held by a worker not seen for this many seconds
# is taken back and queued again; after this many such reclaims it is marked failed instead.
YIXUN_TASK_LEASE_SECONDS = config.integer("YIXUN_TASK_LEASE_SECONDS", 60, minimum=2)
YIXUN_TASK_MAX_RECLAIMS = config.integer("YIXUN_TASK_MAX_RECLAIMS", 3, minimum=1)
# Under ASGI (make run), Django reads WhiteNoise's static files through a thread and warns about
# it on every file: expected, and no use in the log.
warnings.filterwarnings(
    "ignore", message="StreamingHttpResponse must consume synchronous iterators", category=Warning
)
# Without Redis, how often (ms) each push process looks for new live events (docs/deployment.md).
YIXUN_LIVE_POLL_MILLISECONDS = config.integer("YIXUN_LIVE_POLL_MILLISECONDS", 250, minimum=50)
# How often (s) a quiet push stream sends a comment and looks its person up afresh.
YIXUN_LIVE_KEEPALIVE_SECONDS = config.integer("YIXUN_LIVE_KEEPALIVE_SECONDS", 20, minimum=1)
# E-mail (bulletins to members who chose it and to the public's subscriptions). Without
# EMAIL_HOST, e-mails are written to the log, as messages are by the console sender.
EMAIL_HOST = config.text("EMAIL_HOST")
EMAIL_PORT = config.integer("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = config.text("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = config.text("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = config.flag("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = config.flag("EMAIL_USE_SSL", default=False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured(
        "Set EMAIL_USE_TLS (STARTTLS, usually port 587) or EMAIL_USE_SSL (usually port 465), not both."
    )
# A worker's send waits this long for the mail server at most, then is retried later.
EMAIL_TIMEOUT = config.integer("EMAIL_TIMEOUT", 10, minimum=1)
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = config.text("YIXUN_EMAIL_FROM", "Yixun <noreply@localhost>")
# Group robots told of each new tip (WeCom, DingTalk or Feishu webhook addresses, comma-separated).
YIXUN_TIP_ROBOTS = config.listing("YIXUN_TIP_ROBOTS")
# Web Push: browser notifications of bulletins (docs/configuration.md, "Browser notifications"),
# signed with the VAPID key pair `manage.py vapid_keys` prints. Without it none are offered.
YIXUN_VAPID_PRIVATE_KEY = config.text("YIXUN_VAPID_PRIVATE_KEY")
YIXUN_VAPID_PUBLIC_KEY = config.text("YIXUN_VAPID_PUBLIC_KEY")
YIXUN_VAPID_SUBJECT = config.text("YIXUN_VAPID_SUBJECT")
if bool(YIXUN_VAPID_PRIVATE_KEY) != bool(YIXUN_VAPID_PUBLIC_KEY):
    raise ImproperlyConfigured(
        "Set both YIXUN_VAPID_PRIVATE_KEY and YIXUN_VAPID_PUBLIC_KEY (manage.py vapid_keys prints a pair), or neither."
    )
if YIXUN_VAPID_PRIVATE_KEY and not YIXUN_VAPID_SUBJECT.startswith(("mailto:", "https://")):
    raise ImproperlyConfigured(
        "YIXUN_VAPID_SUBJECT must say how the push services reach the association: a mailto: "
        f"or an https:// address; got {YIXUN_VAPID_SUBJECT!r}."
    )
# WeChat's share card on public pages (docs/configuration.md, "WeChat share card"): an official
# account's AppID and AppSecret, both or neither. Without them no page loads WeChat's script.
YIXUN_WECHAT_APP_ID = config.text("YIXUN_WECHAT_APP_ID")
YIXUN_WECHAT_APP_SECRET = config.text("YIXUN_WECHAT_APP_SECRET")
YIXUN_WECHAT_API = config.text("YIXUN_WECHAT_API", "https://api.weixin.qq.com").rstrip("/")
if bool(YIXUN_WECHAT_APP_ID) != bool(YIXUN_WECHAT_APP_SECRET):
    raise ImproperlyConfigured(
        "Set both YIXUN_WECHAT_APP_ID and YIXUN_WECHAT_APP_SECRET (the official account's "
        "developer settings show them), or neither."
    )
if YIXUN_WECHAT_APP_ID and not re.fullmatch(r"wx[0-9a-f]{16}", YIXUN_WECHAT_APP_ID):
    raise ImproperlyConfigured(
        f"YIXUN_WECHAT_APP_ID must be an AppID such as wx0123456789abcdef; got {YIXUN_WECHAT_APP_ID!r}."
    )
if YIXUN_WECHAT_APP_SECRET and not re.fullmatch(r"[0-9A-Za-z]{32}", YIXUN_WECHAT_APP_SECRET):
    raise ImproperlyConfigured(
        "YIXUN_WECHAT_APP_SECRET must be the official account's AppSecret: 32 letters and digits."
    )
if not YIXUN_WECHAT_API.startswith(("http://", "https://")):
    raise ImproperlyConfigured(
        f"YIXUN_WECHAT_API must be an address such as https://api.weixin.qq.com; got {YIXUN_WECHAT_API!r}."
    )
# Text messages for bulletins, per day across the install: past it they stop for the day and
# the officers are told (a gateway bills each message).
YIXUN_SMS_DAILY_LIMIT = config.integer("YIXUN_SMS_DAILY_LIMIT", 2000)
# Retention (docs/configuration.md, "Retention"): days each kind of personal data is kept before
# `manage.py apply_retention` removes it. The tips' contact details keep their own, officer-edited
# rule (TipRules.contact_retention_days). A 0 or a negative number stops start-up rather than mean
# "for ever", so that a slip of the keyboard never reads as "delete everything now"; to keep a
# kind for good, give a large number (36500). The defaults follow PIPL art. 19, as short as the
# purpose allows:
# - a tip's photos, 180 days after the tip is done with, as its contact details by default: by then
#   the police hold what they need, and a photo of a street shows its passers-by;
# - a patrol's photos, 365 days after they were taken: the year's report and commendations use them;
# - where a volunteer checked in, 90 days after: the leader's review and hours corrections are done
#   long before; the duty itself (place, times, distance from the site) stays for hours, figures
#   and insurance claims;
# - the audit trail, three years (the Civil Code's ordinary limitation, art. 188), and never under
#   the six months of logs the Cybersecurity Law (art. 21) requires.
YIXUN_RETAIN_TIP_PHOTOS_DAYS = config.integer("YIXUN_RETAIN_TIP_PHOTOS_DAYS", 180, minimum=1)
YIXUN_RETAIN_PATROL_PHOTOS_DAYS = config.integer("YIXUN_RETAIN_PATROL_PHOTOS_DAYS", 365, minimum=1)
YIXUN_RETAIN_POSITIONS_DAYS = config.integer("YIXUN_RETAIN_POSITIONS_DAYS", 90, minimum=1)
YIXUN_RETAIN_AUDIT_DAYS = config.integer("YIXUN_RETAIN_AUDIT_DAYS", 3 * 365, minimum=1)
if YIXUN_RETAIN_AUDIT_DAYS < 180:
    raise ImproperlyConfigured(
        f"YIXUN_RETAIN_AUDIT_DAYS must be at least 180: the Cybersecurity Law (art. 21) asks for "
        f"six months of logs; got {YIXUN_RETAIN_AUDIT_DAYS}."
    )
