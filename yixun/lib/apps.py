from django.apps import AppConfig


class LibConfig(AppConfig):
    name = "yixun.lib"
    label = "lib"
    verbose_name = "Yixun helpers"
