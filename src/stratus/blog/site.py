"""The static site: pages and feeds rendered with Jinja2 (autoescape on), as (path, file) pairs.

Pure: given posts, it returns files; publisher.py decides what changed and writes it. Layout
per language L (every page states `<html lang="L">`; links are root-relative so the same
files serve from any host):

    /index.html                       language chooser
    /{L}/index.html, /{L}/page/{n}/index.html        newest first, PAGE_SIZE per page
    /{L}/posts/{slug}/index.html      one post (with links to its translations)
    /{L}/tags/{tag}/index.html        every post of L with that tag
    /{L}/feed.xml  /{L}/atom.xml      RSS 2.0 and Atom 1.0, the FEED_SIZE newest
    /assets/site.<hash>.css|js        the stylesheet and script (no inline script or style,
                                      so the CSP can say `'self'`); content-hashed, immutable

The language switch on a post page links to the post's translations (to the language's index
where there is none); site.js stores the choice in the `lang` cookie the edge reads.
Pages find the API at `<meta name="blog-api">` (`API_BASE`, the site's own `/api`); the
comment sign-in reads `/config.json` (user pool, app client, region, Cognito endpoint).
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import format_datetime
from importlib import resources

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from stratus.blog.domain import LANGUAGES, Post, PostSummary, Translation, parse_iso

PAGE_SIZE = 10
FEED_SIZE = 20
HTML = "text/html; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"
ATOM = "application/atom+xml; charset=utf-8"
JSON = "application/json"
# Browsers revalidate after a minute; CloudFront keeps pages a day and is invalidated on
# every publish (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/Expiration.html).
PAGE_CACHE_CONTROL = "public, max-age=60, s-maxage=86400"
# Assets are named by their content, so any cache may keep them for a year.
ASSET_CACHE_CONTROL = "public, max-age=31536000, immutable"
ASSETS = {"site.css": "text/css; charset=utf-8", "site.js": "text/javascript; charset=utf-8"}
API_BASE = "/api"

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "site": "MyBlog", "latest": "Latest posts", "tag": "Posts tagged", "newer": "Newer",
        "older": "Older", "also": "Also in", "by": "by", "feed": "Feed", "empty": "No posts yet.",
        "language": "English", "home": "Home",
        "languages": "Languages", "comments": "Comments", "no_comments": "No comments yet.",
        "comments_failed": "Comments could not be loaded:", "signin_to_comment":
        "Sign in to comment.", "email": "Email", "password": "Password", "signin": "Sign in",
        "signout": "Sign out", "signed_in_as": "Signed in as", "your_comment": "Your comment",
        "send": "Send", "name": "Name (optional)", "subscribe": "Subscribe",
        "sub_title": "Get new posts by e-mail",
        "sub_sent": "Thanks! Check your inbox to confirm the subscription.",
        "sub_failed": "Subscribing failed:",
        "signup": "Create an account", "code": "Confirmation code", "confirm_code": "Confirm",
        "code_sent": "We mailed you a confirmation code.",
        "refused": "The site refused this comment (it looked like code). Please rephrase it.",
    },
    "fr": {
        "site": "MyBlog", "latest": "Derniers articles", "tag": "Articles avec l'étiquette",
        "newer": "Plus récents", "older": "Plus anciens", "also": "Aussi en", "by": "par",
        "feed": "Flux", "empty": "Aucun article pour l'instant.", "language": "Français",
        "home": "Accueil",
        "languages": "Langues", "comments": "Commentaires",
        "no_comments": "Pas encore de commentaires.",
        "comments_failed": "Impossible de charger les commentaires :",
        "signin_to_comment": "Connectez-vous pour commenter.", "email": "E-mail",
        "password": "Mot de passe", "signin": "Se connecter", "signout": "Se déconnecter",
        "signed_in_as": "Connecté en tant que", "your_comment": "Votre commentaire",
        "send": "Envoyer", "name": "Nom (facultatif)", "subscribe": "S'abonner",
        "sub_title": "Recevoir les nouveaux articles par e-mail",
        "sub_failed": "L'abonnement a échoué :",
        "sub_sent": "Merci ! Confirmez l'abonnement depuis votre boîte de réception.",
        "signup": "Créer un compte", "code": "Code de confirmation", "confirm_code": "Confirmer",
        "code_sent": "Un code de confirmation vous a été envoyé par e-mail.",
        "refused": "Le site a refusé ce commentaire (il ressemble à du code). Reformulez-le.",
    },
    "de": {
        "site": "MyBlog", "latest": "Neueste Beiträge", "tag": "Beiträge mit dem Schlagwort",
        "newer": "Neuere", "older": "Ältere", "also": "Auch auf", "by": "von", "feed": "Feed",
        "empty": "Noch keine Beiträge.", "language": "Deutsch", "home": "Startseite",
        "languages": "Sprachen", "comments": "Kommentare", "no_comments": "Noch keine Kommentare.",
        "comments_failed": "Kommentare konnten nicht geladen werden:",
        "signin_to_comment": "Zum Kommentieren anmelden.", "email": "E-Mail",
        "password": "Passwort", "signin": "Anmelden", "signout": "Abmelden",
        "signed_in_as": "Angemeldet als", "your_comment": "Ihr Kommentar", "send": "Senden",
        "name": "Name (optional)", "subscribe": "Abonnieren",
        "sub_title": "Neue Beiträge per E-Mail",
        "sub_sent": "Danke! Bitte bestätigen Sie das Abonnement in Ihrem Posteingang.",
        "sub_failed": "Das Abonnement ist fehlgeschlagen:",
        "signup": "Konto anlegen", "code": "Bestätigungscode", "confirm_code": "Bestätigen",
        "code_sent": "Wir haben Ihnen einen Bestätigungscode gesendet.",
        "refused": "Die Website hat diesen Kommentar abgelehnt (er sah aus wie Code). "
        "Bitte formulieren Sie ihn um.",
    },
}  # fmt: skip


@dataclass(frozen=True)
class SiteFile:
    path: str  # starts with "/"
    body: bytes
    content_type: str
    language: str | None
    cache_control: str = PAGE_CACHE_CONTROL


@functools.cache
def _env() -> Environment:
    return Environment(
        loader=PackageLoader("stratus.blog", "templates"),
        autoescape=select_autoescape(["html", "xml"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _render(template: str, **values: object) -> bytes:
    return _env().get_template(template).render(**values).encode("utf-8")


def _day(stamp: str | None) -> str:
    return stamp[:10] if stamp else ""


def post_path(lang: str, slug: str) -> str:
    return f"/{lang}/posts/{slug}/index.html"


def index_path(lang: str, page: int) -> str:
    return f"/{lang}/index.html" if page == 1 else f"/{lang}/page/{page}/index.html"


def tag_path(lang: str, tag: str) -> str:
    return f"/{lang}/tags/{tag}/index.html"


def url_of(path: str) -> str:
    """The URL a reader uses for a file (`/en/index.html` is served as `/en/`)."""
    return path.removesuffix("index.html")


@functools.cache
def _asset_source(name: str) -> bytes:
    return resources.files("stratus.blog").joinpath("templates", "assets", name).read_bytes()


def asset_path(name: str) -> str:
    """`/assets/site.<first 12 hex of SHA-256>.css`: a new name whenever the content changes."""
    stem, _, ext = name.rpartition(".")
    digest = hashlib.sha256(_asset_source(name)).hexdigest()[:12]
    return f"/assets/{stem}.{digest}.{ext}"


def asset_files() -> list[SiteFile]:
    return [
        SiteFile(asset_path(name), _asset_source(name), kind, None, ASSET_CACHE_CONTROL)
        for name, kind in ASSETS.items()
    ]


def language_switch(
    lang: str, translations: list[Translation] | None = None
) -> list[tuple[str, str, str]]:
    """(code, label, URL) per language: the translation of this page where there is one."""
    found: dict[str, str] = {
        tr.lang: url_of(post_path(tr.lang, tr.slug)) for tr in translations or []
    }
    return [(code, TEXT[code]["language"], found.get(code, f"/{code}/")) for code in LANGUAGES]


def _common(lang: str, translations: list[Translation] | None = None) -> dict[str, object]:
    return {
        "lang": lang,
        "t": TEXT[lang],
        "languages": [(code, TEXT[code]["language"]) for code in LANGUAGES],
        "switch": language_switch(lang, translations),
        "api_base": API_BASE,
        "asset": asset_path,
        "day": _day,
        "url_of": url_of,
    }


def post_page(post: Post, translations: list[Translation]) -> SiteFile:
    body = _render(
        "post.html",
        post=post,
        translations=translations,
        title=post.title,
        **_common(post.lang, translations),
    )
    return SiteFile(post_path(post.lang, post.slug), body, HTML, post.lang)


def index_pages(lang: str, posts: list[PostSummary]) -> list[SiteFile]:
    pages = [posts[i : i + PAGE_SIZE] for i in range(0, len(posts), PAGE_SIZE)] or [[]]
    out = []
    for number, items in enumerate(pages, start=1):
        newer = url_of(index_path(lang, number - 1)) if number > 1 else None
        older = url_of(index_path(lang, number + 1)) if number < len(pages) else None
        body = _render(
            "index.html",
            posts=items,
            heading=TEXT[lang]["latest"],
            title=TEXT[lang]["latest"],
            newer=newer,
            older=older,
            **_common(lang),
        )
        out.append(SiteFile(index_path(lang, number), body, HTML, lang))
    return out


def tag_pages(lang: str, posts: list[PostSummary]) -> list[SiteFile]:
    by_tag: dict[str, list[PostSummary]] = {}
    for post in posts:
        for tag in post.tags:
            by_tag.setdefault(tag, []).append(post)
    out = []
    for tag, items in sorted(by_tag.items()):
        heading = f"{TEXT[lang]['tag']} “{tag}”"
        body = _render(
            "index.html", posts=items, heading=heading, title=heading, newer=None, older=None,
            **_common(lang),
        )  # fmt: skip
        out.append(SiteFile(tag_path(lang, tag), body, HTML, lang))
    return out


def feeds(lang: str, posts: list[PostSummary], site_url: str) -> list[SiteFile]:
    base = site_url.rstrip("/")
    items = posts[:FEED_SIZE]
    updated = items[0].published_at if items else "1970-01-01T00:00:00Z"
    values = {
        "lang": lang,
        "t": TEXT[lang],
        "base": base,
        "posts": items,
        "updated": updated,
        "rfc822": lambda stamp: format_datetime(parse_iso(stamp), usegmt=True),
        "post_url": lambda p: base + url_of(post_path(p.lang, p.slug)),
    }
    return [
        SiteFile(f"/{lang}/feed.xml", _render("rss.xml", **values), RSS, lang),
        SiteFile(f"/{lang}/atom.xml", _render("atom.xml", **values), ATOM, lang),
    ]


def home_page() -> SiteFile:
    body = _render("home.html", title="MyBlog", **_common("en"))
    return SiteFile("/index.html", body, HTML, None)


# The distribution's error page (CloudFront answers it for any missing page, in every
# language, so it speaks all three). Plain and self-contained: it must render even when the
# templates or styles are what is missing.
NOT_FOUND_HTML = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Not found - MyBlog</title></head>
<body>
<main>
<h1>Page not found</h1>
<p>This page does not exist (any more). <a href="/en/">Home</a></p>
<p lang="fr">Cette page n'existe pas (ou plus). <a href="/fr/">Accueil</a></p>
<p lang="de">Diese Seite gibt es nicht (mehr). <a href="/de/">Startseite</a></p>
</main>
</body>
</html>
"""


