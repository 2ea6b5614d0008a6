from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "fortrolig.clients"
    label = "clients"

    def ready(self) -> None:
        # When a client's last open assignment ends, its contacts' retention clock runs.
        from fortrolig.assignments.hooks import assignment_ended_hook

        from .retention import client_erase_after_refresh_on_assignment_end

        assignment_ended_hook(client_erase_after_refresh_on_assignment_end)
