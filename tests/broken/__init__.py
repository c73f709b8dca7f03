"""Small ASGI apps the contract checker is tested against.

`reference.create_app()` implements a slice of the Luxxon API correctly (health and the session
lifecycle: create, get, cancel, accept, start, end, settlement); `variants.BROKEN` breaks it in one
way each. The contract run must pass the reference and name the right check for every variant.
"""
