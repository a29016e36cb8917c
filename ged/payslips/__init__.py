"""Payslips: each agent's confidential safe (« Mon coffre agent »), payroll deposits and quarantine (issue 18)."""
