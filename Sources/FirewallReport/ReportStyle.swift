/// The page's inline style sheet. Every colour cue also has an icon or a word next to it.
enum ReportStyle {
    static let css = """
        :root { --ok: #17663a; --ok-bg: #dcf5e5; --auto: #1d4f91; --auto-bg: #e0ebfa; --warn: #7a4b00;
          --warn-bg: #fff0cc; --bad: #9b1c1c; --bad-bg: #fde2e2; --muted: #4b5563; --muted-bg: #eceff3;
          --line: #d5d9e0; --text: #1b1f24; --soft: #5b6470; }
        * { box-sizing: border-box; }
        body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--text); margin: 0;
          background: #f7f8fa; }
        header, main, .warnings, nav.toc { max-width: 1240px; margin: 0 auto; padding: 0 20px; }
        header { padding-top: 18px; }
        h1 { font-size: 22px; margin: 0 0 4px; }
        h2 { font-size: 18px; margin: 0 0 10px; }
        h3 { font-size: 15px; margin: 18px 0 6px; }
        .lede, .hint, .note { color: var(--soft); margin: 4px 0 10px; }
        code, pre, .sid, .hash { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
        code { overflow-wrap: break-word; }
        td.args code { overflow-wrap: anywhere; }
        nav.toc { margin-bottom: 12px; }
        nav.toc a { margin-right: 14px; }
        section.session, section.timeline { background: #fff; border: 1px solid var(--line); border-radius: 8px;
          padding: 16px 18px; margin: 0 0 18px; }
        .sid { color: var(--soft); font-weight: normal; }
        dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 3px 14px; margin: 0; }
        dl.facts dt { color: var(--soft); }
        dl.facts dd { margin: 0; overflow-wrap: anywhere; }
        .tallies { display: flex; flex-wrap: wrap; align-items: flex-start; gap: 12px; margin-top: 12px; }
        table { border-collapse: collapse; width: 100%; }
        th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { background: #f1f3f6; font-weight: 600; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        table.tally { width: auto; min-width: 170px; }
        table.tally caption { text-align: left; font-weight: 600; padding: 2px 0 4px; }
        .badge { display: inline-block; padding: 0 7px; border-radius: 10px; font-size: 12px; font-weight: 600;
          white-space: nowrap; border: 1px solid currentColor; }
        .badge.ok { color: var(--ok); background: var(--ok-bg); }
        .badge.auto { color: var(--auto); background: var(--auto-bg); }
        .badge.warn { color: var(--warn); background: var(--warn-bg); }
        .badge.bad { color: var(--bad); background: var(--bad-bg); }
        .badge.muted { color: var(--muted); background: var(--muted-bg); }
        p.integrity { padding: 6px 10px; border-radius: 8px; border: 1px solid var(--line, #ddd); }
        p.integrity.tone-bad { border-color: var(--bad); background: var(--bad-bg); }
        p.integrity.tone-warn { border-color: var(--warn); }
        tr.tone-ok td:first-child { box-shadow: inset 4px 0 var(--ok); }
        tr.tone-auto td:first-child { box-shadow: inset 4px 0 var(--auto); }
        tr.tone-warn td:first-child { box-shadow: inset 4px 0 var(--warn); }
        tr.tone-bad td:first-child { box-shadow: inset 4px 0 var(--bad); }
        tr.tone-muted td:first-child { box-shadow: inset 4px 0 var(--muted); }
        .cls-sensitive { color: var(--bad); font-weight: 600; }
        .cls-write { color: var(--warn); font-weight: 600; }
        .dec-deny { color: var(--bad); font-weight: 600; }
        .dec-allow { color: var(--ok); }
        .warnings { margin-bottom: 14px; }
        .warnings div { background: var(--warn-bg); border: 1px solid var(--warn); border-radius: 8px;
          padding: 10px 14px; }
        .warnings ul { margin: 6px 0 0; padding-left: 20px; }
        form.filters { display: flex; flex-wrap: wrap; gap: 8px 14px; align-items: end; margin-bottom: 8px; }
        form.filters label { display: flex; flex-direction: column; font-size: 12px; color: var(--soft); }
        form.filters select, form.filters input { font: inherit; padding: 3px 5px; min-width: 110px; }
        .pager { display: flex; gap: 10px; align-items: center; margin: 6px 0; }
        table.timeline td { font-size: 13px; }
        table.timeline td.summary { overflow-wrap: anywhere; }
        button.toggle { font: inherit; border: 1px solid var(--line); background: #fff; border-radius: 4px;
          width: 26px; cursor: pointer; }
        tr.detail pre { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; max-height: 360px; overflow: auto;
          background: #f6f7f9; padding: 8px; border-radius: 4px; }
        .js .nojs { display: none; }
        @media print { form.filters, .pager { display: none; } }
        """
}
