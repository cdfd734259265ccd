"""Every Dash component id in one place (the browser tests use them too)."""

MAP_FRAME = "map-frame"
MAP_CLICK = "map-click"          # dcc.Store fed by assets/riskmap.js from iframe clicks
MAP_VIEW = "map-view"            # dcc.Store: the iframe's current centre/zoom/bounds
MAP_COMMAND = "map-command"      # dcc.Store: messages posted into the iframe
MAP_COMMAND_SINK = "map-command-sink"
FILTER_GRADES = "filter-grades"
FILTER_INDUSTRIES = "filter-industries"
FILTER_DISTRICTS = "filter-districts"
FILTER_MAJOR = "filter-major"
FILTER_RESET = "filter-reset"
COUNT = "enterprise-count"
STATS_TABLE = "stats-table"
STATS_CHART = "stats-chart"
TABS = "main-tabs"
DATA_NOTICE = "data-notice"

# incident tab
INC_SEARCH = "inc-search"
INC_LON = "inc-lon"
INC_LAT = "inc-lat"
INC_LOCATE = "inc-locate"
INC_RADII = "inc-radii"
INC_TYPE = "inc-type"
INC_NOTE = "inc-note"
INC_SAVE = "inc-save"
INC_CLEAR = "inc-clear"
INC_MESSAGE = "inc-message"
INC_RESULT = "inc-result"
INC_CURRENT = "inc-current"
INC_SAVED = "inc-saved"
INC_OPEN = "inc-open"
INC_DELETE = "inc-delete"
INC_EXPORT = "inc-export"        # pattern id: {"type": INC_EXPORT, "fmt": "geojson" | "kml" | "csv"}
INC_DOWNLOAD = "inc-download"
INC_PRIORITY_TABLE = "inc-priority-table"
