"""Map layers: what the interactive (folium) map and the print maps draw, and how.

One definition of colours, sizes and labels (:mod:`layers.style`) serves both.
"""
