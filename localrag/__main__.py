import sys

from localrag.cli import main

sys.exit(main())
