"""Hikvision access-control face terminals (DS-K1T…, MinMoe) over ISAPI with HTTP digest authentication."""
