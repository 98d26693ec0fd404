"""Quiz mode: predict, then reveal. Questions (no Qt), the score, and the panel that asks them."""
