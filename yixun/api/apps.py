from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "yixun.api"
    label = "api"
    verbose_name = "API"
