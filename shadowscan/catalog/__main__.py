"""``python -m shadowscan.catalog``: refresh ``signatures/_snapshot.json`` after editing
the bundled catalog (see :mod:`shadowscan.catalog.snapshot`)."""

from shadowscan.catalog.snapshot import main

raise SystemExit(main())
