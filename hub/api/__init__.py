"""The operator API: FastAPI routes over the store, with token roles and one error shape."""
