from django.apps import AppConfig


class FallbacksConfig(AppConfig):
    name = "fallbacks"
    verbose_name = "LLM fallbacks"
