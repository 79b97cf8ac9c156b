import sys

from micc_sim.cli import main

sys.exit(main())
