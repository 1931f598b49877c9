"""``python -m bot``: the command line (bot/cli/)."""

import sys

if __name__ == "__main__" and sys.argv[1:2] in ([], ["run"]):
    # The bot: its signals answered from the first moment, not after the command line's imports
    # (a fifth of a second in which SIGTERM or SIGHUP ended it by the signal: an attack).
    from bot.starting import STOP_ASKED, before_start

    before_start()
    try:
        import bot.cli  # noqa: F401 (imported here, where a stop may cut it short)
    except Exception:  # a stop's SystemExit, wrapped by the import it was raised in
        if not STOP_ASKED:
            raise
        sys.exit(0)

from bot.cli import main  # (imported already where the bot runs)

if __name__ == "__main__":
    sys.exit(main())
