from django.urls import path

from . import views

app_name = "rooms"
urlpatterns = [
    path("", views.index, name="index"),
    path("trouver/", views.finder, name="finder"),
    path("vehicules/", views.kind_index, {"kind": "vehicle"}, name="vehicles"),
    path("materiel/", views.kind_index, {"kind": "equipment"}, name="equipment"),
    path("mes-reservations/", views.mine, name="mine"),
    path("mes-validations/", views.approvals, name="approvals"),
    path("agenda/", views.feeds, name="feeds"),
    path("agenda/<str:secret>/mes-reservations.ics", views.feed_mine, name="feed_mine"),
    path("agenda/<str:secret>/salle/<id:pk>.ics", views.feed_room, name="feed_room"),
    path("site/<slug:slug>/", views.site_day, name="site"),
    path("<id:pk>/", views.room_detail, name="room"),
    path("<id:pk>/reserver/", views.book, name="book"),
    path("<id:pk>/prochains-creneaux/", views.next_slots, name="next_slots"),
    path("reservations/<id:pk>/", views.booking_detail, name="booking"),
    path("reservations/<id:pk>/modifier/", views.booking_edit, name="booking_edit"),
    path("reservations/<id:pk>/valider/", views.booking_approve, name="booking_approve"),
    path("reservations/<id:pk>/refuser/", views.booking_reject, name="booking_reject"),
    path("reservations/<id:pk>/annuler/", views.booking_cancel, name="booking_cancel"),
    path("reservations/<id:pk>/maintenir/", views.booking_keep, name="booking_keep"),
    path("reservations/<id:pk>/retour/", views.vehicle_return, name="vehicle_return"),
]
