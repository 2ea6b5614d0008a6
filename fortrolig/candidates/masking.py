"""Showing a national identity number without disclosing it."""


def national_id_masked(value: str | None) -> str:
    """A national identity number with all but its last three digits hidden
    (`••••••••345`); empty when there is none."""
    if not value:
        return ""
    digits = "".join(ch for ch in value if ch.isdigit())
    return "•" * max(len(digits) - 3, 0) + digits[-3:]
