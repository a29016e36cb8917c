"""What the GED's reads share."""

from django.contrib.auth import get_user_model

User = get_user_model()
