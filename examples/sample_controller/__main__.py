"""``python -m sample_controller`` (from the ``examples`` directory) runs ``main.py``."""

from sample_controller.main import main

raise SystemExit(main())
