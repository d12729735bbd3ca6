"""Admin pages for LiteLLM config files: import (preview first, then apply) and export (download).

The preview is a dry run of the same service the `import_config` command calls, so what an
operator sees is what applying does. The previewed file waits in the database (ImportPreview; the
session holds only its token, the digest and the config version the preview was computed from), so
the apply may reach any app server (PRODUCT.md 8): if anyone writes in between, applying refuses and
shows the new preview rather than applying a report nobody has read.

Routed by the admin site (fallbacks.admin.sites); who may import and export is
fallbacks.admin.permissions'.
"""

import hashlib

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from fallbacks import queries, selectors, services
from fallbacks.admin.permissions import actor_of, can_export, can_import
from fallbacks.config_format import MAX_DOCUMENT_BYTES, ConfigFormat, ImportMode
from fallbacks.errors import DomainError, ErrorCode
from fallbacks.services.import_previews import PREVIEW_LIFETIME

MAX_UPLOAD_BYTES = MAX_DOCUMENT_BYTES  # the importer's own limit; a 10,000-group config is about 3 MB
SHOWN_PER_SECTION = 500  # lines of a report shown per section; the counts are always complete
PENDING_IMPORT = "fallbacks_config_import"  # session key of what applying the preview needs
# Previewed files wait in the database rather than in the session, which every admin request loads whole.
PENDING_LIFETIME = PREVIEW_LIFETIME  # previews nobody applied are deleted after a day
EXPORT_FILE_NAME = "litellm_config.{extension}"
EXPORT_CONTENT_TYPES = {ConfigFormat.YAML: "application/yaml", ConfigFormat.JSON: "application/json"}
APPLIED = "Imported {file} ({mode}): {summary}; config version {version}."
NOTHING_TO_APPLY = "{file} changes nothing: config version {version} stays."
NOTHING_PENDING = "There is no previewed file to apply: upload it again."
MOVED_ON = "The configuration changed since this preview. Here is the preview again, against the current configuration."

MODE_CHOICES = [
    (ImportMode.MERGE.value, "Merge: set what the file names, keep everything else"),
    (ImportMode.REPLACE.value, "Replace: make the configuration exactly the file (removes what it does not name)"),
]


