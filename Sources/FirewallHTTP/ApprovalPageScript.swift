/// The approval page's script: renders the pending calls from the event stream and posts answers.
///
/// Every string from a request reaches the DOM through `textContent` (or `setAttribute` for the id), never as
/// markup; control and formatting characters are shown as `\uXXXX` escapes, and long argument values are cut
/// in the middle, as `ApprovalSummary` does for the terminal.
enum ApprovalPageScript {
    static let source = #"""
        (function () {
          'use strict';
          var LIMIT = 240;
          var STORAGE_KEY = 'mcp-firewall.approver';
          var HISTORY = 20;
          var csrf = document.querySelector('meta[name="mcp-firewall-csrf"]').getAttribute('content');
          var base = location.pathname.endsWith('/') ? location.pathname : location.pathname + '/';
          var list = document.getElementById('pending');
          var empty = document.getElementById('empty');
          var statusLine = document.getElementById('status');
          var history = document.getElementById('history');
          var nameInput = document.getElementById('approver');
          var cards = new Map();

          try { nameInput.value = localStorage.getItem(STORAGE_KEY) || ''; } catch (e) { /* storage disabled */ }
          nameInput.addEventListener('input', function () {
            try { localStorage.setItem(STORAGE_KEY, nameInput.value); } catch (e) { /* storage disabled */ }
          });

          // Control, format and separator characters become visible escapes (structural newlines may stay).
          function visible(text, keepNewlines) {
            return String(text).replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, function (c) {
              if (keepNewlines && c === '\n') { return c; }
              return '\\u' + c.codePointAt(0).toString(16).padStart(4, '0');
            });
          }

          function middleCut(text, limit) {
            var chars = Array.from(text);
            if (chars.length <= limit) { return text; }
            var head = Math.floor(limit * 2 / 3);
            var tail = Math.floor(limit / 3);
            return chars.slice(0, head).join('') + '\u2026(' + (chars.length - head - tail) +
              ' characters omitted)\u2026' + chars.slice(chars.length - tail).join('');
          }

          function el(tag, className, text) {
            var node = document.createElement(tag);
            if (className) { node.className = className; }
            if (text !== undefined) { node.textContent = text; }
            return node;
          }

          function field(dl, label, className, text) {
            dl.appendChild(el('dt', null, label));
            var value = el('dd', className, text);
            dl.appendChild(value);
            return value;
          }

          function argumentsBlock(view, notShown) {
            var block = el('div', 'args');
            view.forEach(function (entry) {
              var item = el('div', 'arg');
              if (entry.name !== '') {
                item.appendChild(el('span', 'arg-name', middleCut(visible(entry.name), LIMIT)));
              }
              item.appendChild(el('pre', 'arg-value', visible(entry.value, true)));
              block.appendChild(item);
            });
            if (notShown > 0) {
              block.appendChild(el('p', 'arg-more', notShown + ' more values not shown: deny if unsure'));
            }
            return block;
          }

          function timeLeft(deadline) {
            var seconds = Math.max(0, Math.round((deadline - Date.now()) / 1000));
            if (seconds === 0) { return 'timing out\u2026'; }
            if (seconds < 60) { return seconds + ' s left'; }
            return Math.floor(seconds / 60) + ' min ' + (seconds % 60) + ' s left';
          }

          function setStatus(text) { statusLine.textContent = text; }

          function refreshEmpty() { empty.hidden = cards.size > 0; }

          function addCard(card) {
            var request = card.request;
            var id = String(request.approval_id);
            if (cards.has(id)) { return; }
            var item = el('li', 'call');
            item.setAttribute('data-approval-id', id);
            var heading = el('h2');
            if (card.server_label) { heading.appendChild(el('span', 'server-label', visible(card.server_label))); }
            heading.appendChild(el('span', 'tool', visible(request.tool)));
            heading.appendChild(el('span', 'class', visible(request['class'])));
            heading.appendChild(el('span', 'time-left', timeLeft(card.deadline_ms)));
            item.appendChild(heading);
            var facts = el('dl', 'facts');
            field(facts, 'Approval', 'approval-id', visible(id));
            field(facts, 'Server', 'server', visible(request.server) + (card.pid ? ' (proxy pid ' + card.pid + ')' : ''));
            field(facts, 'Rule', 'rule', visible(card.rule_text));
            field(facts, 'Reason', 'reason', visible(request.reason));
            facts.appendChild(el('dt', null, 'Arguments'));
            var argsCell = el('dd');
            argsCell.appendChild(argumentsBlock(card.argument_view, card.arguments_not_shown));
            facts.appendChild(argsCell);
            item.appendChild(facts);

            var form = el('div', 'answer');
            var commentLabel = el('label', null, 'Comment (optional) ');
            var comment = el('textarea', 'comment');
            comment.maxLength = 1000;
            comment.rows = 2;
            commentLabel.appendChild(comment);
            form.appendChild(commentLabel);
            var remember = null;
            if (request.remember && request.remember !== 'never') {
              var rememberLabel = el('label', 'remember-label');
              remember = el('input', 'remember');
              remember.type = 'checkbox';
              rememberLabel.appendChild(remember);
              rememberLabel.appendChild(document.createTextNode(request.remember === 'session'
                ? ' remember this approval for the session'
                : ' remember this approval for ' + visible(request.remember)));
              form.appendChild(rememberLabel);
            }
            var buttons = el('div', 'buttons');
            var approve = el('button', 'approve', 'Approve');
            var deny = el('button', 'deny', 'Deny');
            approve.type = 'button';
            deny.type = 'button';
            buttons.appendChild(approve);
            buttons.appendChild(deny);
            form.appendChild(buttons);
            var note = el('p', 'note');
            note.setAttribute('role', 'status');
            form.appendChild(note);
            item.appendChild(form);

            var entry = {
              item: item, request: request, deadline: card.deadline_ms, clock: heading.querySelector('.time-left'),
              comment: comment, remember: remember, approve: approve, deny: deny, note: note
            };
            approve.addEventListener('click', function () { decide(entry, true); });
            deny.addEventListener('click', function () { decide(entry, false); });
            cards.set(id, entry);
            list.appendChild(item);
            refreshEmpty();
          }

          function removeCard(id, reason) {
            var entry = cards.get(id);
            if (!entry) { return; }
            cards.delete(id);
            entry.item.remove();
            var line = el('li', 'settled');
            line.textContent = visible(entry.request.tool) + ' [' + visible(id) + ']: ' + visible(reason);
            history.insertBefore(line, history.firstChild);
            while (history.children.length > HISTORY) { history.removeChild(history.lastChild); }
            refreshEmpty();
          }

          function setBusy(entry, busy) {
            entry.approve.disabled = busy;
            entry.deny.disabled = busy;
          }

          function decide(entry, approve) {
            var body = {
              approval_id: entry.request.approval_id,
              binding: entry.request.binding,
              decision: approve ? 'approve' : 'deny'
            };
            var name = nameInput.value.trim();
            if (name) { body.approver = name; }
            var comment = entry.comment.value.trim();
            if (comment) { body.comment = comment; }
            if (approve && entry.remember && entry.remember.checked) { body.remember = true; }
            setBusy(entry, true);
            entry.note.textContent = 'Sending\u2026';
            fetch(base + 'decide', {
              method: 'POST',
              headers: { 'Content-Type': 'application/json', 'X-MCP-Firewall-CSRF': csrf },
              body: JSON.stringify(body),
              credentials: 'same-origin',
              cache: 'no-store'
            }).then(function (response) {
              return response.json().catch(function () { return {}; }).then(function (data) {
                if (response.ok) {
                  entry.note.textContent = approve ? 'Approved.' : 'Denied.';
                  return;
                }
                entry.note.textContent = 'Not accepted (' + response.status + '): ' + visible(data.error || '');
                if (response.status !== 409 && response.status !== 410) { setBusy(entry, false); }
              });
            }, function (error) {
              entry.note.textContent = 'Could not send the answer: ' + visible(error);
              setBusy(entry, false);
            });
          }

          function tick() {
            cards.forEach(function (entry) { entry.clock.textContent = timeLeft(entry.deadline); });
          }

          function connect() {
            var source = new EventSource(base + 'events');
            source.addEventListener('open', function () {
              setStatus('Connected: calls that need your approval appear here as they arrive.');
            });
            source.addEventListener('error', function () {
              setStatus(source.readyState === EventSource.CLOSED
                ? 'Disconnected (the proxy ended or too many pages are open): reload the page.'
                : 'Connection lost: reconnecting\u2026');
            });
            source.addEventListener('snapshot', function (event) {
              var data = JSON.parse(event.data);
              var ids = new Set(data.pending.map(function (card) { return String(card.request.approval_id); }));
              Array.from(cards.keys()).forEach(function (id) { if (!ids.has(id)) { removeCard(id, 'no longer waiting'); } });
              data.pending.forEach(addCard);
            });
            source.addEventListener('add', function (event) { addCard(JSON.parse(event.data)); });
            source.addEventListener('remove', function (event) {
              var data = JSON.parse(event.data);
              removeCard(String(data.approval_id), String(data.reason));
            });
          }

          setInterval(tick, 1000);
          refreshEmpty();
          connect();
        })();
        """#
}
