"""The request's way through the mock, one concern per module; `app.py` lists them in order."""
