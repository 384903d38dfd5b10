"""CRM adapters: one protocol (base.py), three sources (hubspot, salesforce, files)."""
