from django.urls import path

from . import views

app_name = "rooms"
urlpatterns = [
    path("", views.index, name="index"),
    path("trouver/", views.finder, name="finder"),
    path("mes-reservations/", views.mine, name="mine"),
    path("mes-validations/", views.approvals, name="approvals"),
    path("agenda/", views.feeds, name="feeds"),
    path("agenda/<str:secret>/mes-reservations.ics", views.feed_mine, name="feed_mine"),
    path("agenda/<str:secret>/salle/<int:pk>.ics", views.feed_room, name="feed_room"),
    path("site/<slug:slug>/", views.site_day, name="site"),
    path("<int:pk>/", views.room_detail, name="room"),
    path("<int:pk>/reserver/", views.book, name="book"),
    path("<int:pk>/prochains-creneaux/", views.next_slots, name="next_slots"),
    path("reservations/<int:pk>/", views.booking_detail, name="booking"),
    path("reservations/<int:pk>/modifier/", views.booking_edit, name="booking_edit"),
    path("reservations/<int:pk>/valider/", views.booking_approve, name="booking_approve"),
    path("reservations/<int:pk>/refuser/", views.booking_reject, name="booking_reject"),
    path("reservations/<int:pk>/annuler/", views.booking_cancel, name="booking_cancel"),
]
