"""The admin's login page for an address locked out after too many failed logins (django-axes calls this).

PRODUCT.md 4: the admin's own page, status 429 with Retry-After, saying for how long. django-axes refuses
the address before any password is checked (its backend is the first of AUTHENTICATION_BACKENDS).
"""

import math

from axes.helpers import get_cool_off
from django.contrib import admin
from django.template.response import TemplateResponse

LOCKED_OUT = "Too many failed login attempts from your address. Try again in {minutes} minute{plural}."


def locked_out(request, original_response=None, credentials=None):
    cool_off = get_cool_off(request)
    seconds = int(cool_off.total_seconds()) if cool_off else 0
    minutes = max(1, math.ceil(seconds / 60))
    context = {
        **admin.site.each_context(request),
        "title": "Log in",
        "message": LOCKED_OUT.format(minutes=minutes, plural="" if minutes == 1 else "s"),
    }
    response = TemplateResponse(request, "admin/fallbacks/login_locked_out.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response.render()
