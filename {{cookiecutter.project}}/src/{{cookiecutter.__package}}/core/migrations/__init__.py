"""Ordered plain-SQL schema migrations: `NNNN_description.sql`, applied once each."""
