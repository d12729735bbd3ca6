"""The HTTP API (PRODUCT.md section 3). Thin: parse (serializers), call a service or a query, shape the answer."""

import logging

from django.db import connection, transaction
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from fallbacks import errors, queries, selectors, services, validation
from fallbacks.api import listings
from fallbacks.api import serializers as shapes
from fallbacks.api.conditional import CONFIG_VERSION_HEADER, ETAG, etag, if_match, list_response
from fallbacks.domain import DEFAULT_FALLBACK_TYPE, FALLBACK_TYPES, LITELLM_SERIES, SEVERITIES, describe_chain
from fallbacks.errors import ErrorCode, NotFound
from fallbacks.gateways import checks
from fallbacks.models import ModelGroup, Via

logger = logging.getLogger(__name__)

CHAIN_WRITTEN = "Fallback configuration {verb} successfully"
CHAIN_DELETED = "Fallback configuration deleted successfully"

FALLBACK_TYPE_PARAM = OpenApiParameter(
    "fallback_type", OpenApiTypes.STR, enum=FALLBACK_TYPES.values(), default=DEFAULT_FALLBACK_TYPE
)
MODEL_PATH_PARAM = OpenApiParameter(
    "model", OpenApiTypes.STR, OpenApiParameter.PATH, description="A model group name (may contain `/`), or `*`."
)
# Authentication failures (401, and 403 for a read-only key writing) answer in LiteLLM's own shape. 429: the
# client's address failed to authenticate too often (fallbacks.api.throttling); 503: the database cannot answer
# now (a lock or statement timeout, an outage), with Retry-After.
ERRORS = {
    400: shapes.ErrorSerializer,
    401: shapes.LiteLLMErrorSerializer,
    404: shapes.ErrorSerializer,
    429: shapes.ErrorSerializer,
    503: shapes.ErrorSerializer,
}
WRITE_ERRORS = {**ERRORS, 403: shapes.LiteLLMErrorSerializer}
# Writes that read a JSON body: too large for DATA_UPLOAD_MAX_MEMORY_SIZE, or not JSON at all.
BODY_ERRORS = {413: shapes.ErrorSerializer, 415: shapes.ErrorSerializer}


def _chain_warnings(source: str, fallback_type: str) -> list[dict]:
    """The lint findings about a chain just written, for `POST /fallback`'s extra `warnings`."""
    try:
        findings = queries.chain_warnings(source, fallback_type)
    except Exception:
        # The chain is committed by now: a failing lint must not turn that success into a 500.
        logger.exception("lint of %s failed after the write", describe_chain(source, fallback_type))
        return []
    return [finding.as_dict() for finding in findings]


class FallbackView(APIView):
    @extend_schema(
        operation_id="fallback_list",
        parameters=[shapes.ChainListQuery],
        responses={200: shapes.ChainListSerializer, **ERRORS},
        description=(
            "Every chain (`model` is `*` for a default chain), `*` first, then by model and type. LiteLLM has no "
            "list. With `?limit=`, a page and its `next`."
        ),
    )
    def get(self, request):
        query = shapes.ChainListQuery.parse(request)
        if query["limit"] is not None:
            return listings.chain_page(request, **query)
        del query["limit"], query["after"]
        if query["model"] is None:
            return listings.chain_list(request, fallback_type=query["fallback_type"])
        return list_response(request, selectors.config_version(), lambda: {"data": selectors.chain_list(**query)})

    @extend_schema(
        operation_id="fallback_set",
        request=shapes.FallbackRequestSerializer,
        responses={200: shapes.FallbackWriteResponseSerializer, **WRITE_ERRORS, **BODY_ERRORS},
        description='Create a chain or replace it whole. `model: "*"` sets the default chain.',
    )
    def post(self, request):
        chain = shapes.FallbackRequestSerializer().to_internal_value(request.data)
        # The answer's ETag (`last_changed`) is read by the service under the configuration lock, so no other write
        # can land between the chain written and the version it is labelled with.
        written = services.chain_set(
            actor=request.user.actor,
            via=Via.API,
            source=chain.model,
            fallback_type=chain.fallback_type,
            targets=chain.fallback_models,
            if_match=if_match(request),
        )
        verb = "created" if written.created else "updated"
        body = {
            "model": written.source,
            "fallback_models": written.targets,
            "fallback_type": written.fallback_type,
            "message": CHAIN_WRITTEN.format(verb=verb),
        }
        warnings = _chain_warnings(written.source, written.fallback_type)
        if warnings:  # the contract's keys otherwise stay exactly LiteLLM's
            body["warnings"] = warnings
        return Response(body, headers={CONFIG_VERSION_HEADER: str(written.version), ETAG: etag(written.last_changed)})


