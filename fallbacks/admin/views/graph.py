"""The admin page that draws every chain of one type as a graph (`admin/fallbacks/graph/<type>`).

Routed by the admin site's `get_urls()` (fallbacks.admin.sites), so it has the admin's login and
context; it needs the permission to view or to change fallback entries (a change permission
implies seeing, as everywhere in Django's admin). The drawing is cytoscape.js with the layered dagre
layout (cytoscape-dagre), served from this app's static files. `?model=NAME` draws that model's
neighbourhood; past drawing.MAX_DRAWN_NODES the page always draws a neighbourhood, never the whole graph.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import reverse

from fallbacks import queries
from fallbacks.admin.permissions import can_view_chains
from fallbacks.domain import FALLBACK_TYPES


def fallback_graph_view(request, fallback_type: str):
    if fallback_type not in FALLBACK_TYPES:
        raise Http404(f"No fallback type '{fallback_type}'")
    if not can_view_chains(request):
        raise PermissionDenied
    focus = request.GET.get("model", "").strip() or None
    graph = queries.fallback_graph(fallback_type, focus=focus)
    context = {
        **admin.site.each_context(request),
        "title": f"{FALLBACK_TYPES[fallback_type].label} fallback graph",
        "graph": graph,
        "fallback_type": fallback_type,
        "fallback_types": FALLBACK_TYPES.choices(),
        "changelist_url": reverse("admin:fallbacks_modelgroup_changelist"),
        "searched": focus or "",
    }
    return TemplateResponse(request, "admin/fallbacks/plan/graph.html", context)
