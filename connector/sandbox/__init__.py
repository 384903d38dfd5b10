"""Local stand-ins for the outside world: CRM emulators, seeded synthetic data, webhook emitters."""
