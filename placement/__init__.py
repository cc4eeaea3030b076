"""The ECS placement engine: pure Python, no Django outside apps.py and adapters.py."""
