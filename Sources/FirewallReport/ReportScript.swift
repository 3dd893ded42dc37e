/// The page's only script: the paged, filterable timeline over the embedded rows.
///
/// It reads data with `JSON.parse` from `<script type="application/json">` elements and writes log text only
/// through `textContent`; it never uses `innerHTML`, `eval` or links. Its SHA-256 goes in the page's CSP.
enum ReportScript {
    static let source = #"""
        (function () {
          "use strict";
          function byId(id) { return document.getElementById(id); }
          var meta = JSON.parse(byId("report-meta").textContent);
          var rows = JSON.parse(byId("report-events").textContent);
          var strings = meta.strings;
          var filters = {
            session: byId("f-session"), cls: byId("f-class"), decision: byId("f-decision"),
            approver: byId("f-approver"), tool: byId("f-tool"), text: byId("f-text"), size: byId("f-size")
          };
          var body = byId("tl-body");
          var matches = [];
          var page = 0;
          var expanded = {};
          var lowered = null;

          function text(value) {
            if (typeof value === "number") { return value < 0 ? "" : strings[value]; }
            return value;
          }
          function option(select, value, label) {
            var node = document.createElement("option");
            node.value = String(value);
            node.textContent = label;
            select.appendChild(node);
          }
          function chosen(select) { return select.value === "" ? null : Number(select.value); }
          function haystack(index) {
            if (lowered === null) { lowered = new Array(rows.length); }
            var cached = lowered[index];
            if (cached === undefined) {
              var row = rows[index];
              cached = [row[2], meta.events[row[3]], text(row[4]), text(row[10]), row[11], row[12]]
                .join("\n").toLowerCase();
              lowered[index] = cached;
            }
            return cached;
          }

          function applyFilters() {
            var session = chosen(filters.session), cls = chosen(filters.cls), decision = chosen(filters.decision);
            var approver = chosen(filters.approver), tool = chosen(filters.tool);
            var query = filters.text.value.trim().toLowerCase();
            matches = [];
            for (var i = 0; i < rows.length; i++) {
              var row = rows[i];
              if (session !== null && row[0] !== session) { continue; }
              if (cls !== null && row[5] !== cls) { continue; }
              if (decision !== null && row[6] !== decision) { continue; }
              if (approver !== null && row[7] !== approver) { continue; }
              if (tool !== null && row[4] !== tool) { continue; }
              if (query !== "" && haystack(i).indexOf(query) < 0) { continue; }
              matches.push(i);
            }
            page = 0;
            render();
          }

          function cell(tr, value, className) {
            var td = document.createElement("td");
            if (className) { td.className = className; }
            td.textContent = value;
            tr.appendChild(td);
            return td;
          }
          function badge(kind) {
            var info = meta.labels[kind];
            var span = document.createElement("span");
            span.className = "badge " + info.tone;
            var icon = document.createElement("span");
            icon.className = "icon";
            icon.setAttribute("aria-hidden", "true");
            icon.textContent = info.icon;
            span.appendChild(icon);
            span.appendChild(document.createTextNode(" " + info.badge));
            return span;
          }
          function shortTime(ts) {
            var at = ts.indexOf("T");
            return at < 0 ? ts : ts.slice(at + 1, at + 13);
          }
          function appendRow(parent, index) {
            var row = rows[index];
            var tr = document.createElement("tr");
            tr.className = "ev ev-" + meta.events[row[3]];
            var toggleCell = document.createElement("td");
            var button = document.createElement("button");
            button.type = "button";
            button.className = "toggle";
            button.setAttribute("data-index", String(index));
            button.setAttribute("aria-expanded", expanded[index] ? "true" : "false");
            button.setAttribute("aria-label", "Details of record " + row[1]);
            button.textContent = expanded[index] ? "\u25BE" : "\u25B8";
            toggleCell.appendChild(button);
            tr.appendChild(toggleCell);
            cell(tr, String(row[1]), "num");
            cell(tr, shortTime(row[2]), "time").title = row[2];
            cell(tr, meta.sessions[row[0]] ? "#" + (row[0] + 1) : "", "num");
            cell(tr, meta.events[row[3]], "event");
            cell(tr, text(row[4]), "tool");
            cell(tr, meta.classes[row[5]], "cls cls-" + meta.classes[row[5]]);
            cell(tr, meta.decisions[row[6]], "dec dec-" + meta.decisions[row[6]]);
            var by = cell(tr, "", "by");
            if (row[9] >= 0) {
              by.appendChild(badge(row[9]));
              by.appendChild(document.createTextNode(" " + text(row[10])));
            } else {
              by.textContent = meta.approvers[row[7]];
            }
            cell(tr, row[11], "summary");
            parent.appendChild(tr);
            if (expanded[index]) {
              var detail = document.createElement("tr");
              detail.className = "detail";
              var td = document.createElement("td");
              td.colSpan = 10;
              var pre = document.createElement("pre");
              pre.textContent = row[12] === "" ? "(no detail recorded)" : row[12];
              td.appendChild(pre);
              detail.appendChild(td);
              parent.appendChild(detail);
            }
          }

          function render() {
            var size = Number(filters.size.value) || 100;
            var pages = Math.max(1, Math.ceil(matches.length / size));
            if (page >= pages) { page = pages - 1; }
            var first = page * size;
            var last = Math.min(matches.length, first + size);
            var fragment = document.createDocumentFragment();
            for (var m = first; m < last; m++) { appendRow(fragment, matches[m]); }
            body.replaceChildren(fragment);
            byId("tl-status").textContent = matches.length === 0
              ? "No event matches the filters (" + rows.length + " in the log)."
              : "Showing " + (first + 1) + "\u2013" + last + " of " + matches.length + " matching events (" +
                rows.length + " in the log).";
            byId("tl-page").textContent = "Page " + (page + 1) + " of " + pages;
            byId("tl-prev").disabled = page === 0;
            byId("tl-next").disabled = page + 1 >= pages;
          }

          meta.sessions.forEach(function (name, index) { option(filters.session, index, name); });
          meta.tools.map(function (index) { return [strings[index], index]; })
            .sort(function (a, b) { return a[0] < b[0] ? -1 : (a[0] > b[0] ? 1 : 0); })
            .forEach(function (pair) { option(filters.tool, pair[1], pair[0]); });
          var pending = null;
          filters.text.addEventListener("input", function () {
            if (pending !== null) { clearTimeout(pending); }
            pending = setTimeout(function () { pending = null; applyFilters(); }, 150);
          });
          [filters.session, filters.cls, filters.decision, filters.approver, filters.tool].forEach(function (select) {
            select.addEventListener("change", applyFilters);
          });
          filters.size.addEventListener("change", function () { page = 0; render(); });
          byId("tl-filters").addEventListener("submit", function (event) { event.preventDefault(); applyFilters(); });
          byId("tl-prev").addEventListener("click", function () { page -= 1; render(); });
          byId("tl-next").addEventListener("click", function () { page += 1; render(); });
          body.addEventListener("click", function (event) {
            var target = event.target.closest ? event.target.closest("button.toggle") : null;
            if (!target) { return; }
            var index = Number(target.getAttribute("data-index"));
            expanded[index] = !expanded[index];
            render();
            var again = body.querySelector("button.toggle[data-index=\"" + index + "\"]");
            if (again) { again.focus(); }
          });
          document.documentElement.classList.add("js");
          applyFilters();
        })();
        """#
}
