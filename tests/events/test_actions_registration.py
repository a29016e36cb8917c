"""Registration with a capacity and a waiting list; cancelling promotes the first waiting agent, who is
notified; the organiser's cancellation notifies everyone registered."""

from datetime import timedelta

import pytest
from django.utils import timezone

from events.actions import RegistrationRefused, event_cancel, registration_cancel, registration_create
from events.choices import RegistrationStatus
from events.models import Registration
from intranet.notifications.models import Notification

from .conftest import soon


def statuses(event):
    return list(
        Registration.objects.filter(event=event)
        .order_by("created_at", "pk")
        .values_list("user__username", "status")
    )


def test_registration_at_capacity_goes_to_the_waiting_list_and_is_promoted_on_cancellation(
    territory, publish_event, make_user
):
    """Two places, four agents: two registered, two waiting in order; a registered agent cancels, the first
    waiting one takes the place and is notified; the second keeps waiting."""
    event = publish_event(capacity=2)
    agents = [make_user(f"a{i}") for i in range(4)]
    now = timezone.now()
    for i, agent in enumerate(agents):
        registration_create(event=event, user=agent, now=now + timedelta(seconds=i))
    assert statuses(event) == [
        ("a0", "registered"),
        ("a1", "registered"),
        ("a2", "waiting"),
        ("a3", "waiting"),
    ]
    promoted = registration_cancel(event=event, user=agents[0])
    assert promoted.user == agents[2] and promoted.status == RegistrationStatus.REGISTERED
    assert promoted.promoted_at is not None
    assert statuses(event) == [("a1", "registered"), ("a2", "registered"), ("a3", "waiting")]
    note = Notification.objects.get(recipient=agents[2])
    assert "place s'est libérée" in note.text and note.url == event.url
    assert not Notification.objects.filter(recipient=agents[3]).exists()


def test_leaving_the_waiting_list_promotes_nobody(territory, publish_event, make_user):
    """A waiting agent who leaves frees no place: the registered stay, nobody is notified."""
    event = publish_event(capacity=1)
    first, second, third = make_user("p1"), make_user("p2"), make_user("p3")
    for i, agent in enumerate((first, second, third)):
        registration_create(event=event, user=agent, now=timezone.now() + timedelta(seconds=i))
    assert registration_cancel(event=event, user=second) is None
    assert statuses(event) == [("p1", "registered"), ("p3", "waiting")]
    assert not Notification.objects.exists()


def test_unlimited_event_registers_everyone(territory, publish_event, make_user):
    event = publish_event(capacity=None)
    for i in range(5):
        assert registration_create(event=event, user=make_user(f"u{i}")).status == "registered"


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("twice", "déjà inscrit"),
        ("cancelled", "annulé"),
        ("past", "déjà commencé"),
        ("no_registration", "se passe d'inscription"),
        ("outside_audience", "ne vous est pas destiné"),
    ],
)
def test_refused_registrations_say_why_in_french(territory, publish_event, setup, message):
    """Each refusal names its reason; the valid registration is then accepted (control)."""
    agent = territory.hr_agent
    event = publish_event(
        start=soon(days=-1) if setup == "past" else None,
        registration=setup != "no_registration",
        organisations=[territory.cassel] if setup == "outside_audience" else (),
    )
    if setup == "twice":
        registration_create(event=event, user=agent)
    if setup == "cancelled":
        event_cancel(event=event, by=territory.organiser)
    with pytest.raises(RegistrationRefused) as exc:
        registration_create(event=event, user=agent)
    assert message in exc.value.message
    control = publish_event()
    assert registration_create(event=control, user=agent).status == "registered"


def test_organiser_cancels_the_event_and_registrants_are_notified(territory, publish_event, make_user):
    """Registered and waiting agents all hear of it; the event stays published, marked cancelled, and the
    reason travels with the notification."""
    event = publish_event(capacity=1)
    one, two = make_user("r1"), make_user("r2")
    registration_create(event=event, user=one)
    registration_create(event=event, user=two, now=timezone.now() + timedelta(seconds=1))
    cancelled = event_cancel(event=event, by=territory.organiser, reason="Intervenant malade")
    assert cancelled.cancelled_at is not None and cancelled.live
    assert cancelled.get_latest_revision().as_object().cancelled_at is not None  # the admin shows it too
    texts = dict(Notification.objects.values_list("recipient__username", "text"))
    assert set(texts) == {"r1", "r2"} and "Intervenant malade" in texts["r1"]
    # The date reads as French words, not « 12/12/2026 11:00 »; the kind is the agenda's.
    start = timezone.localtime(event.start)
    assert f"{start.day} " in texts["r1"] and f"à {start:%H:%M} est annulé" in texts["r1"]
    assert "/" not in texts["r1"].split(" du ")[1]
    assert set(Notification.objects.values_list("kind", flat=True)) == {"agenda"}
    with pytest.raises(RegistrationRefused):
        event_cancel(event=event, by=territory.organiser)
