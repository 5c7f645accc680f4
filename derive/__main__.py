"""`python -m derive` runs the `derive` command."""

import sys

from derive.cli import main

sys.exit(main())