def not_found_page() -> SiteFile:
    return SiteFile("/404.html", NOT_FOUND_HTML.encode(), HTML, None)


CONFIG_PATH = "/config.json"
# Browsers and CloudFront keep it a minute: the publisher invalidates it when it changes, and
# a reader who loaded an old copy only needs a reload.
CONFIG_CACHE_CONTROL = "public, max-age=60, s-maxage=60"


def config_file(settings: Mapping[str, str]) -> SiteFile:
    """`/config.json`: what site.js needs to sign readers in (region, user pool, app client,
    Cognito's endpoint) and the API base (the site's own `/api/`)."""
    document = {"apiUrl": API_BASE + "/", **settings}
    body = (json.dumps(document, indent=2, sort_keys=True) + "\n").encode()
    return SiteFile(CONFIG_PATH, body, JSON, None, CONFIG_CACHE_CONTROL)


def root_files(settings: Mapping[str, str] | None = None) -> list[SiteFile]:
    """The language-less files at the site's root: the language chooser, the 404 page and,
    given the sign-in settings, `/config.json`."""
    files = [home_page(), not_found_page()]
    if settings:
        files.append(config_file(settings))
    return files


def language_files(lang: str, posts: list[PostSummary], site_url: str) -> list[SiteFile]:
    """Every list page, tag page and feed of one language (post pages are rendered apart)."""
    return [*index_pages(lang, posts), *tag_pages(lang, posts), *feeds(lang, posts, site_url)]
