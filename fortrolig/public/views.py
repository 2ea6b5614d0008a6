"""The public pages: the job board, an ad's page, and the verification page (P-13, P-14,
P-15). None of them sets a cookie for a visitor: their forms are GET forms without a CSRF
token, and the language comes from `?lang=` (see `i18n`)."""

import json
import uuid
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from fortrolig.assignments.ads_selectors import verify_check
from fortrolig.core import clock
from fortrolig.core.errors import NotFound, ValidationFailed

from . import selectors
from .i18n import LANG_PARAM, language_from_query, supported_language

# As django.utils.html.json_script does: user text cannot close the script element or
# open a comment inside it.
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def json_ld(data: dict[str, Any]) -> SafeString:
    """`data` as JSON that is safe inside <script type="application/ld+json">."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return mark_safe(text.translate(_JSON_SCRIPT_ESCAPES))  # noqa: S308 - escaped above


class BoardSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    location = forms.CharField(label=_("Location"), required=False, max_length=200)
    agency = forms.SlugField(label=_("Agency"), required=False, max_length=60)
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class VerifyForm(forms.Form):
    code = forms.CharField(
        label=_("Verification code"),
        required=False,
        max_length=40,
        help_text=_("Printed on the ad, like ABCD-EFGH."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    url = forms.CharField(
        label=_("Address where you found it"),
        required=False,
        max_length=2000,
        help_text=_("Copy the address from your browser, like https://www.example.com/job/123."),
        widget=forms.TextInput(attrs={"inputmode": "url", "spellcheck": "false"}),
    )


def _language_links(request: HttpRequest) -> dict[str, Any]:
    """Links that keep the visitor's language (only when it was chosen by `?lang=`), and
    language switches that keep the rest of the query."""
    lang = supported_language(request.GET.get(LANG_PARAM)) or ""
    rest = request.GET.copy()
    rest.pop(LANG_PARAM, None)
    rest.pop("page", None)
    switch = {}
    for code in ("nb", "en"):
        query = rest.copy()
        query[LANG_PARAM] = code
        switch[code] = "?" + query.urlencode()
    return {
        "lang": lang,
        "lang_query": f"?{urlencode({LANG_PARAM: lang})}" if lang else "",
        "lang_switch": switch,
    }


@require_GET
@language_from_query
def landing(request: HttpRequest) -> HttpResponse:
    """The job board: every agency's open ads, searchable, newest first, and the agencies
    with their public contact addresses."""
    form = BoardSearchForm(request.GET)
    form.is_valid()
    # Each field that is valid is used; a bad one (a page "abc") is left out.
    data = form.cleaned_data
    result = selectors.board(
        query=selectors.BoardQuery(
            text=data.get("q") or "",
            location=data.get("location") or "",
            agency=data.get("agency") or "",
            page=data.get("page") or 1,
        ),
        now=clock.now(),
    )
    query = request.GET.copy()
    query.pop("page", None)
    searched = any(data.get(name) for name in ("q", "location", "agency"))
    return render(
        request,
        "public/landing.html",
        {
            "form": form,
            "board": result,
            "query": query.urlencode(),
            "searched": searched,
            **_language_links(request),
        },
    )


@require_GET
@language_from_query
def ad_page(request: HttpRequest, ad_id: uuid.UUID) -> HttpResponse:
    """An ad's page with its verification code and JobPosting structured data. A draft or
    an unknown ad answers 404; a closed ad, or one whose deadline has passed, answers 410
    with a short page that says so."""
    links = _language_links(request)
    try:
        ad = selectors.public_ad_get(ad_id=ad_id, now=clock.now())
    except NotFound:
        return render(request, "public/not_found.html", links, status=404)
    if not ad.is_open:
        return render(request, "public/ad_closed.html", {"ad": ad, **links}, status=410)
    return render(
        request,
        "public/ad.html",
        {"ad": ad, "structured_data": json_ld(selectors.job_posting(ad)), **links},
    )


@require_GET
@language_from_query
def verify(request: HttpRequest) -> HttpResponse:
    """Is this ad from us? Takes the code printed on the ad, the address where it was
    found, or both, and answers plainly (P-13, P-14)."""
    asked = "code" in request.GET or "url" in request.GET
    form = VerifyForm(request.GET if asked else None)
    result = None
    if asked and form.is_valid():
        try:
            result = verify_check(
                code=form.cleaned_data["code"], url=form.cleaned_data["url"], now=clock.now()
            )
        except ValidationFailed as error:
            for field, messages in error.field_errors.items():
                for message in messages:
                    form.add_error(field if field in form.fields else None, message)
    return render(
        request,
        "public/verify.html",
        {"form": form, "result": result, **_language_links(request)},
        status=400 if form.errors else 200,
    )
