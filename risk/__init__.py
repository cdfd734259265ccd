"""Risk analysis: pure functions on GeoDataFrames and rasters (never imports Dash)."""
