"""No Django admin for clients.

The project does not install django.contrib.admin: every change to client data goes
through the audited services (house rule 3), so there is nothing to register here.
"""
