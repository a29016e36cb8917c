"""Payslips: each agent's confidential safe (« Mon coffre agent »), deposits, quarantine (issue 18)."""
