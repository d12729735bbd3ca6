"""API routes. Model names may contain `/`, so they are matched with the `path` converter."""

from django.urls import path

from fallbacks.api import views

model_groups = views.ModelGroupViewSet.as_view({"get": "list", "post": "create"})
model_group = views.ModelGroupViewSet.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"})

urlpatterns = [
    path("fallback", views.FallbackView.as_view(), name="fallback-list"),
    path("fallback/<path:model>", views.FallbackDetailView.as_view(), name="fallback-detail"),
    path("v1/models", views.ModelListView.as_view(), name="model-list"),
    path("models", views.ShortModelListView.as_view(), name="model-list-short"),
    path("v1/models/<path:model>", views.ModelDetailView.as_view(), name="model-detail"),
    path("model_groups", model_groups, name="model-group-list"),
    path("model_groups/<path:name>", model_group, name="model-group-detail"),
    path("fallback_plan/<path:model>", views.FallbackPlanView.as_view(), name="fallback-plan"),
    path("fallback_lint", views.FallbackLintView.as_view(), name="fallback-lint"),
    path("fallback_settings", views.FallbackSettingsView.as_view(), name="fallback-settings"),
    path("config", views.ConfigFeedView.as_view(), name="config"),
    path("config/versions", views.ConfigVersionsView.as_view(), name="config-versions"),
    path("config/versions/<int:version>", views.ConfigVersionView.as_view(), name="config-version"),
    path("config/diff", views.ConfigDiffView.as_view(), name="config-diff"),
    path("config/rollback", views.ConfigRollbackView.as_view(), name="config-rollback"),
    path("gateways", views.GatewayListView.as_view(), name="gateway-list"),
    path("gateways/<str:name>", views.GatewayDetailView.as_view(), name="gateway-detail"),
    path("gateways/<str:name>/drift", views.GatewayDriftView.as_view(), name="gateway-drift"),
    path("gateways/<str:name>/publish", views.GatewayPublishView.as_view(), name="gateway-publish"),
    path("gateways/<str:name>/test_fallback", views.GatewayTestFallbackView.as_view(), name="gateway-test-fallback"),
    path("health", views.HealthView.as_view(), name="health"),
    path("health/readiness", views.ReadinessView.as_view(), name="health-readiness"),
]
