"""The HTTP API (PRODUCT.md section 3). Thin: parse, call a service or a selector, shape the answer."""

from django.db import connection
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, status, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from fallbacks import selectors, services, validation
from fallbacks.api import serializers as shapes
from fallbacks.api.errors import PlainDetail
from fallbacks.resolution import direct_chain
from fallbacks.validation import DEFAULT_CHAIN_SOURCE, FALLBACK_TYPES, RuleViolation

CONFIG_VERSION_HEADER = "X-Config-Version"
CHAIN_WRITTEN = "Fallback configuration {verb} successfully"
CHAIN_DELETED = "Fallback configuration deleted successfully"

FALLBACK_TYPE_PARAM = OpenApiParameter(
    "fallback_type", OpenApiTypes.STR, enum=FALLBACK_TYPES, default=validation.DEFAULT_FALLBACK_TYPE
)
MODEL_PATH_PARAM = OpenApiParameter(
    "model", OpenApiTypes.STR, OpenApiParameter.PATH, description="A model group name (may contain `/`), or `*`."
)
ERRORS = {400: shapes.ErrorSerializer, 401: shapes.ErrorSerializer, 404: shapes.ErrorSerializer}
WRITE_ERRORS = {**ERRORS, 403: shapes.ErrorSerializer}


def _fallback_type(request) -> str:
    return validation.clean_fallback_type(request.query_params.get("fallback_type", validation.DEFAULT_FALLBACK_TYPE))


def _model_not_found(model: str) -> RuleViolation:
    return RuleViolation(
        validation.MODEL_NOT_FOUND.format(model=model),
        code="model_not_found",
        status=404,
        extra={"available_models": selectors.model_group_names()},
    )


class FallbackView(APIView):
    @extend_schema(
        operation_id="fallback_list",
        parameters=[FALLBACK_TYPE_PARAM, OpenApiParameter("model", OpenApiTypes.STR)],
        responses={200: shapes.ChainListSerializer, **ERRORS},
        description="Every chain (`model` is `*` for a default chain). LiteLLM has no list.",
    )
    def get(self, request):
        fallback_type = request.query_params.get("fallback_type")
        if fallback_type is not None:
            fallback_type = validation.clean_fallback_type(fallback_type)
        model = request.query_params.get("model")
        return Response({"data": selectors.chain_list(fallback_type=fallback_type, model=model)})

    @extend_schema(
        operation_id="fallback_set",
        request=shapes.FallbackRequestSerializer,
        responses={200: shapes.FallbackResponseSerializer, **WRITE_ERRORS},
        description='Create a chain or replace it whole. `model: "*"` sets the default chain.',
    )
    def post(self, request):
        chain = shapes.FallbackRequestSerializer().to_internal_value(request.data)
        written = services.chain_set(
            actor=request.user.actor,
            source=chain.model,
            fallback_type=chain.fallback_type,
            targets=chain.fallback_models,
        )
        verb = "created" if written.created else "updated"
        body = {
            "model": written.source,
            "fallback_models": written.targets,
            "fallback_type": written.fallback_type,
            "message": CHAIN_WRITTEN.format(verb=verb),
        }
        return Response(body, headers={CONFIG_VERSION_HEADER: str(written.version)})


class FallbackDetailView(APIView):
    @extend_schema(
        operation_id="fallback_get",
        parameters=[MODEL_PATH_PARAM, FALLBACK_TYPE_PARAM],
        responses={200: shapes.FallbackGetResponseSerializer, **ERRORS},
        description='The direct chain: the model\'s own, else the default `*` chain (then `inherited_from: "*"`).',
    )
    def get(self, request, model: str):
        fallback_type = _fallback_type(request)
        if model != DEFAULT_CHAIN_SOURCE and not selectors.model_group_exists(model):
            raise _model_not_found(model)
        chain = direct_chain(selectors.chains_for_model(model, fallback_type), model, fallback_type)
        if not chain.targets:
            raise RuleViolation(
                validation.NOTHING_CONFIGURED.format(fallback_type=fallback_type, model=model),
                code="nothing_configured",
                status=404,
            )
        body = {"model": model, "fallback_models": chain.targets, "fallback_type": fallback_type}
        if chain.inherited_from:
            body["inherited_from"] = chain.inherited_from
        return Response(body)

    @extend_schema(
        operation_id="fallback_delete",
        parameters=[MODEL_PATH_PARAM, FALLBACK_TYPE_PARAM],
        responses={200: shapes.FallbackDeleteResponseSerializer, **WRITE_ERRORS},
        description="Remove the model's own chain of the type (never the default chain it inherits).",
    )
    def delete(self, request, model: str):
        fallback_type = _fallback_type(request)
        version = services.chain_delete(actor=request.user.actor, source=model, fallback_type=fallback_type)
        body = {"model": model, "fallback_type": fallback_type, "message": CHAIN_DELETED}
        return Response(body, headers={CONFIG_VERSION_HEADER: str(version)})


_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


