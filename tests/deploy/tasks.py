"""Tasks the deployment test enqueues for the shape's task worker (`manage.py db_worker` imports this module
by its dotted path): each calls the application's own actions, nothing is simulated."""

from django_tasks import task


@task()
def notify_agent(user_id: int, text: str) -> int:
    """The live push of a notification created in the task worker's process (intranet.notifications)."""
    from intranet.notifications.actions import notify

    return len(notify(recipients=[user_id], verb="shape.test", text=text, url="/"))
