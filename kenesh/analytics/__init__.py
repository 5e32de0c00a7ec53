"""Pure numerical kernels: plain functions over numpy arrays, no Django import.

Each function documents its formula, units and the reference it follows, and is tested against
an independent reference (PySAL, a brute-force implementation, or a published value).
"""
