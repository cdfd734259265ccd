"""Every Dash component id in one place (the browser tests use them too)."""

MAP_FRAME = "map-frame"
MAP_CLICK = "map-click"          # dcc.Store fed by assets/riskmap.js from iframe clicks
MAP_VIEW = "map-view"            # dcc.Store: the iframe's current centre/zoom/bounds
MAP_LAYERS = "map-layers"        # dcc.Store: dataset layers switched on in the map
DATA_VERSION = "data-version"    # dcc.Store: set after an import; figures and options refresh
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
INC_WIND = "inc-wind"
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

# import tab
IMP_UPLOAD = "imp-upload"
IMP_LAYER = "imp-layer"
IMP_CRS = "imp-crs"
IMP_MODE = "imp-mode"
IMP_STRICT = "imp-strict"
IMP_TOKEN = "imp-token"
IMP_PREVIEW = "imp-preview"
IMP_MAPPING = "imp-mapping"
IMP_RUN = "imp-run"
IMP_RESULT = "imp-result"
IMP_REPORT = "imp-report"
IMP_REPORT_DOWNLOAD = "imp-report-download"
IMP_REPORT_STORE = "imp-report-store"

# zones tab
ZON_METHOD = "zon-method"
ZON_RADII = "zon-radii"          # pattern id: {"type": ZON_RADII, "grade": code}
ZON_CELL = "zon-cell"
ZON_SHAPE = "zon-shape"
ZON_GRADE_BY = "zon-grade-by"
ZON_RUN = "zon-run"
ZON_CLEAR = "zon-clear"
ZON_PARAMS = "zon-params"        # dcc.Store: the parameters of the zones on the map
ZON_RESULT = "zon-result"
ZON_EXPORT = "zon-export"        # pattern id: {"type": ZON_EXPORT, "fmt": "geojson" | "gpkg"}
ZON_DOWNLOAD = "zon-download"

# print tab
PDF_TITLE = "pdf-title"
PDF_SUBTITLE = "pdf-subtitle"
PDF_PAPER = "pdf-paper"
PDF_ORIENTATION = "pdf-orientation"
PDF_LAYERS = "pdf-layers"
PDF_OPTIONS = "pdf-options"
PDF_RUN = "pdf-run"
PDF_MESSAGE = "pdf-message"
PDF_DOWNLOAD = "pdf-download"

# terrain tab
TER_RUN = "ter-run"              # pattern id: {"type": TER_RUN, "what": "slopes" | "ponding" | "shelters"}
TER_CLEAR = "ter-clear"
TER_ANGLE = "ter-angle"
TER_RELIEF = "ter-relief"
TER_RESULT = "ter-result"

# header and admin tab (ui/app.py, ui/panels/admin.py)
USER_BOX = "user-box"
LOGOUT = "logout"
LOCAL_BADGE = "local-badge"
READ_ONLY_BANNER = "read-only-banner"
ADM_REFRESH = "adm-refresh"
ADM_USERS = "adm-users"
ADM_AUDIT = "adm-audit"
ADM_TOGGLE = "adm-toggle"        # pattern id: {"type": ADM_TOGGLE, "name": user name}
ADM_MESSAGE = "adm-message"

# incident tab: the saved-incident list (paged, searched on the server) and the write signal
INC_SAVED_SEARCH = "inc-saved-search"
INC_SAVED_COUNT = "inc-saved-count"
INC_WRITTEN = "inc-written"      # dcc.Store: set by the save/delete callback (incident.write)

# import tab: replace confirmation, layer versions and restore
IMP_CONFIRM_REPLACE = "imp-confirm-replace"  # second button: "确认替换 N 行"
IMP_REPLACE_PENDING = "imp-replace-pending"  # dcc.Store: the replace waiting for confirmation
IMP_VERSIONS = "imp-versions"
IMP_RESTORE = "imp-restore"      # pattern id: {"type": IMP_RESTORE, "version": n}
IMP_CONFIRM_RESTORE = "imp-confirm-restore"
IMP_RESTORE_PENDING = "imp-restore-pending"  # dcc.Store: {"layer", "version"} to restore
IMP_VERSIONS_MESSAGE = "imp-versions-message"
INC_UPDATE = "inc-update"        # incident tab: update the chosen saved incident from the form