def _model_objects(request, *, name: str | None = None) -> list[dict]:
    """OpenAI model objects, with `metadata.fallbacks` when `include_metadata=true`."""
    raw = request.query_params.get("include_metadata", "false").strip().lower()
    if raw not in _TRUE | _FALSE:
        raise PlainDetail("Invalid include_metadata. Must be true or false")
    rows = selectors.model_list_rows(name=name)
    objects = [{"id": name, "object": "model", "created": created, "owned_by": owner} for name, created, owner in rows]
    if raw in _TRUE:
        fallback_type = request.query_params.get("fallback_type", validation.DEFAULT_FALLBACK_TYPE)
        if fallback_type not in FALLBACK_TYPES:
            raise PlainDetail(validation.INVALID_FALLBACK_TYPE)
        if not objects:
            return objects
        chains = (
            selectors.chain_map(fallback_type=fallback_type)
            if name is None
            else selectors.chains_for_model(name, fallback_type)
        )
        for item in objects:
            item["metadata"] = {"fallbacks": direct_chain(chains, item["id"], fallback_type).targets}
    return objects


MODEL_LIST_PARAMS = [
    OpenApiParameter("include_metadata", OpenApiTypes.BOOL, default=False),
    OpenApiParameter(
        "fallback_type",
        OpenApiTypes.STR,
        enum=FALLBACK_TYPES,
        default=validation.DEFAULT_FALLBACK_TYPE,
        description="Which chains `metadata.fallbacks` shows; only read with `include_metadata=true`.",
    ),
]


class ModelListView(APIView):
    @extend_schema(
        operation_id="model_list",
        parameters=MODEL_LIST_PARAMS,
        responses={200: shapes.ModelListSerializer, 400: shapes.PlainErrorSerializer, 401: shapes.ErrorSerializer},
        description="The OpenAI model list, one object per model group.",
    )
    def get(self, request):
        return Response({"data": _model_objects(request), "object": "list"})


class ShortModelListView(ModelListView):
    """`GET /models`, the same list under the path LiteLLM also serves it on."""

    @extend_schema(
        operation_id="model_list_short",
        parameters=MODEL_LIST_PARAMS,
        responses={200: shapes.ModelListSerializer, 400: shapes.PlainErrorSerializer, 401: shapes.ErrorSerializer},
    )
    def get(self, request):
        return super().get(request)


class ModelDetailView(APIView):
    @extend_schema(
        operation_id="model_get",
        parameters=[MODEL_PATH_PARAM, *MODEL_LIST_PARAMS],
        responses={200: shapes.ModelObjectSerializer, 400: shapes.PlainErrorSerializer, **ERRORS},
    )
    def get(self, request, model: str):
        objects = _model_objects(request, name=model)
        if not objects:
            raise RuleViolation(f"Model '{model}' not found", code="model_not_found", status=404)
        return Response(objects[0])


@extend_schema_view(
    list=extend_schema(
        responses={200: inline_serializer("ModelGroupList", {"data": shapes.ModelGroupSerializer(many=True)}), **ERRORS}
    ),
    create=extend_schema(responses={201: shapes.ModelGroupSerializer, 409: shapes.ErrorSerializer, **WRITE_ERRORS}),
    retrieve=extend_schema(responses={200: shapes.ModelGroupSerializer, **ERRORS}),
    partial_update=extend_schema(
        responses={200: shapes.ModelGroupSerializer, 409: shapes.ErrorSerializer, **WRITE_ERRORS}
    ),
    destroy=extend_schema(responses={204: None, 409: shapes.ErrorSerializer, **WRITE_ERRORS}),
)
class ModelGroupViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Model groups: the names chains are made of (PRODUCT.md 3.2)."""

    queryset = selectors.model_groups()
    serializer_class = shapes.ModelGroupSerializer
    lookup_field = "name"

    def get_object(self):
        group = self.get_queryset().filter(name=self.kwargs["name"]).first()
        if group is None:
            name = self.kwargs["name"]
            raise RuleViolation(f"Model group '{name}' not found", code="group_not_found", status=404)
        return group

    def list(self, request, *args, **kwargs):
        return Response({"data": self.get_serializer(self.get_queryset(), many=True).data})

    def perform_create(self, serializer):
        serializer.instance = services.group_create(actor=self.request.user.actor, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.group_update(
            actor=self.request.user.actor, group=serializer.instance, changes=serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.group_delete(actor=self.request.user.actor, group=instance)


class HealthView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(operation_id="health", responses={200: shapes.HealthSerializer}, auth=[])
    def get(self, request):
        return Response({"status": "ok"})


class ReadinessView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="health_readiness",
        responses={200: shapes.ReadinessSerializer, 503: shapes.ReadinessSerializer},
        auth=[],
    )
    def get(self, request):
        try:
            version = selectors.config_version()
        except Exception as error:  # any database failure means "not ready", never a 500
            connection.close()
            return Response(
                {"status": "unavailable", "database": type(error).__name__},
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
            )
        return Response({"status": "ok", "database": "ok", "config_version": version})
