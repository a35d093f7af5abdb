import sys

from marsviz.cli import main

sys.exit(main())
