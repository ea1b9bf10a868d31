"""`python -m retag ...` (and the `retag` script pip installs): the command
line, run by the wheel's Rust code in this process."""

from __future__ import annotations

import sys

from ._retag import run


def main() -> int:
    try:
        run(sys.argv[1:])
    except ValueError as error:  # refused arguments: clap's message says it all
        print(error, file=sys.stderr)
        return 2
    except RuntimeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
