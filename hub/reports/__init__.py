"""Reports the alliance files: the monthly report (月报)."""
