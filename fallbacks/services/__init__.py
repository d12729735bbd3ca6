"""Every write to the configuration, one module per subject.

Each service takes the acting principal as `actor=`, and runs in one transaction through
fallbacks.services.recording.config_write: lock the configuration row, validate with
fallbacks.validation inside that lock (read-only mode is checked first, or, where LiteLLM checks it
last, after the input is validated), write, record what it did and bump the config version once. A
refused call raises an error kind of fallbacks.errors and leaves nothing behind.
"""

from fallbacks.services.api_keys import API_KEY_PREFIX, api_key_create, api_key_set_active, hash_api_key
from fallbacks.services.authentication_failures import authentication_failure_record
from fallbacks.services.chains import ChainWrite, chain_delete, chain_set
from fallbacks.services.config_import import ConfigRefused, ImportReport, config_import
from fallbacks.services.gateways import gateway_create, gateway_delete, gateway_record_check, gateway_update
from fallbacks.services.import_previews import import_preview_drop, import_preview_keep
from fallbacks.services.model_groups import (
    GroupWrite,
    deployments_set,
    group_create,
    group_delete,
    group_save,
    group_update,
)
from fallbacks.services.recording import Action
from fallbacks.services.rollback import RollbackResult, config_rollback
from fallbacks.services.settings import defaults_save, litellm_version_set, max_fallbacks_set, settings_update

__all__ = [
    "API_KEY_PREFIX",
    "Action",
    "ChainWrite",
    "ConfigRefused",
    "GroupWrite",
    "ImportReport",
    "RollbackResult",
    "api_key_create",
    "api_key_set_active",
    "authentication_failure_record",
    "chain_delete",
    "chain_set",
    "config_import",
    "config_rollback",
    "defaults_save",
    "deployments_set",
    "gateway_create",
    "gateway_delete",
    "gateway_record_check",
    "gateway_update",
    "group_create",
    "group_delete",
    "group_save",
    "group_update",
    "hash_api_key",
    "import_preview_drop",
    "import_preview_keep",
    "litellm_version_set",
    "max_fallbacks_set",
    "settings_update",
]
