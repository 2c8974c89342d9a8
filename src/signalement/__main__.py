from signalement.cli import main

raise SystemExit(main())
