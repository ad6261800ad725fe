"""Reports the alliance files: the monthly report (月报) of notice §6 and the 台账."""
