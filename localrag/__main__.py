import sys

from localrag.launch import main

sys.exit(main())