class FallbackDetailView(APIView):
    @extend_schema(
        operation_id="fallback_get",
        parameters=[MODEL_PATH_PARAM, FALLBACK_TYPE_PARAM],
        responses={200: shapes.FallbackGetResponseSerializer, **ERRORS},
        description=(
            "The direct chain on the configured LiteLLM series: the model's own, else the chain of a rule keyed "
            "with another spelling of its name (`inherited_from` names it), else the default `*` chain "
            '(`inherited_from: "*"`).'
        ),
    )
    def get(self, request, model: str):
        fallback_type = shapes.FallbackTypeQuery.parse(request)["fallback_type"]
        chain_etag = queries.chain_etag(model, fallback_type)  # read first: never newer than the chain shown
        chain = queries.model_direct_chain(model, fallback_type)
        body = {"model": model, "fallback_models": chain.targets, "fallback_type": fallback_type}
        if chain.inherited_from:
            body["inherited_from"] = chain.inherited_from
        return Response(body, headers={ETAG: etag(chain_etag)})

    @extend_schema(
        operation_id="fallback_delete",
        parameters=[MODEL_PATH_PARAM, FALLBACK_TYPE_PARAM],
        responses={200: shapes.FallbackDeleteResponseSerializer, **WRITE_ERRORS},
        description="Remove the model's own chain of the type (never the default chain it inherits).",
    )
    def delete(self, request, model: str):
        fallback_type = shapes.FallbackTypeQuery.parse(request)["fallback_type"]
        version = services.chain_delete(
            actor=request.user.actor,
            via=Via.API,
            source=model,
            fallback_type=fallback_type,
            if_match=if_match(request),
        )
        body = {"model": model, "fallback_type": fallback_type, "message": CHAIN_DELETED}
        return Response(body, headers={CONFIG_VERSION_HEADER: str(version)})


MODEL_LIST_PARAMS = [
    OpenApiParameter(
        "include_metadata",
        OpenApiTypes.BOOL,
        default=False,
        description="`true` adds `metadata.fallbacks` (`1`, `yes`, `on` and `0`, `no`, `off` are read too).",
    ),
    OpenApiParameter(
        "fallback_type",
        OpenApiTypes.STR,
        # No enum: like LiteLLM, the endpoint ignores the parameter, whatever its value, unless
        # include_metadata is true, and only then refuses a value that is not a type.
        default=DEFAULT_FALLBACK_TYPE,
        description=(
            f"Which chains `metadata.fallbacks` shows, one of {FALLBACK_TYPES.values()}; only read with "
            "`include_metadata=true` (any other value is then a 400), ignored otherwise."
        ),
    ),
]
MODEL_LIST_RESPONSES = {
    200: shapes.ModelListSerializer,
    400: shapes.MODEL_LIST_BAD_REQUEST,
    401: shapes.LiteLLMErrorSerializer,
    429: shapes.ErrorSerializer,
    503: shapes.ErrorSerializer,
}


class ModelListView(APIView):
    @extend_schema(
        operation_id="model_list",
        parameters=MODEL_LIST_PARAMS,
        responses=MODEL_LIST_RESPONSES,
        description="The OpenAI model list, one object per model group.",
    )
    def get(self, request):
        return listings.model_list(request, metadata_type=shapes.ModelListQuery.parse(request)["metadata_type"])


class ShortModelListView(ModelListView):
    """`GET /models`, the same list under the path LiteLLM also serves it on."""

    @extend_schema(
        operation_id="model_list_short",
        parameters=MODEL_LIST_PARAMS,
        responses=MODEL_LIST_RESPONSES,
    )
    def get(self, request):
        return super().get(request)


