from signalement.cli import main

if __name__ == "__main__":  # worker processes spawned by ``serve --workers`` import this module too
    raise SystemExit(main())
