"""Previewed config files waiting in the database for the admin's *Apply this import* (PRODUCT.md 8).

Not configuration writes: no lock, no version, no change record. A preview replaces the session's earlier one,
and previews nobody applied are deleted after a day, by the next preview anyone makes.
"""

import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from fallbacks.models import ImportPreview

PREVIEW_LIFETIME = timedelta(days=1)


@transaction.atomic
def import_preview_keep(*, user, document: str, replaces: str | None = None) -> str:
    """Keep `document` for `user` until it is applied; returns the token that names it.

    Deletes the preview `replaces` names (the session's earlier one) and every preview older than a day.
    """
    expired = ImportPreview.objects.filter(created_at__lt=timezone.now() - PREVIEW_LIFETIME)
    expired.delete()
    if replaces:
        import_preview_drop(token=replaces)
    token = secrets.token_urlsafe(32)
    ImportPreview.objects.create(token=token, user=user, document=document.encode())
    return token


def import_preview_drop(*, token: str) -> None:
    """Delete a preview (applied, refused, or replaced); nothing when it is gone already."""
    ImportPreview.objects.filter(token=token).delete()
