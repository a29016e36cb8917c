"""The GED as a network drive: a wsgidav provider over the GED's own actions, queries and permission
functions.

`app.make_app()` builds the WSGI application (served by `manage.py dav_serve`, and under `/dav/` by the ASGI
application of `make run`). See docs/webdav.md.
"""
