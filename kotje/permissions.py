"""Who may read a guide and who sees its feedback. Missing, unpublished and not-addressed guides answer
alike with 404."""

from django.http import Http404

from intranet.audience import audience_keys

from .models import GuidePage


def access_guide(user, page_id: int) -> GuidePage:
    """A live guide addressed to `user`, or 404."""
    if not user.is_authenticated:
        raise Http404
    guide = GuidePage.objects.live().for_user(user).filter(pk=page_id).first()
    if guide is None:
        raise Http404
    return guide


def guide_abilities(user, guide: GuidePage) -> dict[str, bool]:
    """`view_stats`: the content owner (the agent, or an agent of the owning service or of a service above
    it), the owning service's head, and whoever may edit the page in the Wagtail admin."""
    if not user.is_authenticated or not user.is_active:
        return {"give_feedback": False, "view_stats": False, "edit": False}
    can_edit = user.is_superuser or guide.permissions_for_user(user).can_edit()
    owner = False
    if guide.content_owner_person_id:
        owner = guide.content_owner_person_id == user.pk
    elif guide.content_owner_department_id:
        _employer, department_ids = audience_keys(user)
        owner = guide.content_owner_department_id in department_ids or (
            guide.content_owner_department.head_id == user.pk
        )
    return {"give_feedback": True, "view_stats": owner or can_edit, "edit": can_edit}
