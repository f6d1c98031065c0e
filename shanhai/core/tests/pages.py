"""The pages a demo office user can open, and a reader that finds markup a browser would run.

Shared by the web security tests: the CSP walk and the XSS payload walk open the same pages.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from html.parser import HTMLParser

from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from shanhai.accounts.models import User

OFFICE_USER = "songjiang"  # 松江区合作交流办, the demo's cooperation office
PAIRING = "songjiang-weixin"
# The back office and the channels' JSON API have their own tests; set_language is a form target.
_LEFT_OUT_NAMESPACES = ("admin", "api")
_LEFT_OUT_NAMES = {"set_language"}
EVENT_HANDLER = re.compile(r"^on[a-z]+$")
# Attributes a browser follows as a URL: a javascript: URL in one of these runs when used.
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "cite"}


def load_demo_office_client() -> Client:
    """Load the demo and return a client logged in as its Songjiang cooperation office."""
    call_command("demo", stdout=io.StringIO())
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(User.objects.get(username=OFFICE_USER))
    return client


def page_urls() -> list[str]:
    """Return every named URL that takes no argument or only the demo pairing's code."""
    urls = []
    for name, converters in _named_patterns(get_resolver().url_patterns, ""):
        if name.split(":")[0] in _LEFT_OUT_NAMESPACES or name in _LEFT_OUT_NAMES:
            continue
        if not set(converters) <= {"code"}:
            continue
        urls.append(reverse(name, kwargs={"code": PAIRING} if converters else None))
    return sorted(set(urls))


def _named_patterns(
    patterns: list[URLPattern | URLResolver], namespace: str
) -> Iterator[tuple[str, list[str]]]:
    for pattern in patterns:
        converters = list(getattr(pattern.pattern, "converters", {}))
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            for name, more in _named_patterns(pattern.url_patterns, inner):
                yield name, converters + more
        elif pattern.name:
            yield f"{namespace}{pattern.name}", converters


class Markup(HTMLParser):
    """The parts of a page that a Content-Security-Policy governs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[dict[str, str | None]] = []
        self.style_elements: list[dict[str, str | None]] = []
        # (tag, attribute, value) of each attribute a browser would run or the policy would block
        self.event_handlers: list[tuple[str, str, str]] = []
        self.javascript_urls: list[tuple[str, str, str]] = []
        self.style_attributes: list[tuple[str, str, str]] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        attributes = dict(attrs)
        if tag == "script":
            self.scripts.append(attributes)
        elif tag == "style":
            self.style_elements.append(attributes)
        for name, value in attrs:
            text = value or ""
            if EVENT_HANDLER.match(name):
                self.event_handlers.append((tag, name, text))
            elif name == "style":
                self.style_attributes.append((tag, name, text))
            if name in URL_ATTRIBUTES and re.sub(r"[\s\x00-\x1f]", "", text).lower().startswith(
                "javascript:"
            ):
                self.javascript_urls.append((tag, name, text))


def read_markup(html: str) -> Markup:
    markup = Markup()
    markup.feed(html)
    markup.close()
    return markup
