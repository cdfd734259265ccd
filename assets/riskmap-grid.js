/* risk-map: functions the dash-ag-grid tables name in their column definitions.
 *
 * A column definition names one as {"function": "riskmapFixed(params.value, 6)"}; dash-ag-grid
 * parses that expression itself and calls the function from window.dashAgGridFunctions (no
 * eval, no new Function: the page's Content-Security-Policy allows no 'unsafe-eval'). Plain
 * string valueFormatters would be AG Grid "expressions", compiled with new Function, and are
 * never used. Auto-loaded by Dash from assets/.
 */
(function () {
  "use strict";
  var fns = window.dashAgGridFunctions = window.dashAgGridFunctions || {};

  /* Comparator of a grade's severity rank (1 = 重大 red … 4 = 低 blue): ascending is the least
   * severe first, so "desc" (the grade column's first click) puts 重大 first. A missing rank
   * sorts as the least severe. */
  fns.riskmapBySeverity = function (a, b) {
    var ra = Number(a), rb = Number(b);
    if (!(ra >= 1)) { ra = 99; }
    if (!(rb >= 1)) { rb = 99; }
    return rb - ra;
  };

  /* A number with `digits` decimals (coordinates to 1e-6 degree); blank stays blank. */
  fns.riskmapFixed = function (value, digits) {
    if (value === null || value === undefined || value === "") { return ""; }
    var n = Number(value);
    return isFinite(n) ? n.toFixed(digits) : String(value);
  };
})();