class ModelDetailView(APIView):
    @extend_schema(
        operation_id="model_get",
        parameters=[MODEL_PATH_PARAM, *MODEL_LIST_PARAMS],
        responses={
            **ERRORS,
            200: shapes.ModelObjectSerializer,
            400: shapes.MODEL_LIST_BAD_REQUEST,
            404: shapes.LiteLLMErrorSerializer,
        },
    )
    def get(self, request, model: str):
        query = shapes.ModelListQuery.parse(request)
        return Response(queries.model_object(model, fallback_type=query["metadata_type"]))


GROUP_ERRORS = {**WRITE_ERRORS, 409: shapes.ErrorSerializer}


@extend_schema_view(
    list=extend_schema(
        parameters=[shapes.ModelGroupListQuery],
        responses={200: shapes.ModelGroupListSerializer, **ERRORS},
        description="Every model group by name; with `?limit=`, a page and its `next`.",
    ),
    create=extend_schema(responses={201: shapes.ModelGroupDocumentSerializer, **GROUP_ERRORS, **BODY_ERRORS}),
    retrieve=extend_schema(responses={200: shapes.ModelGroupDocumentSerializer, **ERRORS}),
    partial_update=extend_schema(responses={200: shapes.ModelGroupDocumentSerializer, **GROUP_ERRORS, **BODY_ERRORS}),
    destroy=extend_schema(responses={204: None, **GROUP_ERRORS}),
)
class ModelGroupViewSet(viewsets.GenericViewSet):
    """Model groups: the names chains are made of (PRODUCT.md 3.2).

    The serializer reads input; answers come from selectors.model_group_documents, plain data
    built in three queries, since serializing ten thousand model instances takes seconds.
    """

    serializer_class = shapes.ModelGroupSerializer
    lookup_field = "name"

    def get_object(self) -> ModelGroup:
        group = selectors.model_group(self.kwargs["name"])
        if group is None:
            raise validation.group_not_found(self.kwargs["name"])
        return group

    def list(self, request):
        page = shapes.ModelGroupListQuery.parse(request)
        if page["limit"] is not None:
            return listings.model_group_page(request, **page)
        return list_response(request, selectors.config_version(), lambda: {"data": selectors.model_group_documents()})

    def retrieve(self, request, name: str):
        group = self.get_object()
        group_etag = queries.group_etag(group.name)  # read first: never newer than the group shown
        return Response(selectors.model_group_documents(name=group.name)[0], headers={ETAG: etag(group_etag)})

    # The writes name the group as the request did, and read their answer back before the lock is released
    # (the outer transaction keeps the service's): a parallel rename or delete can neither be overwritten
    # by a row read too early nor make the answer's own read find nothing.

    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            written = services.group_create(actor=request.user.actor, via=Via.API, **serializer.validated_data)
            document = selectors.model_group_documents(name=written.group.name)[0]
        return Response(
            document,
            status=status.HTTP_201_CREATED,
            headers={CONFIG_VERSION_HEADER: str(written.version), ETAG: etag(written.version)},
        )

    def partial_update(self, request, name: str):
        self.get_object()  # an unknown group is a 404 before its body is judged; the write reads it again
        serializer = self.get_serializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            written = services.group_update(
                actor=request.user.actor,
                via=Via.API,
                group=name,
                changes=serializer.validated_data,
                if_match=if_match(request),
            )
            document = selectors.model_group_documents(name=written.group.name)[0]
            group_etag = queries.group_etag(written.group.name)
        return Response(document, headers={CONFIG_VERSION_HEADER: str(written.version), ETAG: etag(group_etag)})

    def destroy(self, request, name: str):
        version = services.group_delete(actor=request.user.actor, via=Via.API, group=name, if_match=if_match(request))
        return Response(status=status.HTTP_204_NO_CONTENT, headers={CONFIG_VERSION_HEADER: str(version)})


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


