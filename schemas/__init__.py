"""Marshmallow schemas: every input is validated and every output serialized here."""
