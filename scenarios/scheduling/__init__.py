"""The scheduling study: production schedules optimised with OR-Tools CP-SAT (see ``jobshop``)."""
