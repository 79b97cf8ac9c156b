"""micc-sim: a local simulator of Mitel's contact-center APIs (MiCC SDK, AuthorizationServer, Open Media)."""

__version__ = "0.1.0"
