/* Filter and sort the index table; state lives in the query string (?q=&kind=&grade=&veto=1&sort=&dir=).
   Plain ES2017, no library, no network: the page works when opened from the file system. */
(function () {
  "use strict";
  var table = document.getElementById("docs");
  var tbody = table.tBodies[0];
  var rows = Array.prototype.slice.call(tbody.rows);
  var heads = Array.prototype.slice.call(table.tHead.rows[0].cells).filter(function (th) {
    return th.hasAttribute("data-col");
  });
  var q = document.getElementById("q"), kind = document.getElementById("kind");
  var grade = document.getElementById("grade"), veto = document.getElementById("veto");
  var count = document.getElementById("count"), empty = document.getElementById("empty");
  var state = { sort: "", dir: "asc" };

  function read() {
    var p = new URLSearchParams(window.location.search);
    q.value = p.get("q") || "";
    kind.value = p.get("kind") || "";
    grade.value = p.get("grade") || "";
    veto.checked = p.get("veto") === "1";
    state.sort = heads.some(function (th) { return th.getAttribute("data-col") === p.get("sort"); }) ? p.get("sort") : "";
    state.dir = p.get("dir") === "desc" ? "desc" : "asc";
  }

  function write() {
    var p = new URLSearchParams();
    if (q.value.trim()) p.set("q", q.value.trim());
    if (kind.value) p.set("kind", kind.value);
    if (grade.value) p.set("grade", grade.value);
    if (veto.checked) p.set("veto", "1");
    if (state.sort) { p.set("sort", state.sort); p.set("dir", state.dir); }
    var search = p.toString();
    try {
      window.history.replaceState(null, "", window.location.pathname + (search ? "?" + search : ""));
    } catch (e) { /* some browsers refuse history changes on file:// pages; the view still works */ }
  }

  function sortValue(row, col) {
    var cell = row.querySelector('td[data-col="' + col + '"]');
    return cell ? cell.getAttribute("data-sort") : "";
  }

  function apply() {
    var needle = q.value.trim().toLowerCase();
    var shown = 0;
    rows.forEach(function (r) {
      var ok = (!needle || r.getAttribute("data-text").indexOf(needle) >= 0) &&
        (!kind.value || r.getAttribute("data-kind") === kind.value) &&
        (!grade.value || r.getAttribute("data-grade") === grade.value) &&
        (!veto.checked || r.getAttribute("data-veto") === "1");
      r.hidden = !ok;
      if (ok) shown += 1;
    });
    var order = rows.slice();
    if (state.sort) {
      var th = table.tHead.querySelector('th[data-col="' + state.sort + '"]');
      var numeric = th.hasAttribute("data-type");
      var sign = state.dir === "desc" ? -1 : 1;
      order.sort(function (a, b) {  // stable: ties keep the page's order (rank order)
        var x = sortValue(a, state.sort), y = sortValue(b, state.sort);
        if (x === y) return 0;
        if (x === "") return 1;  // missing values last, whatever the direction
        if (y === "") return -1;
        return sign * (numeric ? parseFloat(x) - parseFloat(y) : x.localeCompare(y, "zh-CN"));
      });
    }
    order.forEach(function (r) { tbody.appendChild(r); });
    heads.forEach(function (th) {
      var col = th.getAttribute("data-col");
      th.setAttribute("aria-sort", col === state.sort ? (state.dir === "asc" ? "ascending" : "descending") : "none");
    });
    count.textContent = "显示 " + shown + " / " + rows.length + " 项";
    empty.hidden = shown > 0;
    write();
  }

  heads.forEach(function (th) {
    th.querySelector("button").addEventListener("click", function () {
      var col = th.getAttribute("data-col");
      state.dir = state.sort === col && state.dir === "asc" ? "desc" : "asc";
      state.sort = col;
      apply();
    });
  });
  [q, kind, grade, veto].forEach(function (el) {
    el.addEventListener(el === q ? "input" : "change", apply);
  });
  document.getElementById("reset").addEventListener("click", function () {
    q.value = ""; kind.value = ""; grade.value = ""; veto.checked = false; state.sort = ""; state.dir = "asc";
    apply();
  });
  read();
  apply();
  document.documentElement.setAttribute("data-ready", "1");
}());
