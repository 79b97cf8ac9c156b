"""The MiCC faces: the SDK REST surface, the AuthorizationServer and (later) the real-time hubs."""
