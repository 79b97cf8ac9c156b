"""Mitel CloudLink: authentication, admin, notifications, chat, media and presence (CloudLink guides).

Each service is a package with its state (``models.py``: pure domain, no HTTP), its wire handling
(``responses.py``: one handler per operationId of its contract) and its routes (``urls.py``).
``platform.CloudLink`` holds the services' state for one simulator; ``face.py`` mounts the services.
"""