# hidden-dangers tab (ui/panels/hazards.py)
HAZ_SLIDER = "haz-slider"        # month index (0 = the first month with a hazard)
HAZ_DATE = "haz-date"            # the date box (YYYY-MM-DD), kept in step with the slider
HAZ_PLAY = "haz-play"
HAZ_TICK = "haz-tick"            # dcc.Interval of the play button
HAZ_LEVEL = "haz-level"
HAZ_STATE = "haz-state"          # as-of state: open, overdue, closed
HAZ_CATEGORY = "haz-category"
HAZ_DISTRICT = "haz-district"
HAZ_SOURCE = "haz-source"
HAZ_SUPERVISED = "haz-supervised"
HAZ_COUNTS = "haz-counts"
HAZ_TABLE = "haz-table"
HAZ_CHART = "haz-chart"
HAZ_TR_ID = "haz-tr-id"
HAZ_TR_TO = "haz-tr-to"
HAZ_TR_FIELDS = "haz-tr-fields"  # pattern id: {"type": HAZ_TR_FIELDS, "field": name}
HAZ_TR_RUN = "haz-tr-run"
HAZ_TR_MESSAGE = "haz-tr-message"
HAZ_WRITTEN = "haz-written"      # dcc.Store: set by the transition callback (hazards.write)

# analyst tab: view options, overdue inspections, clickable districts, attribute table
FILTER_KEEP_VIEW = "filter-keep-view"  # checklist ["keep"]: filters do not move the map
FILTER_OTHERS = "filter-others"        # radio: show | dim | hide the context layers
FILTER_OVERDUE = "filter-overdue"      # number input: last inspection older than N months
FILTER_MESSAGE = "filter-message"      # a refused filter value, in words
STATS_DISTRICT = "stats-district"      # pattern id: {"type": STATS_DISTRICT, "name": d, "where": "table" | "chart"}
ATTR_SHOW = "attr-show"                # checklist ["show"]: the attribute table is open
ATTR_GRID = "attr-grid"                # dash-ag-grid of the filtered enterprises
ATTR_NOTE = "attr-note"
ATTR_XLSX = "attr-xlsx"
ATTR_CSV = "attr-csv"
ATTR_DOWNLOAD = "attr-download"

# phone layout and the map's mode (ui/app.py, assets/riskmap.js)
SHEET_HANDLE = "sheet-handle"          # the bottom sheet's grip on a narrow screen (drag or tap)
MAP_MODE_SINK = "map-mode-sink"        # output of the clientside callback that sends MODE

# print tab: layout options, formats, template, the print area on the map (issue 16)
PDF_SCALE = "pdf-scale"                # dropdown: "fit" or a standard scale denominator
PDF_LAYOUT = "pdf-layout"              # checklist: graticule, inset, labels, area (show on map)
PDF_FORMAT = "pdf-format"              # radio: pdf | png | svg
PDF_DPI = "pdf-dpi"                    # dropdown: PNG resolution
PDF_TEMPLATE_UPLOAD = "pdf-template-upload"  # dcc.Upload of a template JSON
PDF_TEMPLATE = "pdf-template"          # dcc.Store: the uploaded template (a JSON object) or None
PDF_TEMPLATE_MESSAGE = "pdf-template-message"
MAP_AREA = "map-area"                  # dcc.Store fed by assets/riskmap.js: the area drawn on the map
AREA_RESULT = "area-result"            # the analyst tab's summary of the drawn area
AREA_EXPORT = "area-export"
AREA_DOWNLOAD = "area-download"
HAZ_STATUS = "haz-status"        # filter: the current step of the loop
ZON_FOLLOW = "zon-follow"              # zones tab: checklist ["follow"]: only the filtered enterprises
ZON_BREAKS = "zon-breaks"              # zones tab: score breaks "quantile" | "absolute"
ZON_THRESHOLD = "zon-threshold"        # pattern id: {"type": ZON_THRESHOLD, "grade": red|orange|yellow}
RES_MINUTES = "res-minutes"            # resources tab: coverage time limit (minutes)
RES_KINDS = "res-kinds"                # resources tab: team kinds (empty: every team)
RES_LON = "res-lon"                    # resources tab: place for nearest teams / evacuation
RES_LAT = "res-lat"
RES_ITEM = "res-item"                  # resources tab: stock item wanted at the place
RES_QUANTITY = "res-quantity"
RES_RUN = "res-run"                    # pattern id: {"type": RES_RUN, "what": coverage|nearest|evacuate|show}
RES_CLEAR = "res-clear"
RES_RESULT = "res-result"
RES_STOCK = "res-stock"                # resources tab: stock alerts table