class ConfigUploadForm(forms.Form):
    config_file = forms.FileField(label="LiteLLM config file (YAML or JSON)")
    mode = forms.ChoiceField(choices=MODE_CHOICES, initial=ImportMode.MERGE.value, widget=forms.RadioSelect)

    def clean_config_file(self):
        upload = self.cleaned_data["config_file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(f"The file is larger than {MAX_UPLOAD_BYTES // 2**20} MB.")
        return upload


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _file_name(name: str) -> str:
    return "".join(character for character in name if character.isprintable())[:255] or "the file"


def _keep_pending(request, *, document: str, mode: str, file_name: str, version: int) -> str:
    """Keep the previewed file for `action=apply`, in place of the session's earlier one; returns its digest."""
    earlier = request.session.get(PENDING_IMPORT)
    token = services.import_preview_keep(
        user=request.user,
        document=document,
        replaces=earlier.get("token") if isinstance(earlier, dict) and isinstance(earlier.get("token"), str) else None,
    )
    digest = _digest(document)
    request.session[PENDING_IMPORT] = {
        "token": token,
        "digest": digest,
        "mode": mode,
        "file_name": file_name,
        "version": version,
    }
    return digest


def _pending(request) -> tuple[dict, str] | None:
    """What the preview kept, and the file's text as it was previewed; None when there is none."""
    pending = request.session.get(PENDING_IMPORT)
    token = pending.get("token") if isinstance(pending, dict) else None
    if not isinstance(token, str):
        return None
    document = selectors.import_preview(token, user=request.user, lifetime=PENDING_LIFETIME)
    if document is None:  # applied, or a day old and cleaned up
        return None
    return (pending, document) if _digest(document) == pending.get("digest") else None


def _drop_pending(request) -> None:
    pending = request.session.pop(PENDING_IMPORT, None)
    token = pending.get("token") if isinstance(pending, dict) else None
    if isinstance(token, str):
        services.import_preview_drop(token=token)


def _sections(report: services.ImportReport) -> list[dict]:
    sections = []
    for title, changes in (("Created", report.created), ("Changed", report.changed), ("Removed", report.removed)):
        sections.append(
            {
                "title": title,
                "count": len(changes),
                "lines": [str(change) for change in changes[:SHOWN_PER_SECTION]],
                "not_shown": max(0, len(changes) - SHOWN_PER_SECTION),
            }
        )
    return sections


def _page(request, *, form, status: int = 200, **context) -> TemplateResponse:
    context = {
        **admin.site.each_context(request),
        "title": "Import a LiteLLM config file",
        "form": form,
        "can_export": can_export(request.user),
        "export_formats": [fmt.value for fmt in ConfigFormat],
        "max_upload_mb": MAX_UPLOAD_BYTES // 2**20,
        **context,
    }
    return TemplateResponse(request, "admin/fallbacks/config/import.html", context, status=status)


def _preview(request, *, form, document: str, mode: str, file_name: str, notice: str = "") -> TemplateResponse:
    """Run the import as a dry run and show its report, or every problem of the file."""
    try:
        report = services.config_import(actor=actor_of(request), document=document, mode=mode, dry_run=True)
    except services.ConfigRefused as refused:
        _drop_pending(request)
        return _page(request, form=form, problems=[str(p) for p in refused.problems], file_name=file_name, status=400)
    except DomainError as refusal:
        _drop_pending(request)
        return _page(request, form=form, problems=[refusal.message], file_name=file_name, status=400)
    digest = _keep_pending(request, document=document, mode=mode, file_name=file_name, version=report.version)
    return _page(
        request,
        form=form,
        report=report,
        sections=_sections(report),
        notices=[str(notice) for notice in report.notices],
        file_name=file_name,
        digest=digest,
        notice=notice,
    )


@require_http_methods(["GET", "POST"])
def config_import_view(request):
    """Upload a file and see the dry run (`action=preview`), then apply that very file (`action=apply`)."""
    if not can_import(request.user):
        raise PermissionDenied
    if request.method == "GET" or request.POST.get("action") != "apply":
        if request.method == "GET":
            return _page(request, form=ConfigUploadForm())
        form = ConfigUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return _page(request, form=form, status=400)
        mode = form.cleaned_data["mode"]
        if not can_import(request.user, mode):
            raise PermissionDenied
        upload = form.cleaned_data["config_file"]
        raw = upload.read()
        try:
            document = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            document = raw  # the service reports that the file is not UTF-8, like any other problem
        return _preview(request, form=form, document=document, mode=mode, file_name=_file_name(upload.name))
    return _apply(request)


def _apply(request):
    kept = _pending(request)
    if kept is None or request.POST.get("digest") != kept[0]["digest"]:
        messages.error(request, NOTHING_PENDING)
        return HttpResponseRedirect(reverse("admin:fallbacks_config_import"))
    pending, document = kept
    if not can_import(request.user, pending["mode"]):
        raise PermissionDenied
    form = ConfigUploadForm(initial={"mode": pending["mode"]})
    try:
        report = services.config_import(
            actor=actor_of(request), document=document, mode=pending["mode"], expected_version=pending["version"]
        )
    except services.ConfigRefused as refused:
        _drop_pending(request)
        return _page(
            request, form=form, problems=[str(p) for p in refused.problems], file_name=pending["file_name"], status=400
        )
    except DomainError as refusal:
        if refusal.code == ErrorCode.STALE_PREVIEW:
            return _preview(
                request,
                form=form,
                document=document,
                mode=pending["mode"],
                file_name=pending["file_name"],
                notice=MOVED_ON,
            )
        messages.error(request, refusal.message)
        return HttpResponseRedirect(reverse("admin:fallbacks_config_import"))
    _drop_pending(request)
    if report.applied:
        message = APPLIED.format(
            file=pending["file_name"], mode=report.mode, summary=report.summary, version=report.version
        )
    else:
        message = NOTHING_TO_APPLY.format(file=pending["file_name"], version=report.version)
    messages.success(request, message)
    return HttpResponseRedirect(reverse("admin:fallbacks_config_import"))


@require_GET
def config_export_view(request):
    """Download the export (`?format=yaml`, the default, or `json`), as `export_config` writes it."""
    if not can_export(request.user):
        raise PermissionDenied
    try:
        fmt = ConfigFormat(request.GET.get("format", ConfigFormat.YAML.value))
    except ValueError:
        return HttpResponse("format must be yaml or json", status=400, content_type="text/plain; charset=utf-8")
    exported = queries.exported_config(fmt)
    response = HttpResponse(exported.text, content_type=f"{EXPORT_CONTENT_TYPES[fmt]}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{EXPORT_FILE_NAME.format(extension=fmt.value)}"'
    if exported.version is not None:
        response["X-Config-Version"] = str(exported.version)
    return response
