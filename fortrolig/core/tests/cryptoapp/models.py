from django.db import models

from fortrolig.core.fields import EncryptedTextField
from fortrolig.core.models import AgencyScopedModel, DataKey


class SecretNote(AgencyScopedModel):
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    label = models.CharField(max_length=50)
    body = EncryptedTextField(null=True)
