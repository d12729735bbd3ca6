"""The forms of the operators' editor: one chain editor for a model group's chains and the `*` chains.

A chain is edited as a formset of rows (target, position, remove). The rows are checked with
fallbacks.validation.chain_problems, so the API's words appear beside the row that is wrong;
the admin then writes the chain whole through fallbacks.services. The forms never write.
"""

import json
import math

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connections
from django.forms.fields import InvalidJSONInput
from django.forms.utils import ErrorList

from fallbacks import errors, selectors, validation
from fallbacks.domain import DEFAULT_CHAIN_SOURCE, FALLBACK_TYPES
from fallbacks.json_data import json_text_nesting
from fallbacks.models import Configuration, Deployment, FallbackEntry, ModelGroup

CHAIN_ERRORS_NOTE = "A fallback chain below cannot be saved: the reason is beside the row."


class ModelGroupChoiceField(forms.ModelChoiceField):
    # What the browser sends is the id of a model group picked earlier; if that group has been
    # deleted since, say so in the API's words.
    default_error_messages = {"invalid_choice": errors.INVALID_FALLBACK_MODELS.format(models=["%(value)s"])}


class ModelGroupAutocomplete(AutocompleteSelect):
    """Django's autocomplete select, which looks the submitted id up again to show its model group's name.

    A value no model group can have as id (`abc` in a hand-made post, or a number wider than the
    column) would make that look-up raise, and the page a 500; it is left out, so the page comes
    back with the field's own error beside the row.
    """

    def build_attrs(self, base_attrs, extra_attrs=None):
        # The chain editor (chain_editor.js) starts these search boxes itself, so that a search leaves out the
        # model group being edited and the targets already in the chain; Django's autocomplete.js starts only
        # `.admin-autocomplete` boxes.
        attrs = super().build_attrs(base_attrs, extra_attrs)
        attrs["class"] = " ".join(
            "chain-autocomplete" if name == "admin-autocomplete" else name for name in attrs["class"].split()
        )
        return attrs

    known: dict[str, ModelGroup] = {}  # by id: groups read already (a chain's targets), shown without a look-up

    def optgroups(self, name, value, attr=None):
        value = [item for item in value if self.could_be_an_id(item)]
        shown = [self.known.get(str(item)) for item in value]
        if None in shown:
            return super().optgroups(name, value, attr)
        # What Django's look-up would show for these groups (none: an empty row): the empty choice, then each, selected.
        options = [] if self.is_required else [self.create_option(name, "", "", False, 0)]
        for group in shown:
            label = self.choices.field.label_from_instance(group)
            options.append(self.create_option(name, group.pk, label, {str(group.pk)}, len(options)))
        return [(None, options, 0)]

    def could_be_an_id(self, value) -> bool:
        primary_key = self.field.remote_field.model._meta.pk
        try:
            number = primary_key.to_python(value)
        except ValidationError:
            return False
        lowest, highest = connections[self.db or DEFAULT_DB_ALIAS].ops.integer_field_range(
            primary_key.get_internal_type()
        )
        return number is not None and (lowest is None or lowest <= number) and (highest is None or number <= highest)


class ChainRowForm(forms.Form):
    """One target of a chain. A row left without a target is ignored, like an empty line."""

    target = ModelGroupChoiceField(
        queryset=ModelGroup.objects.all(),
        required=False,
        label="Fallback model",
        widget=ModelGroupAutocomplete(
            FallbackEntry._meta.get_field("target"), admin.site, attrs={"data-width": "22em"}
        ),
    )


