from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.views.decorators.http import require_safe

from .queries import statement_context


@login_not_required
@require_safe
def statement(request):
    """The RGAA accessibility statement, public like the login page that links it."""
    return render(request, "accessibility/statement.html", statement_context())
