"""Classic ASP.NET SignalR 2 on the server side: the protocol the MiCC SDK's hubs speak (jQuery
``$.hubConnection`` clients and their kin). ``server.SignalRServer`` is the endpoint, ``hubs.Hub`` what a
hub is built on; the MiCC hubs themselves are in ``micc_sim.faces.micc.hubs``."""
