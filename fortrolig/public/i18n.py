"""Language choice for public pages without a cookie.

Django's language switch is a POST form, which sets a CSRF cookie, and it remembers the
choice in a cookie. A public page sets no cookies for an anonymous visitor, so it takes
the language from `?lang=` instead, and from the browser's Accept-Language otherwise.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

ViewFunc = TypeVar("ViewFunc", bound=Callable[..., HttpResponse])

LANG_PARAM = "lang"


def supported_language(code: str | None) -> str | None:
    """`code` when it is one of the site's languages, else None."""
    codes = {language for language, _name in settings.LANGUAGES}
    return code if code in codes else None


def language_from_query(view: ViewFunc) -> ViewFunc:
    """Serve the page in the language named by `?lang=`, when it is a supported one."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        language = supported_language(request.GET.get(LANG_PARAM))
        if language is not None:
            # Active for the rest of this request; LocaleMiddleware activates afresh for the
            # next one and reports this one in Content-Language.
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return view(request, *args, **kwargs)

    return cast(ViewFunc, wrapper)
