"""Mappings: what admins edit. Load and validate YAML; raw CRM/CSV records -> Contact/Activity."""