# share links (ui/app.py, data/share.py)
SHARE_INCIDENT = "share-incident"      # dcc.Store: the saved incident a share link (/?incident=N) names
SHARE_NOTICE = "share-notice"          # why a share link's incident number was refused
FILTER_DENSITY = "filter-density"      # analyst tab: checklist ["density"]: hexbin density at city zoom
IMP_ALLOW_TRUNCATED = "imp-allow-truncated"  # import tab: checklist ["yes"]: import a truncated CSV's rows before the cut
IMP_TRUNCATED_BOX = "imp-truncated-box"  # import tab: wrapper of that checklist (shown when the preview finds a cut)
HAZ_LEDGER_UPLOAD = "haz-ledger-upload"      # hazards tab: dcc.Upload of the bureau's ledger (xlsx/CSV; hazards.write)
HAZ_LEDGER_TOKEN = "haz-ledger-token"        # hazards tab: dcc.Store {token, filename} of the kept upload
HAZ_LEDGER_STRICT = "haz-ledger-strict"      # hazards tab: checklist ["strict"]: nothing written if a row is rejected
HAZ_LEDGER_RUN = "haz-ledger-run"            # hazards tab: import the uploaded ledger
HAZ_LEDGER_RESULT = "haz-ledger-result"      # hazards tab: the row-level report of the ledger import
HAZ_LEDGER_XLSX = "haz-ledger-xlsx"          # hazards tab: export the ledger with its history (xlsx)
HAZ_LEDGER_CSV = "haz-ledger-csv"            # hazards tab: export the ledger with its history (CSV)
HAZ_LEDGER_DOWNLOAD = "haz-ledger-download"  # hazards tab: dcc.Download of the ledger export
INC_RES_N = "inc-res-n"                      # incident tab: how many nearest rescue teams (and depots)
INC_RES_ITEM = "inc-res-item"                # incident tab: stock item wanted (depots holding enough of it)
INC_RES_QUANTITY = "inc-res-quantity"        # incident tab: at least this much of the item
INC_RES_ROUTES = "inc-res-routes"            # incident tab: checklist ["show"]: draw the road routes on the map
INC_RES_RESULT = "inc-res-result"            # incident tab: the nearest teams / depots tables
INC_DOWNWIND = "inc-downwind-km"             # incident tab: downwind distance (km; empty: the outer radius)
INC_OPEN_LIST = "inc-open-list"              # incident tab: the open incidents (chips; the map shows the chosen one)
INC_OPEN_CLOSE = "inc-open-close"            # incident tab: close the chosen open incident (it stays saved)
INC_HISTORY = "inc-history"                  # incident tab: who changed the chosen incident, when, what
INC_SESSION = "inc-session"                  # dcc.Store (session): {"open": [{"id", "label"}], "current": id}
INC_RESTORED = "inc-restored"                # dcc.Store: set once the session's open incidents are restored
PDF_CENTER = "pdf-center"                    # print tab: the sheet's centre "lon, lat" (empty: the map's centre; set by dragging the print area)
RES_PDF = "res-pdf"                          # pattern id: {"type": RES_PDF, "what": coverage|evacuate}: export the result's print PDF
RES_PDF_DOWNLOAD = "res-pdf-download"        # resources tab: dcc.Download of that PDF (role print)
RES_PDF_MESSAGE = "res-pdf-message"          # resources tab: why the PDF export was refused
INC_TYPE_SINK = "inc-type-sink"              # incident tab: hidden sink of the clientside callback that tells assets/riskmap.js the type (kept across a language switch)