class BaseChainFormSet(forms.BaseFormSet):
    """The rows of one chain (one source, one type), in the order the operator gave them."""

    ordering_widget = forms.NumberInput(attrs={"class": "chain-position", "min": 1})

    def __init__(self, *args, fallback_type: str, current: list[ModelGroup], **kwargs):
        self.fallback_type = fallback_type
        self.current_names = [group.name for group in current]
        self.current_by_id = {str(group.pk): group for group in current}
        initial = [{"target": group, "ORDER": position} for position, group in enumerate(current, start=1)]
        super().__init__(*args, initial=initial, prefix=f"chain-{fallback_type}", **kwargs)

    def get_ordering_widget(self):
        return self.ordering_widget

    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields["target"].widget.known = self.current_by_id  # each row shows its target without a query
        form.fields["ORDER"].label = "Position"
        form.fields["DELETE"].label = "Remove"

    def chosen_rows(self) -> list[forms.Form]:
        """Rows naming a target and not marked for removal, by position (rows without one go last)."""
        rows = []
        for index, form in enumerate(self.forms):
            data = getattr(form, "cleaned_data", None) or {}
            if data.get("target") is None or data.get("DELETE"):
                continue
            position = data.get("ORDER")
            rows.append((math.inf if position is None else position, index, form))
        return [form for _, _, form in sorted(rows, key=lambda row: row[:2])]

    def target_names(self) -> list[str]:
        return [form.cleaned_data["target"].name for form in self.chosen_rows()]

    def check_rules(self, source: str, source_pk: int | None = None) -> None:
        """Put each reason to refuse this chain beside its row (or above the rows when no row is to blame).

        `source_pk` is the key of the model group being edited: a row naming that group is named
        `source`, so that it is its own fallback even while the same save renames it.
        """
        if not self.is_valid():
            return
        rows = self.chosen_rows()
        chosen = [form.cleaned_data["target"] for form in rows]
        targets = [source if group.pk == source_pk else group.name for group in chosen]
        if not targets:
            return  # an emptied chain is deleted, not refused
        problems = validation.chain_problems(
            source=source, targets=targets, existing={source, *targets}, all_names=selectors.model_group_names
        )
        for problem in problems:
            if problem.index is None:
                self._non_form_errors = self._non_form_errors or ErrorList()
                self._non_form_errors.append(problem.message)
            else:
                rows[problem.index].add_error("target", problem.message)

    @property
    def changed_chain(self) -> bool:
        return self.target_names() != self.current_names


ChainFormSet = forms.formset_factory(ChainRowForm, formset=BaseChainFormSet, extra=0, can_order=True, can_delete=True)


class ChainEditingForm(forms.ModelForm):
    """A form that also carries the chains of one source (one per fallback type), checked when the form is.

    The admin sets `chains_editable` per request from the user's permissions; without it the
    chains are shown, not edited. It sets `refusals` (field name -> the service's DomainError)
    when a service refused this very post for a reason that belongs to one field, such as a
    taken name: the form is then checked again and shows the refusal beside that field.
    """

    chains_editable = False
    refusals: dict[str, ValidationError] = {}
    # The version that last changed what this page edits, when the page was opened (the admin sets it): a save
    # is refused when it has changed since, rather than overwriting another operator's change (PRODUCT.md 3.3).
    opened_at_version: int | None = None
    opened_at = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.fields["opened_at"].initial = self.opened_at_version
        self.chain_formsets: dict[str, BaseChainFormSet] = {}
        if self.chains_editable:
            current = self.current_chains()
            data = self.data if self.is_bound else None
            self.chain_formsets = {
                fallback_type: ChainFormSet(data, fallback_type=fallback_type, current=current[fallback_type])
                for fallback_type in FALLBACK_TYPES.values()
            }

    def current_chains(self) -> dict[str, list[ModelGroup]]:
        raise NotImplementedError

    def chain_source_name(self) -> str:
        raise NotImplementedError

    def chain_source_pk(self) -> int | None:
        """The key of the model group whose chains these are; None for the `*` chains."""
        return None

    def clean(self):
        cleaned_data = super().clean()
        source = self.chain_source_name()
        for formset in self.chain_formsets.values():
            if source:
                formset.check_rules(source, self.chain_source_pk())
        for field_name, refusal in self.refusals.items():
            self.add_error(field_name, refusal)
        if not all(formset.is_valid() for formset in self.chain_formsets.values()):
            raise forms.ValidationError(CHAIN_ERRORS_NOTE, code="chain_errors")
        return cleaned_data

    def changed_chains(self) -> list[BaseChainFormSet]:
        return [formset for formset in self.chain_formsets.values() if formset.changed_chain]

    @property
    def media(self):
        media = super().media
        for formset in self.chain_formsets.values():
            media += formset.media
        return media + forms.Media(js=["fallbacks/chain_editor.js"], css={"all": ["fallbacks/admin.css"]})


