"""Load testing the simulator with locust: the jobs users run (``locustfile.py``), the ``micc-sim load``
command that runs them headless and judges the run (``runner.py``), and its reports (``report.py``).

Only ``locustfile.py`` imports locust (which patches the standard library with gevent when imported): the
simulator and the command never do, so they run in ordinary processes.
"""
