"""``python -m spillover`` is the ``spillover`` command."""

from spillover.cli import main

if __name__ == "__main__":  # pragma: no cover - exercised through a subprocess in the CLI tests
    main()
