from django.apps import AppConfig


class HiscoresConfig(AppConfig):
    name = "hiscores"
    verbose_name = "Hiscores"

    def ready(self) -> None:
        from hiscores import checks  # noqa: F401  (registers the system checks)
