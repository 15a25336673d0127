from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Builds a demo association. Last in the dependency order: it may use every app."""

    name = "yixun.demo"
    label = "demo"
    verbose_name = "Demo association"