LITELLM_VERSION_PARAM = OpenApiParameter(
    "litellm_version",
    OpenApiTypes.STR,
    enum=LITELLM_SERIES.values(),
    description="The LiteLLM series whose router to follow; the configured one (`GET /fallback_settings`) when absent.",
)
FAILING_PARAM = OpenApiParameter(
    "failing",
    OpenApiTypes.STR,
    many=True,
    explode=True,
    description="A model group that fails too (repeat the parameter for more); the others answer.",
)


class FallbackPlanView(APIView):
    @extend_schema(
        operation_id="fallback_plan",
        parameters=[MODEL_PATH_PARAM, FALLBACK_TYPE_PARAM, FAILING_PARAM, LITELLM_VERSION_PARAM],
        responses={200: shapes.AttemptPlanSerializer, **ERRORS},
        description=(
            "The dry run of a gateway's fallback test, calling no LLM: supposing a request to `model` failed with "
            "an error of `fallback_type` and the models in `failing` fail too, which models the gateway tries, "
            "in order, and which one answers (PRODUCT.md section 2)."
        ),
    )
    def get(self, request, model: str):
        answer = queries.fallback_plan(model, **shapes.PlanQuery.parse(request))
        return Response({**answer.plan.as_dict(), "config_version": answer.config_version})


class FallbackLintView(APIView):
    @extend_schema(
        operation_id="fallback_lint",
        parameters=[
            OpenApiParameter("model", OpenApiTypes.STR, description="Only the findings that concern this model group."),
            OpenApiParameter("severity", OpenApiTypes.STR, enum=list(SEVERITIES)),
            LITELLM_VERSION_PARAM,
        ],
        responses={200: shapes.LintResponseSerializer, **ERRORS},
        description="Chains that are legal but will not do what an operator expects, errors first.",
    )
    def get(self, request):
        query = shapes.LintQuery.parse(request)
        # Tens of thousands of findings at fleet scale: found, written (orjson: the bytes DRF would write) and dropped
        # with the cycle collector paused, so that it never walks them.
        with queries.collector_paused():
            body = self.lint_body(query)
        return HttpResponse(body, content_type=listings.JSON_CONTENT_TYPE)

    @staticmethod
    def lint_body(query: dict) -> bytes:
        answer = queries.fallback_lint(**query)
        return listings.render_json(
            {
                **answer.report.as_dict(),
                "config_version": answer.config_version,
                "litellm_version": answer.litellm_version,
            }
        )


class FallbackSettingsView(APIView):
    @extend_schema(operation_id="fallback_settings_get", responses={200: shapes.FallbackSettingsSerializer, **ERRORS})
    def get(self, request):
        settings_etag = queries.settings_etag()  # read first: never newer than the settings shown
        return Response(selectors.fallback_settings(), headers={ETAG: etag(settings_etag)})

    @extend_schema(
        operation_id="fallback_settings_update",
        request=shapes.FallbackSettingsRequestSerializer,
        responses={200: shapes.FallbackSettingsSerializer, **WRITE_ERRORS, **BODY_ERRORS},
        description=(
            "`max_fallbacks`: how deep the gateway follows chains (LiteLLM's setting of that name, default 5); "
            "`litellm_version`: the LiteLLM series the gateways run (default `1.110`). One write, one version."
        ),
    )
    def patch(self, request):
        changes = shapes.FallbackSettingsRequestSerializer().to_internal_value(request.data)
        with transaction.atomic():  # the answer is read before the configuration lock is let go
            version = services.settings_update(
                actor=request.user.actor, via=Via.API, if_match=if_match(request), **changes
            )
            body, settings_etag = selectors.fallback_settings(), queries.settings_etag()
        return Response(body, headers={CONFIG_VERSION_HEADER: str(version), ETAG: etag(settings_etag)})


# The config feed (PRODUCT.md 3.4) ------------------------------------------------------------------


