"""Staff users, their memberships in agencies, and login attempts."""

import uuid
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from fortrolig.core.models import Agency, BaseModel


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> "User":
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in to the staff side, by email."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(_("email"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    # Demo accounts made by seed_demo: only these may have a code printed by demo_totp.
    is_demo = models.BooleanField(default=False)
    # Raised to end every session of the user at once: it is part of the session hash.
    session_generation = models.PositiveIntegerField(default=0)
    date_joined = models.DateTimeField(auto_now_add=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or str(self.id)

    def get_session_auth_hash(self) -> str:
        return salted_hmac(
            "fortrolig.accounts.User.get_session_auth_hash",
            f"{self.password}:{self.session_generation}",
            algorithm="sha256",
        ).hexdigest()


class Role(models.TextChoices):
    MANAGER = "manager", _("Daily manager")
    CONSULTANT = "consultant", _("Consultant")
    ADMIN = "admin", _("Administrator")


class Membership(BaseModel):
    """A user's role in one agency."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "agency"], name="membership_user_agency_uniq"),
        ]


class LoginAttempt(models.Model):
    """One login attempt, for throttling and the security log (P-26).

    Holds keyed hashes of the email and the client address, never the values and never
    the password.
    """

    class Stage(models.TextChoices):
        PASSWORD = "password", _("password")
        SECOND_FACTOR = "second_factor", _("second factor")

    class Outcome(models.TextChoices):
        SUCCEEDED = "succeeded", _("succeeded")
        FAILED = "failed", _("failed")
        THROTTLED = "throttled", _("throttled")

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField()
    email_hash = models.CharField(max_length=64)
    ip_hash = models.CharField(max_length=64)
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL)
    stage = models.CharField(max_length=20, choices=Stage.choices)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)

    class Meta:
        indexes = [
            models.Index(fields=["email_hash", "at"], name="login_email_at_idx"),
            models.Index(fields=["ip_hash", "at"], name="login_ip_at_idx"),
        ]