class ModelGroupForm(ChainEditingForm):
    # A plain integer field: the range is validation.clean_max_input_tokens', in its words.
    max_input_tokens = forms.IntegerField(required=False, label="Max input tokens")

    class Meta:
        model = ModelGroup
        fields = ["name", "owned_by", "max_input_tokens", "description"]

    def current_chains(self) -> dict[str, list[ModelGroup]]:
        if self.instance.pk is None:
            return {fallback_type: [] for fallback_type in FALLBACK_TYPES.values()}
        return selectors.chain_target_groups(self.instance)

    def chain_source_name(self) -> str:
        return self.cleaned_data.get("name") or ""

    def chain_source_pk(self) -> int | None:
        return self.instance.pk

    def clean_name(self):
        # Whether the name is taken is the service's to say (services.group_save);
        # the admin shows that refusal beside this field (ModelGroupAdmin.refusal_fields).
        return validation.clean_group_name(self.cleaned_data.get("name"))

    def clean_max_input_tokens(self):
        return validation.clean_max_input_tokens(self.cleaned_data.get("max_input_tokens"))

    def clean_owned_by(self):
        return validation.clean_owned_by(self.cleaned_data.get("owned_by"))

    def validate_unique(self):
        pass  # the service refuses a taken name in the API's words; the default check would say it differently


class ConfigurationForm(ChainEditingForm):
    """The settings (max_fallbacks, litellm_version), and the default `*` chains that apply to every group without
    its own."""

    class Meta:
        model = Configuration
        fields = ["max_fallbacks", "litellm_version"]

    def current_chains(self) -> dict[str, list[ModelGroup]]:
        return selectors.chain_target_groups(None)

    def chain_source_name(self) -> str:
        return DEFAULT_CHAIN_SOURCE

    def clean_max_fallbacks(self):
        return validation.clean_max_fallbacks(self.cleaned_data.get("max_fallbacks"))

    def clean_litellm_version(self):
        return validation.clean_litellm_version(self.cleaned_data.get("litellm_version"))


class DeploymentDataField(forms.JSONField):
    """Django's JSON field, but text nested too deeply is refused before it is parsed (no RecursionError).

    What it refuses in the data itself is validation.deployment_problems' to say (DeploymentForm.clean).
    """

    def to_python(self, value):
        if isinstance(value, str) and json_text_nesting(value) is not None:
            raise forms.ValidationError(errors.JSON_TOO_DEEP, code="invalid")
        return super().to_python(value)

    def bound_data(self, data, initial):
        if isinstance(data, str) and json_text_nesting(data) is not None:
            return InvalidJSONInput(data)
        return super().bound_data(data, initial)

    def prepare_value(self, value):
        text = super().prepare_value(value)
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: shown escaped (`\ud800`), as no page can hold it
            return json.dumps(value, cls=self.encoder)
        return text


class DeploymentForm(forms.ModelForm):
    """One LiteLLM `model_list` entry; secrets only as `os.environ/NAME` references, plain JSON data only."""

    class Meta:
        model = Deployment
        fields = ["position", "litellm_params", "model_info"]
        field_classes = {"litellm_params": DeploymentDataField, "model_info": DeploymentDataField}
        help_texts = {
            "litellm_params": 'e.g. {"model": "openai/gpt-4o", "api_key": "os.environ/OPENAI_API_KEY"}',
        }

    def clean_model_info(self):
        model_info = self.cleaned_data.get("model_info")
        return {} if model_info in (None, "") else model_info

    def clean(self):
        cleaned_data = super().clean()
        if "litellm_params" in cleaned_data and "model_info" in cleaned_data:
            for problem in validation.deployment_problems(cleaned_data["litellm_params"], cleaned_data["model_info"]):
                self.add_error(problem.field.split(".")[0].split("[")[0], problem.message)
        return cleaned_data


def deployment_rows(formset) -> list[dict]:
    """The deployments an inline formset of DeploymentForm keeps, in the order of their positions.

    Rows added but left empty, and rows marked for deletion, are left out; the rest become
    `{"litellm_params", "model_info"}` for services.group_save, which replaces the group's deployments whole.
    """
    kept = []
    for index, row in enumerate(formset.forms):
        if index >= formset.initial_form_count() and not row.has_changed():
            continue
        if formset.can_delete and row.cleaned_data.get("DELETE"):
            continue
        data = row.cleaned_data
        kept.append((data.get("position") or 0, index, data["litellm_params"], data["model_info"]))
    kept.sort(key=lambda row: row[:2])
    return [{"litellm_params": params, "model_info": info} for _, _, params, info in kept]