class FormatIsAParameter(BaseContentNegotiation):
    """`?format=` names the file's format here, not a DRF renderer: errors and 304s are JSON, the file is itself."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class ConfigFeedView(APIView):
    content_negotiation_class = FormatIsAParameter

    @extend_schema(
        operation_id="config_get",
        parameters=[shapes.ConfigQuery],
        responses={
            (200, "application/yaml"): OpenApiTypes.OBJECT,  # a LiteLLM config file: a mapping
            (200, "application/json"): OpenApiTypes.OBJECT,
            304: None,
            **ERRORS,
        },
        description=(
            "The whole configuration as the LiteLLM proxy config file `manage.py export_config` writes, with the "
            "config version as `ETag` and `X-Config-Version`; `304` with no body to a matching `If-None-Match`, so "
            "gateways and sidecars can poll it cheaply. `litellm_version` is accepted and unused: the file is the "
            "same for every series."
        ),
    )
    def get(self, request):
        return listings.config_file(request, shapes.ConfigQuery.parse(request)["fmt"])


# Gateways (PRODUCT.md 3.4) ----------------------------------------------------------------------

GATEWAY_PATH_PARAM = OpenApiParameter("name", OpenApiTypes.STR, OpenApiParameter.PATH, description="A gateway's name.")


def _gateway(name: str):
    gateway = selectors.gateway(name)
    if gateway is None:
        raise NotFound(errors.GATEWAY_NOT_FOUND.format(name=name), code=ErrorCode.GATEWAY_NOT_FOUND)
    return gateway


class GatewayListView(APIView):
    @extend_schema(operation_id="gateway_list", responses={200: shapes.GatewayListSerializer, **ERRORS})
    def get(self, request):
        return Response({"data": [selectors.gateway_document(gateway) for gateway in selectors.gateways()]})

    @extend_schema(
        operation_id="gateway_create",
        request=shapes.GatewayRequestSerializer,
        responses={201: shapes.GatewayDocumentSerializer, **WRITE_ERRORS, 409: shapes.ErrorSerializer, **BODY_ERRORS},
        description=(
            "Register a LiteLLM gateway. `api_key` must be an `os.environ/NAME` reference (a plain key is a 400 "
            "naming the field): the key is read from this service's environment when the gateway is called."
        ),
    )
    def post(self, request):
        fields = shapes.GatewayRequestSerializer().to_internal_value(request.data)
        gateway = services.gateway_create(actor=request.user.actor, **fields)
        return Response(selectors.gateway_document(gateway), status=status.HTTP_201_CREATED)


class GatewayDetailView(APIView):
    @extend_schema(
        operation_id="gateway_get",
        parameters=[GATEWAY_PATH_PARAM],
        responses={200: shapes.GatewayDocumentSerializer, **ERRORS},
    )
    def get(self, request, name: str):
        return Response(selectors.gateway_document(_gateway(name)))

    @extend_schema(
        operation_id="gateway_update",
        parameters=[GATEWAY_PATH_PARAM],
        request=shapes.GatewayRequestSerializer(partial=True),
        responses={200: shapes.GatewayDocumentSerializer, **WRITE_ERRORS, 409: shapes.ErrorSerializer, **BODY_ERRORS},
    )
    def patch(self, request, name: str):
        changes = shapes.GatewayRequestSerializer().to_internal_value(request.data)
        gateway = services.gateway_update(actor=request.user.actor, name=name, changes=changes)
        return Response(selectors.gateway_document(gateway))

    @extend_schema(
        operation_id="gateway_delete", parameters=[GATEWAY_PATH_PARAM], responses={204: None, **WRITE_ERRORS}
    )
    def delete(self, request, name: str):
        services.gateway_delete(actor=request.user.actor, name=name)
        return Response(status=status.HTTP_204_NO_CONTENT)


class GatewayDriftView(APIView):
    @extend_schema(
        operation_id="gateway_drift",
        parameters=[GATEWAY_PATH_PARAM],
        responses={200: shapes.DriftSerializer, **ERRORS},
        description=(
            "Ask the live gateway for `/v1/models?include_metadata=true` with each type (10 s timeout each) and "
            "compare with what this configuration makes a gateway of its series report. A gateway that cannot be "
            "reached, refuses the key or answers something else is `in_sync: false` with `error`, never a 5xx."
        ),
    )
    def get(self, request, name: str):
        return Response(checks.drift_report(_gateway(name)))


class GatewayPublishView(APIView):
    @extend_schema(
        operation_id="gateway_publish",
        parameters=[GATEWAY_PATH_PARAM],
        request=None,
        responses={200: shapes.PublishSerializer, **WRITE_ERRORS, 409: shapes.ErrorSerializer},
        description=(
            "Make a gateway in mode `publish` (one that stores its config in a database) run this configuration "
            "through its own `POST /fallback` and `DELETE /fallback/{model}`, then check drift again. Each chain "
            "the gateway refuses is in `failed` with its status and message; nothing is retried. 409 in mode observe."
        ),
    )
    def post(self, request, name: str):
        return Response(checks.publish(_gateway(name)))


class GatewayTestFallbackView(APIView):
    @extend_schema(
        operation_id="gateway_test_fallback",
        parameters=[GATEWAY_PATH_PARAM],
        request=shapes.FallbackTestRequestSerializer,
        responses={200: shapes.FallbackTestSerializer, **WRITE_ERRORS, **BODY_ERRORS},
        description=(
            "Send the live gateway `POST /chat/completions` for `model` with LiteLLM's mock-testing flag for "
            "`fallback_type` (`mock_testing_fallbacks`, `mock_testing_context_fallbacks`, "
            "`mock_testing_content_policy_fallbacks`): the model fails with an error of that type and the rest runs "
            "for real, so the fallback targets are really called. Compares the model that answered with this "
            "service's plan for the gateway's series. A gateway that refuses the flag (LiteLLM 1.110 unless "
            "`general_settings.dangerously_allow_mock_testing_request_params: true`), the key, or does not answer "
            "is an `error` in a 200, never a 5xx. Read-write keys only."
        ),
    )
    def post(self, request, name: str):
        model, fallback_type = shapes.FallbackTestRequestSerializer().to_internal_value(request.data)
        return Response(checks.check_fallback(_gateway(name), model, fallback_type))


# History, diff and rollback (PRODUCT.md 3.3) ---------------------------------------------------


class ConfigVersionsView(APIView):
    @extend_schema(
        operation_id="config_versions",
        parameters=[shapes.VersionsQuery],
        responses={200: shapes.VersionListSerializer, **ERRORS},
        description=(
            "Every version, newest first, with what it changed (a list shows the first 100 changes of each; "
            "`GET /config/versions/{n}` shows them all). `next` is the cursor of the following page."
        ),
    )
    def get(self, request):
        query = shapes.VersionsQuery.parse(request)
        page = queries.versions(**query)
        return Response({"data": page.data, "next": page.next})


class ConfigVersionView(APIView):
    @extend_schema(
        operation_id="config_version",
        parameters=[OpenApiParameter("version", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={200: shapes.VersionSerializer, **ERRORS},
    )
    def get(self, request, version: int):
        return Response(queries.version(version))


class ConfigDiffView(APIView):
    @extend_schema(
        operation_id="config_diff",
        parameters=[shapes.DiffQuery],
        responses={200: shapes.ChangeListSerializer, **ERRORS, 409: shapes.ErrorSerializer},
        description="The net change from right after version `from` to right after version `to` (0: the empty start).",
    )
    def get(self, request):
        query = shapes.DiffQuery.parse(request)
        changes = queries.config_diff(query["from_version"], query["to_version"])
        return Response({"changes": [change.as_dict() for change in changes]})


class ConfigRollbackView(APIView):
    @extend_schema(
        operation_id="config_rollback",
        request=shapes.RollbackRequestSerializer,
        responses={200: shapes.RollbackResponseSerializer, **WRITE_ERRORS, 409: shapes.ErrorSerializer, **BODY_ERRORS},
        description=(
            "Make the whole configuration what it was right after `to_version` (or, with `model` and "
            "`fallback_type`, only that chain), as one new version. Nothing to change: the current version, no changes."
        ),
    )
    def post(self, request):
        body = shapes.RollbackRequestSerializer().to_internal_value(request.data)
        result = services.config_rollback(actor=request.user.actor, **body)
        return Response(
            {"version": result.version, "changes": [change.as_dict() for change in result.changes]},
            headers={CONFIG_VERSION_HEADER: str(result.version)},
        )
