"""Record and compare: forward to a real server and record (``serve --proxy``), serve a recording
(``replay``), and report where the simulator answers differently from it (``drift``)."""
